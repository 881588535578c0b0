// Package embeddingtest is a fake embedding server for tests: it speaks
// Ollama's API or the OpenAI-style one, gives every text a vector made
// from its hash, and lets a test make it fail.
package embeddingtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Dim is the length of the fake model's vectors.
const Dim = 8

// Vector is the fake model's vector for text: made from its hash, never zero.
func Vector(text string) []float32 {
	v := make([]float32, Dim)
	for i := range v {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d %s", i, text)
		v[i] = float32(h.Sum32()%2000)/1000 - 0.999
	}
	return v
}

// Fault may answer a request instead of the fake model: n counts the
// requests from 1; it reports whether it answered.
type Fault func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool

// Server is a fake embedding server of one API ("ollama" or "openai").
type Server struct {
	*httptest.Server
	API      string
	Model    string // the model it has: another is "not found"
	Fault    Fault
	Requests atomic.Int64

	mu   sync.Mutex
	sent []string // texts asked for
	auth []string // Authorization headers
}

// New starts a server with model, closed when the test ends.
func New(t testing.TB, api, model string, f Fault) *Server {
	s := &Server{API: api, Model: model, Fault: f}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Sent is the texts asked for so far, in all requests.
func (s *Server) Sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

// Auth is the Authorization header of each request so far.
func (s *Server) Auth() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := int(s.Requests.Add(1))
	want := map[string]string{"ollama": "/api/embed", "openai": "/v1/embeddings"}[s.API]
	if r.Method != http.MethodPost || r.URL.Path != want {
		http.Error(w, `{"error": "no such endpoint"}`, http.StatusNotFound)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error": "bad request"}`, http.StatusBadRequest)
		return
	}
	if req.Model != s.Model {
		http.Error(w, fmt.Sprintf(`{"error": "model %q not found, try pulling it first"}`, req.Model), http.StatusNotFound)
		return
	}
	s.mu.Lock()
	s.sent = append(s.sent, req.Input...)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.mu.Unlock()
	if s.Fault != nil && s.Fault(w, r, n, req.Input) {
		return
	}
	vecs := make([][]float32, len(req.Input))
	for i, text := range req.Input {
		vecs[i] = Vector(text)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(Reply(s.API, vecs))
}

// Reply is a reply of api holding vecs (OpenAI's in reverse order: the
// index places them).
func Reply(api string, vecs [][]float32) []byte {
	var body any = map[string]any{"embeddings": vecs, "model": "m"}
	if api == "openai" {
		var data []map[string]any
		for i := len(vecs) - 1; i >= 0; i-- {
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": vecs[i]})
		}
		body = map[string]any{"object": "list", "data": data, "model": "m"}
	}
	b, _ := json.Marshal(body)
	return b
}

// Status answers the first times requests (all when times < 0) with code,
// a header ("Name: value", or "") and body.
func Status(times, code int, header, body string) Fault {
	return func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		if times >= 0 && n > times {
			return false
		}
		if k, v, ok := strings.Cut(header, ": "); ok {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
		return true
	}
}

// OnText answers requests that ask for text with code and body.
func OnText(text string, code int, body string) Fault {
	return func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		for _, t := range texts {
			if t == text {
				http.Error(w, body, code)
				return true
			}
		}
		return false
	}
}

// Endless answers every request with a reply that never ends: the first
// vector goes on until the client hangs up.
func Endless(api string) Fault {
	return func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		w.Write([]byte(map[string]string{"ollama": `{"embeddings": [[`, "openai": `{"data": [{"index": 0, "embedding": [`}[api]))
		chunk := []byte(strings.Repeat("1,", 32<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				break
			}
		}
		return true
	}
}
