package embedding

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEndpoint(t *testing.T) {
	for _, tt := range []struct {
		api       API
		base, url string
	}{
		{Ollama, "http://localhost:11434", "http://localhost:11434/api/embed"},
		{Ollama, "http://localhost:11434/", "http://localhost:11434/api/embed"},
		{Ollama, "http://home:11434/api/embed", "http://home:11434/api/embed"},
		{Ollama, "https://proxy.example/ollama", "https://proxy.example/ollama/api/embed"},
		{OpenAI, "http://localhost:8080", "http://localhost:8080/v1/embeddings"},
		{OpenAI, "https://api.openai.com/v1", "https://api.openai.com/v1/embeddings"},
		{OpenAI, "https://api.openai.com/v1/", "https://api.openai.com/v1/embeddings"},
		{OpenAI, "http://localhost:1234/v1/embeddings", "http://localhost:1234/v1/embeddings"},
	} {
		u, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := endpoint(tt.api, u); got != tt.url {
			t.Errorf("endpoint(%s, %s) = %s, want %s", tt.api, tt.base, got, tt.url)
		}
	}
}

func TestNewServerRefuses(t *testing.T) {
	for _, tt := range []struct {
		api              API
		base, model, err string
	}{
		{"grpc", "http://localhost:1", "m", `unknown API "grpc"`},
		{Ollama, "localhost:11434", "m", "not a server's address"},
		{Ollama, "ftp://localhost", "m", "not a server's address"},
		{Ollama, "http://", "m", "not a server's address"},
		{OpenAI, "http://localhost:8080", "", "set EMBED_MODEL"},
	} {
		if _, err := NewServer(tt.api, tt.base, tt.model, "", 1); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("NewServer(%s, %q, %q): %v, want an error saying %q", tt.api, tt.base, tt.model, err, tt.err)
		}
	}
}

// TestServerName: a password in the address is never shown.
func TestServerName(t *testing.T) {
	s, err := NewServer(Ollama, "http://poet:hunter2@home:11434", "m", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if name := s.String(); strings.Contains(name, "hunter2") || !strings.Contains(name, "home:11434") {
		t.Errorf("the server is named %q", name)
	}
}

func TestServerReason(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"error": "model not found"}`, "model not found"},
		{`{"error": {"message": "Rate limit reached", "type": "requests"}}`, "Rate limit reached"},
		{`{"object": "error", "message": "too long", "code": 400}`, "too long"},
		{`<html>Bad Gateway</html>`, "<html>Bad Gateway</html>"},
		{"", ""},
	} {
		if got := serverReason([]byte(tt.body)); got != tt.want {
			t.Errorf("serverReason(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	s := &Server{key: "sk-1"}
	for _, tt := range []struct{ in, want string }{
		{"bad key sk-1\n\x1b[31mred\u202e", "bad key [the key] [31mred"},
		{strings.Repeat("é", 400), strings.Repeat("é", 150) + "…"},
	} {
		if got := s.clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		value    string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"7", 7 * time.Second, 7 * time.Second},
		{"1.5", 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"-3", 0, 0},
		{"86400", maxRetryAfter, maxRetryAfter},
		{"soon", 0, 0},
		{time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat), 25 * time.Second, 30 * time.Second},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
	} {
		h := http.Header{}
		h.Set("Retry-After", tt.value)
		if got := retryAfter(h); got < tt.min || got > tt.max {
			t.Errorf("Retry-After %q: %s, want %s to %s", tt.value, got, tt.min, tt.max)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Most: 8 * time.Second}
	for _, tt := range []struct {
		n          int
		retryAfter time.Duration
		min, max   time.Duration
	}{
		{1, 0, 500 * time.Millisecond, time.Second},
		{2, 0, time.Second, 2 * time.Second},
		{4, 0, 4 * time.Second, 8 * time.Second},
		{9, 0, 4 * time.Second, 8 * time.Second},
		{100, 0, 4 * time.Second, 8 * time.Second},
		{1, time.Minute, time.Minute, time.Minute},
	} {
		for range 20 {
			if got := b.pause(tt.n, &failure{retryAfter: tt.retryAfter}); got < tt.min || got > tt.max {
				t.Errorf("pause(%d, Retry-After %s) = %s, want %s to %s", tt.n, tt.retryAfter, got, tt.min, tt.max)
			}
		}
	}
}

func TestProgressLine(t *testing.T) {
	var p Progress
	p.begin(100)
	p.start = time.Now().Add(-10 * time.Second)
	p.done.Store(40)
	p.failed.Store(10)
	p.retried("HTTP 503")
	got := p.Line()
	for _, w := range []string{"50/100 texts (10 failed)", "texts/s", "ETA 10s", "1 retry (the last: HTTP 503)"} {
		if !strings.Contains(got, w) {
			t.Errorf("progress %q lacks %q", got, w)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://localhost:11434", "http://localhost:11434"},
		{"http://poet:hunter2@home:11434/api", "http://poet:xxxxx@home:11434/api"},
		{"https://sk-token@api.example.com", "https://xxxxx@api.example.com"},
		{"http://poet:hun/ter2@home:11434", "http://xxxxx@home:11434"},
		{"http://poet:hunter2@[::1", "http://xxxxx@[::1"},
		{"poet:hunter2@home:11434", "xxxxx@home:11434"},
		{"http://home:11434/v1/@mention", "http://home:11434/v1/@mention"},
	} {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
