package embedding

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pagegen/internal/embedding/embeddingtest"
)

const testDim = embeddingtest.Dim

var vectorOf = embeddingtest.Vector

// newFakeServer is a fake server of api, with the model newEmbedder asks for.
func newFakeServer(t *testing.T, api API, f embeddingtest.Fault) *embeddingtest.Server {
	return embeddingtest.New(t, string(api), "test-model", f)
}

func writeReply(w http.ResponseWriter, api API, vecs [][]float32) {
	w.Write(embeddingtest.Reply(string(api), vecs))
}

// withText answers with the fake model, but gives the vector of the text
// named (whenever it is asked for) to edit, as raw JSON.
func withText(api API, text string, edit func(v []float32) string) embeddingtest.Fault {
	return func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		i := slices.Index(texts, text)
		if i < 0 {
			return false
		}
		vecs := make([][]float32, len(texts))
		for k, t := range texts {
			vecs[k] = vectorOf(t)
		}
		vecs[i] = []float32{12345} // a marker, replaced by the edited vector
		body := strings.Replace(string(embeddingtest.Reply(string(api), vecs)), "[12345]", edit(vectorOf(text)), 1)
		w.Write([]byte(body))
		return true
	}
}

// texts are the test's texts, with a few that faults pick out.
func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("poem %d\nwith a second line, and ünïcödé", i)
	}
	return out
}

// sleeps records the pauses a run asks for, without waiting them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) longest() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Max(append(s.d, 0))
}

// newEmbedder is an Embedder for srv, keeping what it embeds in kept.
func newEmbedder(t *testing.T, srv *embeddingtest.Server, key string, kept map[string][]float32) (*Embedder, *sleeps) {
	t.Helper()
	s, err := NewServer(API(srv.API), srv.URL, "test-model", key, 3)
	if err != nil {
		t.Fatal(err)
	}
	sl := &sleeps{}
	e := &Embedder{Server: s, Batch: 4, Jobs: 3, Retries: 3, Timeout: 5 * time.Second,
		Backoff: Backoff{Base: time.Second, Most: 8 * time.Second}, GiveUp: time.Hour,
		Keep: func(texts []string, vecs [][]float32) error {
			for i, t := range texts {
				kept[t] = vecs[i]
			}
			return nil
		},
		sleep: sl.sleep}
	return e, sl
}

var apis = []API{Ollama, OpenAI}

