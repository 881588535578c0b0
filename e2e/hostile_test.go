//go:build linux

package e2e

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"pagegen/internal/embedding/embeddingtest"
)

// A hostile embedding server, or a password in its address, through make
// embeddings (a part of TestBadInputsThroughMake): no secret is shown or
// sent elsewhere, and what the server sends does not fill the memory.

// password is the password of the tests' EMBED_URL.
const password = "hunter2-pagegen"

// withPassword is url with a user and password.
func withPassword(url string) string {
	return strings.Replace(url, "http://", "http://poet:"+password+"@", 1)
}

// noSecret fails the test if out shows the password, or the header Go
// makes of it (base64 of user:password).
func noSecret(t *testing.T, tl *tally, what, out string) {
	t.Helper()
	tl.checkedN(1)
	basic := base64.StdEncoding.EncodeToString([]byte("poet:" + password))
	if strings.Contains(out, password) || strings.Contains(out, basic) {
		tl.lose(t, "%s shows the password in EMBED_URL:\n%q", what, out)
	}
}

// passwordShown: make -n, an address that does not parse, and a server that
// refuses the password and echoes it never show it.
func passwordShown(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	srv := embeddingtest.New(t, "ollama", "gemma", func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error": "wrong password ` + password + ` in ` + r.Header.Get("Authorization") + `"}`))
		return true
	})
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"make -n", []string{"-n", "embeddings", "EMBED_URL=" + withPassword(srv.URL)}, ""},
		{"an address that does not parse", []string{"embeddings", "EMBED_URL=http://poet:" + password + "@[::1"}, "is not a server's address"},
		{"a server that echoes it", []string{"embeddings", "EMBED_URL=" + withPassword(srv.URL), "EMBED_MODEL=gemma"},
			"the server refused the user and password in EMBED_URL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl.fault()
			out, err := b.make(c.args...)
			tl.noTrace(t, "make", out)
			noSecret(t, tl, c.name, out)
			if c.want != "" && (err == nil || !strings.Contains(out, c.want) || strings.Contains(out, "EMBED_API_KEY")) {
				t.Errorf("make %s: %v; want a failure saying %q, and nothing of a key:\n%s", c.args[0], err, c.want, out)
			}
		})
	}
}

// redirected: a server that redirects to another port of the same host
// (as Go's client would follow, with the key) stops the run, saying where
// it points; the other port gets nothing.
func redirected(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	var mu sync.Mutex
	var got []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
	}))
	defer other.Close()
	srv := embeddingtest.New(t, "openai", "m", func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		return true
	})
	tl.fault()
	cmd := b.command("embeddings", "EMBED_API=openai", "EMBED_URL="+srv.URL, "EMBED_MODEL=m")
	cmd.Env = append(cmd.Environ(), "EMBED_API_KEY=sk-pagegen-secret")
	out, err := cmd.CombinedOutput()
	tl.noTrace(t, "make embeddings", string(out))
	if err == nil || !strings.Contains(string(out), "sends the requests to "+other.URL) {
		t.Errorf("make embeddings with a server that redirects: %v\n%s", err, out)
	}
	tl.checkedN(1)
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 0 {
		tl.lose(t, "the requests followed the redirect to another port, with Authorization %q", got)
	}
}

// endless: replies that never end, at the default batch of 16, take the
// embedding run little memory (it took 283 MB, and gigabytes at larger
// batches): its peak, as the kernel accounts it for make and its children.
func endless(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	srv := embeddingtest.New(t, "ollama", "gemma", embeddingtest.Endless("ollama"))
	tl.fault()
	cmd := b.command("embeddings", "EMBED_URL="+srv.URL, "EMBED_MODEL=gemma", "EMBED_JOBS=1", "EMBED_RETRIES=0")
	out, err := cmd.CombinedOutput()
	tl.noTrace(t, "make embeddings", string(out))
	var exitErr *exec.ExitError
	if err == nil || !strings.Contains(string(out), "not whole JSON") {
		t.Errorf("make embeddings with endless replies: %v; want a failure saying the replies were not whole\n%s", err, out)
	}
	if !errors.As(err, &exitErr) {
		t.Fatalf("make did not run: %v", err)
	}
	tl.checkedN(1)
	const most = 150 << 10 // kB
	if peak := exitErr.SysUsage().(*syscall.Rusage).Maxrss; peak > most {
		tl.lose(t, "make embeddings peaked at %d MB of memory with endless replies, want under %d MB", peak>>10, most>>10)
	} else {
		t.Logf("peak memory of make and its children: %d MB", peak>>10)
	}
}
