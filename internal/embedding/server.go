// Package embedding asks an embedding server for the vectors of texts, over
// Ollama's API or the OpenAI-style one: in batches, several requests at
// once, retrying what fails for a passing reason, and checking every reply.
// A text that cannot be embedded gets an error, never a made-up vector.
// The vectors already made are kept in a cache file (cache.go), by model
// and exact text.
package embedding

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/bytedance/sonic"

	"pagegen/internal/quote"
)

// API is an embedding server's protocol.
type API string

// The protocols a server may speak.
const (
	// Ollama: POST /api/embed {model, input: [...]} -> {embeddings: [[...]]}.
	Ollama API = "ollama"
	// OpenAI: POST /v1/embeddings {model, input: [...]} -> {data: [{index, embedding}]},
	// as llama.cpp's server, vLLM, text-embeddings-inference, LM Studio and OpenAI speak it.
	OpenAI API = "openai"
)

// Server is an embedding server and the model it is asked for.
type Server struct {
	API      API
	Base     *url.URL // as given, e.g. http://localhost:11434
	Endpoint string   // where requests are posted
	Model    string
	key      string   // sent as a bearer token when set; never shown
	secrets  []secret // beside the key: what the address holds
	client   *http.Client
}

// secret is something never shown, and what is shown instead.
type secret struct{ value, shown string }

// NewServer is the server at base (e.g. http://localhost:11434) speaking
// api, asked for model, with key (may be empty) and up to jobs connections.
func NewServer(api API, base, model, key string, jobs int) (*Server, error) {
	if api != Ollama && api != OpenAI {
		return nil, fmt.Errorf("unknown API %q: give %s or %s", api, Ollama, OpenAI)
	}
	if model == "" {
		return nil, errors.New("no model given: set EMBED_MODEL")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not a server's address: give one such as http://localhost:11434", Redact(base))
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(jobs, 2)
	// A redirect is not followed: the key, and a password in the address,
	// go to EMBED_URL alone, not to wherever a server sends the request
	// (Go's client keeps the key for another port of the same host).
	client := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s := &Server{API: api, Base: u, Endpoint: endpoint(api, u), Model: model, key: key, client: client}
	if u.User != nil {
		// The password, or a token given as the user, and the header of
		// both that Go sends: a server may echo any of them.
		password, hasPassword := u.User.Password()
		s.secrets = append(s.secrets, secret{password, "[the password]"},
			secret{base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + password)), "[the password]"})
		if !hasPassword {
			s.secrets = append(s.secrets, secret{u.User.Username(), "[the user]"})
		}
	}
	return s, nil
}

// Redact is a server's address as given with its password (or a token
// given as its user) hidden, for a message. An address that does not parse
// has all it holds before its last @ hidden: the password may be what
// spoils it.
func Redact(address string) string {
	if u, err := url.Parse(address); err == nil && strings.Contains(address, "://") {
		switch _, hasPassword := u.User.Password(); {
		case u.User == nil:
			return address
		case hasPassword:
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		default:
			u.User = url.User("xxxxx")
		}
		return u.String()
	}
	scheme, rest, found := strings.Cut(address, "://")
	at := strings.LastIndexByte(rest, '@')
	switch {
	case !found:
		if at = strings.LastIndexByte(address, '@'); at >= 0 {
			return "xxxxx" + address[at:]
		}
		return address
	case at < 0:
		return address
	}
	return scheme + "://xxxxx" + rest[at:]
}

// endpoint is where requests go: the API's path under base, unless base
// already names it (http://host/v1 or http://host/v1/embeddings for OpenAI).
func endpoint(api API, base *url.URL) string {
	u := *base
	p := strings.TrimSuffix(u.Path, "/")
	switch {
	case api == Ollama && !strings.HasSuffix(p, "/api/embed"):
		p += "/api/embed"
	case api == OpenAI && strings.HasSuffix(p, "/v1"):
		p += "/embeddings"
	case api == OpenAI && !strings.HasSuffix(p, "/embeddings"):
		p += "/v1/embeddings"
	}
	u.Path = p
	return u.String()
}

// String names the server for messages: its address (without a password)
// and API.
func (s *Server) String() string {
	return fmt.Sprintf("%s (%s API)", Redact(s.Base.String()), s.API)
}

type request struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

// maxReplyPerText bounds what is read of a reply, per text asked for: far
// above any real vector (50,000 values), so that a broken server that
// sends without end is cut off. (What is kept of a reply is bounded by the
// vectors asked for: see parse.)
const maxReplyPerText = 1 << 20

// maxErrorBody bounds what is read of a reply with an error status.
const maxErrorBody = 64 << 10