func TestEmbed(t *testing.T) {
	for _, api := range apis {
		t.Run(string(api), func(t *testing.T) {
			srv := newFakeServer(t, api, nil)
			kept := map[string][]float32{}
			e, _ := newEmbedder(t, srv, "", kept)
			in := texts(21)
			vecs, errs, err := e.Embed(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for i, text := range in {
				if errs[i] != nil || !slices.Equal(vecs[i], vectorOf(text)) || !slices.Equal(kept[text], vecs[i]) {
					t.Errorf("text %d: vector %v, kept %v, error %v; want %v", i, vecs[i], kept[text], errs[i], vectorOf(text))
				}
			}
			if n := srv.Requests.Load(); n != 6 {
				t.Errorf("%d requests for 21 texts in batches of 4, want 6", n)
			}
			if !slices.Equal(sorted(srv.Sent()), sorted(in)) {
				t.Errorf("the server was sent %d texts, not the 21 once each", len(srv.Sent()))
			}
			if e.Progress.Done() != 21 || e.Progress.Retries() != 0 {
				t.Errorf("progress: %s", e.Progress.Line())
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestFaults: what a server does wrong, and what becomes of the texts.
func TestFaults(t *testing.T) {
	in := texts(10)
	odd := in[5]
	slow := func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		if n > 1 {
			return false
		}
		<-r.Context().Done() // a reply slower than any timeout
		return true
	}
	truncated := func(api API) embeddingtest.Fault {
		return func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
			if n > 1 {
				return false
			}
			body := embeddingtest.Reply(string(api), [][]float32{vectorOf(texts[0])})
			w.Write(body[:len(body)/2])
			return true
		}
	}
	reset := func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		if n > 1 {
			return false
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"embeddings\": [[0.25, 0.5,")
		conn.(*net.TCPConn).SetLinger(0) // a reset, not a clean close
		conn.Close()
		return true
	}
	short := func(api API) embeddingtest.Fault {
		return func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
			if len(texts) < 2 {
				return false
			}
			vecs := make([][]float32, len(texts)-1)
			for i := range vecs {
				vecs[i] = vectorOf(texts[i])
			}
			writeReply(w, api, vecs)
			return true
		}
	}
	tooLong := embeddingtest.OnText(odd, http.StatusBadRequest, `{"error": {"message": "input is too long for the context", "type": "invalid_request_error"}}`)
	crash := embeddingtest.OnText(odd, http.StatusInternalServerError, `{"error": "input is too large to process. increase the physical batch size"}`)
	for _, api := range apis {
		tests := []struct {
			name    string
			fault   embeddingtest.Fault
			failed  []string // texts that must fail, each with these words in its error
			reason  string
			retries int // -1: any
			minWait time.Duration
			timeout time.Duration // a reply's; 0: one no reply of the fake server comes near, even on a busy machine
		}{
			{name: "429 with Retry-After", fault: embeddingtest.Status(1, 429, "Retry-After: 7", `{"error": "rate limited"}`), retries: 1, minWait: 7 * time.Second},
			{name: "503 with a date in Retry-After", fault: embeddingtest.Status(1, 503, "Retry-After: "+time.Now().Add(20*time.Second).UTC().Format(http.TimeFormat), ""), retries: 1, minWait: 15 * time.Second},
			{name: "500s", fault: embeddingtest.Status(2, 500, "", "boom"), retries: 2},
			{name: "a reply slower than the timeout", fault: slow, retries: 1, timeout: 2 * time.Second},
			{name: "truncated JSON", fault: truncated(api), retries: 1},
			{name: "an empty reply", fault: embeddingtest.Status(1, 200, "", ""), retries: 1},
			{name: "a connection reset in the middle of a batch", fault: reset, retries: 1},
			{name: "a wrong dimension", fault: withText(api, odd, func(v []float32) string { return jsonOf(v[:testDim-1]) }),
				failed: []string{odd}, reason: "a vector of 7 values, not 8", retries: 0},
			{name: "NaN", fault: withText(api, odd, firstValue("NaN")), failed: []string{odd}, reason: "NaN or Infinity", retries: 0},
			{name: "-Infinity", fault: withText(api, odd, firstValue("-Infinity")), failed: []string{odd}, reason: "NaN or Infinity", retries: 0},
			{name: "null for a NaN", fault: withText(api, odd, firstValue("null")), failed: []string{odd}, reason: "NaN or infinite values", retries: 0},
			{name: "a value beyond float32", fault: withText(api, odd, firstValue("1e39")), failed: []string{odd}, reason: "NaN or infinite values", retries: 0},
			{name: "a zero vector", fault: withText(api, odd, func(v []float32) string { return jsonOf(make([]float32, testDim)) }),
				failed: []string{odd}, reason: "a vector of zeros", retries: 0},
			{name: "a count mismatch", fault: short(api), failed: nil, retries: 0},
			{name: "a text refused", fault: tooLong, failed: []string{odd}, reason: "HTTP 400: input is too long for the context", retries: 0},
			{name: "a text the server fails on", fault: crash, failed: []string{odd}, reason: "HTTP 500: input is too large to process. increase the physical batch size (4 tries)", retries: -1},
		}
		for _, tt := range tests {
			t.Run(string(api)+"/"+tt.name, func(t *testing.T) {
				srv := newFakeServer(t, api, tt.fault)
				kept := map[string][]float32{}
				e, sl := newEmbedder(t, srv, "", kept)
				e.Timeout = cmp.Or(tt.timeout, time.Minute)
				vecs, errs, err := e.Embed(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				for i, text := range in {
					switch {
					case slices.Contains(tt.failed, text):
						if vecs[i] != nil || errs[i] == nil || !strings.Contains(errs[i].Error(), tt.reason) {
							t.Errorf("text %d: vector %v, error %v; want no vector and an error saying %q", i, vecs[i], errs[i], tt.reason)
						}
						if kept[text] != nil {
							t.Errorf("text %d failed but was kept", i)
						}
					case errs[i] != nil || !slices.Equal(vecs[i], vectorOf(text)) || kept[text] == nil:
						t.Errorf("text %d: vector %v, error %v; want %v", i, vecs[i], errs[i], vectorOf(text))
					}
				}
				if got := e.Progress.Retries(); tt.retries >= 0 && got != tt.retries {
					t.Errorf("%d retries, want %d", got, tt.retries)
				}
				if got := sl.longest(); got < tt.minWait {
					t.Errorf("the longest pause was %s, want at least %s (Retry-After)", got, tt.minWait)
				}
			})
		}
	}
}

// firstValue is an edit for withText: the vector with its first value written as value.
func firstValue(value string) func(v []float32) string {
	return func(v []float32) string {
		s := jsonOf(v)
		return "[" + value + s[strings.Index(s, ","):]
	}
}

func jsonOf(v []float32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestStops: servers with which no text can be embedded end the run at
// once with what is wrong and what to do.
func TestStops(t *testing.T) {
	const key = "sk-secret-key-1234"
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name  string
		url   string // instead of the fake server's
		key   string
		dim   int
		fault embeddingtest.Fault
		want  []string
		most  int64 // requests the server may see
	}{
		{name: "no server there", url: closed.URL, want: []string{"cannot connect", "connection refused", "is the server running", "ollama serve"}},
		{name: "unknown model", fault: embeddingtest.Status(-1, 404, "", `{"error": "model \"test-model\" not found, try pulling it first"}`),
			want: []string{"HTTP 404", "not found, try pulling it first", "EMBED_MODEL (test-model)"}, most: 1},
		{name: "no key", fault: embeddingtest.Status(-1, 401, "", `{"error": {"message": "You didn't provide an API key."}}`),
			want: []string{"HTTP 401", "set EMBED_API_KEY"}, most: 1},
		{name: "a wrong key, echoed", key: key, fault: embeddingtest.Status(-1, 401, "", `{"error": {"message": "Incorrect API key provided: `+key+`"}}`),
			want: []string{"HTTP 401", "Incorrect API key provided: [the key]", "refused the key"}, most: 1},
		{name: "llama-server without --embeddings", fault: embeddingtest.Status(-1, 501, "", `{"error": {"code": 501, "message": "This server does not support embeddings. Start it with --embeddings"}}`),
			want: []string{"HTTP 501", "Start it with --embeddings"}, most: 1},
		{name: "a server that fails every request", fault: embeddingtest.Status(-1, 500, "", "out of memory"),
			want: []string{"embedded none of the first 8 texts", "HTTP 500: out of memory (4 tries)"}},
		{name: "another dimension than the cache's", dim: testDim * 2, want: []string{"the server's vectors have 8 values, but those before them 16"}, most: 1},
	}
	for _, api := range apis {
		for _, tt := range tests {
			t.Run(string(api)+"/"+tt.name, func(t *testing.T) {
				srv := newFakeServer(t, api, tt.fault)
				if tt.url != "" {
					srv.URL = tt.url
				}
				e, _ := newEmbedder(t, srv, tt.key, map[string][]float32{})
				e.Dimension = tt.dim
				_, _, err := e.Embed(context.Background(), texts(20))
				if err == nil {
					t.Fatal("Embed succeeded; want an error")
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				if tt.key != "" && strings.Contains(err.Error(), tt.key) {
					t.Errorf("the error shows the key: %v", err)
				}
				if n := srv.Requests.Load(); tt.most > 0 && n > tt.most {
					t.Errorf("%d requests, want at most %d", n, tt.most)
				}
			})
		}
	}
}

// TestKey: the key goes to the server as a bearer token, and nowhere else.
func TestKey(t *testing.T) {
	srv := newFakeServer(t, OpenAI, nil)
	e, _ := newEmbedder(t, srv, "sk-abc", map[string][]float32{})
	if _, _, err := e.Embed(context.Background(), texts(1)); err != nil {
		t.Fatal(err)
	}
	if auth := srv.Auth(); auth[0] != "Bearer sk-abc" {
		t.Errorf("Authorization: %q", auth[0])
	}
	if s := e.Server.String(); strings.Contains(s, "sk-abc") {
		t.Errorf("the server's name shows the key: %s", s)
	}
}

// TestGiveUp: a server that stops answering after a while ends the run,
// keeping what it embedded.
func TestGiveUp(t *testing.T) {
	srv := newFakeServer(t, Ollama, func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		if n <= 2 {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	kept := map[string][]float32{}
	e, _ := newEmbedder(t, srv, "", kept)
	e.Jobs, e.GiveUp = 1, time.Nanosecond
	_, _, err := e.Embed(context.Background(), texts(40))
	if err == nil || !strings.Contains(err.Error(), "no request has succeeded for") || !strings.Contains(err.Error(), "HTTP 503 Service Unavailable") {
		t.Fatalf("error %v; want one saying no request has succeeded", err)
	}
	if len(kept) != 8 {
		t.Errorf("%d texts kept, want the 8 of the first two replies", len(kept))
	}
}

// TestInterrupt: cancelling the context ends a run whose requests wait for
// their replies, at once.
func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 10)
	srv := newFakeServer(t, Ollama, func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		if n == 1 {
			return false
		}
		started <- struct{}{}
		<-r.Context().Done()
		return true
	})
	e, _ := newEmbedder(t, srv, "", map[string][]float32{})
	e.Timeout = time.Hour
	go func() {
		<-started
		cancel()
	}()
	_, _, err := e.Embed(ctx, texts(40))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v; want context.Canceled", err)
	}
}

// TestKeepFails: a cache that cannot keep a vector stops the run.
func TestKeepFails(t *testing.T) {
	srv := newFakeServer(t, OpenAI, nil)
	e, _ := newEmbedder(t, srv, "", nil)
	e.Keep = func([]string, [][]float32) error { return errors.New("writing the cache: no space left on device") }
	if _, _, err := e.Embed(context.Background(), texts(9)); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("error %v; want the cache's", err)
	}
}

// TestPassword: a user and password in EMBED_URL go to the server, and a
// server that refuses them and echoes them (as the Authorization header Go
// sends) is said with them hidden, and with the right remedy.
func TestPassword(t *testing.T) {
	const password = "hunter2-secret"
	basic := "cG9ldDpodW50ZXIyLXNlY3JldA==" // base64 of poet:hunter2-secret
	srv := newFakeServer(t, Ollama, func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error": "bad credentials %s for %s"}`, password, r.Header.Get("Authorization"))
		return true
	})
	srv.URL = strings.Replace(srv.URL, "http://", "http://poet:"+password+"@", 1)
	e, _ := newEmbedder(t, srv, "", map[string][]float32{})
	_, _, err := e.Embed(context.Background(), texts(3))
	if err == nil {
		t.Fatal("Embed succeeded")
	}
	for _, w := range []string{"HTTP 401", "bad credentials [the password] for Basic [the password]", "refused the user and password in EMBED_URL", "poet:xxxxx@"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error lacks %q: %v", w, err)
		}
	}
	if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), basic) || strings.Contains(err.Error(), "EMBED_API_KEY") {
		t.Errorf("the error shows the password, or speaks of a key: %v", err)
	}
}

