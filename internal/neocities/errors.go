package neocities

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"pagegen/internal/quote"
	"pagegen/internal/retry"
)

// Kind says what may come of a failed request.
type Kind int

// The kinds of failure, by what the caller can do.
const (
	// Overloaded: the request may pass smaller, or later: a 413, a 408, a
	// 5xx, no reply in time, a connection dropped, or a reply that is not
	// the API's (a proxy's HTML page with a 200). Send less at once.
	Overloaded Kind = iota
	// RateLimited: a 429. Wait as long as the server asks (RetryAfter),
	// then send the same again: smaller requests would only be more.
	RateLimited
	// Unreachable: no connection at all (a wrong address, the network down).
	Unreachable
	// Refused: the server refused what was sent (a 400 with its reason,
	// such as a file type it does not take). The same request will not pass.
	Refused
	// Full: the site has no room for what was sent (too_large,
	// too_many_files): no request of the kind will pass.
	Full
	// Unauthorized: a 401 or 403, a key the server does not take.
	Unauthorized
	// Fatal: anything else no retry can change, such as an address that
	// is not the API's.
	Fatal
)

// Error is a failed request.
type Error struct {
	Kind       Kind
	Status     int    // the HTTP status, 0 without a reply
	Type       string // the API's error_type, e.g. invalid_file_type
	Message    string // in words, the server's where it gave some (cleaned)
	RetryAfter time.Duration
}

// Error says what failed: the status, the API's error_type and its message.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if e.Type != "" {
			fmt.Fprintf(&b, " %s", e.Type)
		} else if text := http.StatusText(e.Status); text != "" {
			fmt.Fprintf(&b, " %s", text)
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	return b.String()
}

// KeyHelp says where a key comes from and where to get one, for a key the
// server does not take or a missing one.
const KeyHelp = "pagegen takes the key from NEOCITIES_API_KEY, or without it from the official neocities CLI's config file (~/.config/neocities/config.json, API_KEY); your site's API key is at https://neocities.org/settings, in the API key section"

// reply is the API's envelope: {"result": "success", ...} or
// {"result": "error", "error_type": ..., "message": ...}.
type reply struct {
	Result    string `json:"result"`
	ErrorType string `json:"error_type"`
	Message   string `json:"message"`
}

// replyError is the failure a reply stands for, nil for the API's success.
func (c *Client) replyError(resp *http.Response, body []byte) *Error {
	code := resp.StatusCode
	var r reply
	api := isJSON(resp.Header) && json.Unmarshal(body, &r) == nil && r.Result != ""
	if !api && (code == http.StatusOK || code == http.StatusBadRequest) && json.Unmarshal(body, &r) == nil && r.Result != "" {
		api = true // the API's JSON under another content type
	}
	if code == http.StatusOK && api && r.Result == "success" {
		return nil
	}
	e := &Error{Status: code, Type: c.clean(r.ErrorType), Message: c.clean(r.Message)}
	if !api {
		e.Message = c.notAPI(resp, body)
	}
	switch {
	case code == http.StatusTooManyRequests:
		e.Kind, e.RetryAfter = RateLimited, retry.After(resp.Header, maxRetryAfter)
	case code == http.StatusOK, code == http.StatusRequestEntityTooLarge, code == http.StatusRequestTimeout, code >= 500:
		// A 200 that is not the API's success is a proxy's page, or a
		// reply cut short: the request may pass, smaller.
		e.Kind = Overloaded
		if code == http.StatusOK && api {
			e.Kind = Refused // the API's own error with a 200
		}
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		e.Kind = Unauthorized
	case r.ErrorType == "too_large" || r.ErrorType == "too_many_files":
		e.Kind = Full
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		e.Kind = Refused
	case code >= 300 && code < 400:
		e.Kind = Fatal
		e.Message = fmt.Sprintf("%s redirects to %s: give that address as NEOCITIES_URL", c, c.clean(resp.Header.Get("Location")))
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		e.Kind = Fatal
		e.Message = fmt.Sprintf("%s has no Neocities API there (%s): check NEOCITIES_URL", c, e.Message)
	default:
		e.Kind = Fatal
	}
	return e
}

// isJSON reports whether a reply says it is JSON.
func isJSON(h http.Header) bool {
	t, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (t == "application/json" || strings.HasSuffix(t, "+json"))
}

// notAPI describes a reply that is not the API's: an HTML page (a proxy's,
// a maintenance page) by its title, anything else by its first words.
func (c *Client) notAPI(resp *http.Response, body []byte) string {
	t, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	text := string(body)
	if lower := strings.ToLower(text); t == "text/html" || strings.Contains(lower, "<html") {
		what := "an HTML page instead of the API's reply"
		if i := strings.Index(lower, "<title>"); i >= 0 {
			if j := strings.Index(lower[i:], "</title>"); j > 0 {
				what += ": " + c.clean(text[i+len("<title>"):i+j])
			}
		}
		return what
	}
	if strings.TrimSpace(text) == "" {
		return "an empty reply instead of the API's"
	}
	return "a reply that is not the API's: " + c.clean(text)
}

// clean makes a server's words fit for a message: never the key.
func (c *Client) clean(text string) string { return quote.Reply(text, c.key) }

// maxRetryAfter bounds how long one Retry-After is honoured: a longer
// wait is cut to it, and the request asks again.
const maxRetryAfter = 15 * time.Minute