// embed asks for the vectors of texts in one request, keeping at most most
// values of a vector. The vectors are as the server sent them (their count
// is checked, their values are not).
func (s *Server) embed(ctx context.Context, texts []string, most int) ([][]float32, *failure) {
	body, err := sonic.ConfigStd.Marshal(request{Model: s.Model, Input: texts})
	if err != nil {
		return nil, &failure{kind: refused, reason: fmt.Sprintf("encoding the request: %v", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &failure{kind: fatal, reason: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if s.key != "" {
		req.Header.Set("Authorization", "Bearer "+s.key)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.connectionFailure(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 3 {
		return nil, s.redirectFailure(resp)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, s.statusFailure(resp, body)
	}
	vecs, f, err := parse(s.API, io.LimitReader(resp.Body, int64(len(texts)+1)*maxReplyPerText), len(texts), most)
	if err != nil {
		return nil, s.connectionFailure(err) // cut off in the middle of the reply
	}
	if f != nil {
		f.reason = s.clean(f.reason)
		return nil, f
	}
	return vecs, nil
}

// redirectFailure is a reply that sends the request elsewhere: not
// followed, so that the key and a password go to EMBED_URL alone.
func (s *Server) redirectFailure(resp *http.Response) *failure {
	to := "another address"
	if loc, err := resp.Location(); err == nil {
		to = Redact(loc.String())
	}
	return &failure{kind: fatal, reason: s.clean(fmt.Sprintf("HTTP %d: the server sends the requests to %s, and the build does not follow it there, so that the key and a password in EMBED_URL go nowhere else: set EMBED_URL to that address if you trust it", resp.StatusCode, to))}
}

// connectionFailure is a request that got no whole reply: the server could
// not be reached, or the connection broke.
func (s *Server) connectionFailure(err error) *failure {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the URL is said elsewhere
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &failure{kind: unreachable, reason: s.clean("cannot connect: " + op.Err.Error())}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &failure{kind: unreachable, reason: s.clean("cannot find the server: " + dns.Error())}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &failure{kind: transient, reason: "the connection was closed before the reply was whole"}
	}
	return &failure{kind: transient, reason: s.clean("the connection failed: " + err.Error())}
}

// statusFailure is a reply with an error status, classed by what a retry
// or a smaller batch could change.
func (s *Server) statusFailure(resp *http.Response, body []byte) *failure {
	code := resp.StatusCode
	reason := fmt.Sprintf("HTTP %d", code)
	if why := s.clean(serverReason(body)); why != "" {
		reason += ": " + why
	} else if text := http.StatusText(code); text != "" {
		reason += " " + text
	}
	f := &failure{kind: refused, reason: reason}
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 && code != http.StatusNotImplemented:
		f.kind = transient
		f.retryAfter = retryAfter(resp.Header)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		f.kind = fatal
		switch {
		case s.key != "":
			f.reason += ": the server refused the key in EMBED_API_KEY (or OPENAI_API_KEY)"
		case s.Base.User != nil:
			f.reason += ": the server refused the user and password in EMBED_URL"
		default:
			f.reason += ": the server wants a key: set EMBED_API_KEY (or OPENAI_API_KEY) in the environment"
		}
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented:
		f.kind = fatal
		f.reason += fmt.Sprintf(": check EMBED_URL (%s), EMBED_API (%s) and EMBED_MODEL (%s)%s",
			Redact(s.Base.String()), s.API, s.Model, s.hint())
	}
	return f
}

// hint is the usual remedy for a server that does not know the model or the path.
func (s *Server) hint() string {
	if s.API == Ollama {
		return fmt.Sprintf("; for Ollama, ollama pull %s", s.Model)
	}
	return "; for llama.cpp, start llama-server with --embeddings"
}

// serverReason is the message of an error reply: {"error": "..."} (Ollama,
// text-embeddings-inference), {"error": {"message": "..."}} (OpenAI,
// llama.cpp), {"message": "..."} (vLLM), or the text of the body.
func serverReason(body []byte) string {
	var r struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if sonic.Unmarshal(body, &r) == nil {
		switch e := r.Error.(type) {
		case string:
			return e
		case map[string]any:
			if m, ok := e["message"].(string); ok {
				return m
			}
		}
		if r.Message != "" {
			return r.Message
		}
	}
	return string(body)
}

// clean makes a server's words fit for a message and a file: the key and a
// password in the address never shown (a server may echo them), control
// characters and runs of white space made single spaces, and the length
// bounded.
func (s *Server) clean(text string) string {
	for _, sc := range s.secrets {
		if sc.value != "" {
			text = strings.ReplaceAll(text, sc.value, sc.shown)
		}
	}
	return quote.Reply(text, s.key)
}