// TestRedirect: a redirect is not followed, not even to another port of
// the same host (where Go's client would send the key): the run stops,
// saying where the server points.
func TestRedirect(t *testing.T) {
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere = append(elsewhere, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusTeapot)
	}))
	defer other.Close()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := newFakeServer(t, OpenAI, func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
			http.Redirect(w, r, other.URL+r.URL.Path, code)
			return true
		})
		e, _ := newEmbedder(t, srv, "sk-secret", map[string][]float32{})
		_, _, err := e.Embed(context.Background(), texts(3))
		if err == nil || !strings.Contains(err.Error(), "sends the requests to "+other.URL) || !strings.Contains(err.Error(), "does not follow") {
			t.Errorf("HTTP %d: %v; want the run stopped, naming where the server points", code, err)
		}
	}
	if len(elsewhere) > 0 {
		t.Errorf("requests followed a redirect, with Authorization %q", elsewhere)
	}
}

// TestEndlessReply: a reply that never ends, in a vector far too long, is
// read as it comes and cut off: what the run takes of the memory is bounded
// by the vectors asked for, not by what the server sends (it had read the
// whole reply first, a megabyte a text, and decoded it as float64).
func TestEndlessReply(t *testing.T) {
	for _, api := range apis {
		t.Run(string(api), func(t *testing.T) {
			srv := newFakeServer(t, api, embeddingtest.Endless(string(api)))
			e, _ := newEmbedder(t, srv, "", map[string][]float32{})
			e.Batch, e.Jobs, e.Retries = 8, 1, 0
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			vecs, errs, err := e.Embed(context.Background(), texts(8))
			runtime.ReadMemStats(&after)
			if err != nil || slices.ContainsFunc(vecs, func(v []float32) bool { return v != nil }) || slices.Contains(errs, nil) {
				t.Errorf("endless replies: vectors %d, errors %v, %v; want every text failed", len(vecs), errs, err)
			}
			// The replies streamed are 9 MB for the batch of 8, then as
			// much for its halves, each level down: some 50 MB. Read whole
			// and decoded as float64, they took several times that; read
			// as they come, what a request keeps is its vectors, of at
			// most maxDimension values each (256 kB, grown by doubling).
			if took := after.TotalAlloc - before.TotalAlloc; took > 48<<20 {
				t.Errorf("the run took %d MB of memory for 50 MB of endless replies, want it bounded by the vectors asked for", took>>20)
			}
		})
	}
}
