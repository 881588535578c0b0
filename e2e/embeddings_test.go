//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pagegen/internal/embedding"
	"pagegen/internal/order/ordertest"
)

// useLiteModel is the model scripts/sample-corpus/serve.mjs serves.
const useLiteModel = "energetic-ai/universal-sentence-encoder-lite:0.2.0"

// useLite is the sample's model, USE-Lite, served over Ollama's API by
// scripts/sample-corpus/serve.mjs: a real model, offline.
type useLite struct {
	url string
	mu  sync.Mutex
	log []string // a line a request: "POST /api/embed: N texts in T s"
}

// startUSELite starts the server for the test, installing its npm packages
// first if need be; it skips the test without node (see need).
func startUSELite(t *testing.T) *useLite {
	t.Helper()
	const install, why = "apt-get install nodejs npm", "make embeddings against a real model"
	node := need(t, "node", install, why)
	dir := filepath.Join(root, "scripts", "sample-corpus")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@energetic-ai", "model-embeddings-en")); err != nil {
		npm := exec.Command(need(t, "npm", install, why), "ci", "--no-audit", "--no-fund", "--loglevel=error")
		npm.Dir = dir
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	cmd := exec.Command(node, "serve.mjs", "--port", "0", "--exit-with-stdin")
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe() // closed when the test ends, or dies: the server ends with it
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	s := &useLite{}
	go func() {
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
		}
	}()
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		m := regexp.MustCompile(`^listening on (http://\S+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("the USE-Lite server said %q, not where it listens; its log:\n%s", line, strings.Join(s.lines(), "\n"))
		}
		s.url = m[1]
	case <-time.After(hangLimit):
		t.Fatalf("the USE-Lite server did not start within %v", hangLimit)
	}
	return s
}

func (s *useLite) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// relay is a way to the server for one run of make embeddings: it counts
// the texts that the server embedded for that run alone (a run stopped
// before its reply came may still have a request at the server), and it can
// hold requests, so that a test stops a run at a moment it knows.
type relay struct {
	t       *testing.T
	to      string
	url     string
	pass    int           // with hold: requests let through before the rest are held
	hold    bool          // hold the requests after the first pass
	release chan struct{} // closed when the test ends: held requests end
	mu      sync.Mutex
	reqs    int // requests that came
	texts   int // texts of the requests the server answered with 200
	held    int // requests held
}

// relay starts a relay to the server until the test ends. With hold, it
// holds every request after the first pass until the client goes away.
func (s *useLite) relay(t *testing.T, hold bool, pass int) *relay {
	t.Helper()
	rl := &relay{t: t, to: s.url, hold: hold, pass: pass, release: make(chan struct{})}
	srv := httptest.NewServer(rl)
	rl.url = srv.URL
	t.Cleanup(func() {
		close(rl.release)
		srv.Close()
	})
	return rl
}

func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rl.mu.Lock()
	rl.reqs++
	held := rl.hold && rl.reqs > rl.pass
	if held {
		rl.held++
	}
	rl.mu.Unlock()
	if held {
		select {
		case <-r.Context().Done(): // the client went away
		case <-rl.release:
		}
		http.Error(w, "held by the test", http.StatusServiceUnavailable)
		return
	}
	resp, err := http.Post(rl.to+r.URL.Path, r.Header.Get("Content-Type"), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode == http.StatusOK {
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			rl.t.Errorf("the relay cannot read the texts of a request: %v\n%.300s", err, body)
		}
		rl.mu.Lock()
		rl.texts += len(req.Input)
		rl.mu.Unlock()
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	w.Write(reply)
}

// sent is the texts the server embedded through the relay.
func (rl *relay) sent() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.texts
}

// holding reports whether the relay holds a request.
func (rl *relay) holding() bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.held > 0
}

// TestMakeEmbeddings runs the real make embeddings against a real model:
// the sample's embeddings made from nothing (the committed files are made
// so), a run with nothing new, five poems added, make corpus with EMBED_URL
// and no embeddings file, Ctrl+C in the middle, and a model the server
// does not have. Each run goes through a relay of its own, which counts
// what the server embedded for it.
func TestMakeEmbeddings(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the sample with a real model, some 30 s")
	}
	srv := startUSELite(t)
	b := newBuild(t)
	settings := []string{"EMBED_MODEL=" + useLiteModel, "PROGRESS_INTERVAL=0"}
	embed := func(target string, args ...string) (out string, sent int) {
		t.Helper()
		rl := srv.relay(t, false, 0)
		start := time.Now()
		out = b.mustMake(append(append([]string{target, "EMBED_URL=" + rl.url}, settings...), args...)...)
		t.Logf("make %s: %s", strings.Join(append([]string{target}, args...), " "), time.Since(start).Round(10*time.Millisecond))
		return out, rl.sent()
	}
	for _, name := range []string{"embeddings.json", "color_embeddings.json"} {
		if err := os.Remove(b.path(name)); err != nil {
			t.Fatal(err)
		}
	}

	// From nothing: every poem and colour, as the committed sample has them.
	out, sent := embed("embeddings")
	if sent != 213 || !strings.Contains(out, "213 texts to embed (0 in the cache)") {
		t.Errorf("the server embedded %d texts, want the 206 poems and 7 colours:\n%s", sent, out)
	}
	compareEmbeddings(t, b.path("embeddings.json"), filepath.Join(root, "data", "embeddings.json"))
	compareEmbeddings(t, b.path("color_embeddings.json"), filepath.Join(root, "data", "color_embeddings.json"))

	// Nothing new: nothing sent, nothing written.
	before := b.files()
	out, sent = embed("embeddings")
	if sent != 0 || !strings.Contains(out, "every text was in the cache") {
		t.Errorf("a run with nothing new sent %d texts:\n%s", sent, out)
	}
	if ch := changed(before, b.files()); len(ch) > 0 {
		t.Errorf("a run with nothing new rewrote %v", ch)
	}

	// Five poems more: five texts sent.
	b.editJSON("poems.json", func(doc map[string]any) {
		poems := list(doc, "poems")
		for i := range 5 {
			poems = append(poems, map[string]any{"id": 900 + i, "category": "notes", "poem_index": len(poems) + 1,
				"content": fmt.Sprintf("A new poem, the %d of five,\nabout the sea and the wind.", i+1)})
		}
		doc["poems"] = poems
	})
	out, sent = embed("embeddings")
	if sent != 5 || !strings.Contains(out, "5 texts to embed (213 in the cache)") {
		t.Errorf("after adding 5 poems the server embedded %d texts, want 5:\n%s", sent, out)
	}

	// A build with EMBED_URL and no embeddings file makes it first (from
	// the cache), then packs the corpus from it.
	if err := os.Remove(b.path("embeddings.json")); err != nil {
		t.Fatal(err)
	}
	out, sent = embed("corpus")
	if _, err := os.Stat(b.path("embeddings.json")); err != nil || sent != 0 || !strings.Contains(out, "every text was in the cache") || !strings.Contains(out, "packed 211 poems") {
		t.Errorf("make corpus with EMBED_URL (%d texts sent): %v\n%s", sent, err, out)
	}

	// A model the server does not have: stopped at the first request, with the remedy.
	before = b.files()
	out, err := b.make(append([]string{"embeddings", "EMBED_URL=" + srv.url}, append(settings, "EMBED_MODEL=nomic-embed-text")...)...)
	if err == nil || !strings.Contains(out, "HTTP 404") || !strings.Contains(out, "ollama pull nomic-embed-text") {
		t.Errorf("make embeddings with a model the server lacks: %v\n%s", err, out)
	}
	if ch := changed(before, b.files()); len(ch) > 0 {
		t.Errorf("a failed run changed %v", ch)
	}

	testInterruptEmbeddings(t, srv, settings)
}

// testInterruptEmbeddings stops make embeddings with Ctrl+C while it waits
// for its second reply, the first one kept in the cache (the relay holds
// every request after the first): the run ends, without an embeddings file
// or a temporary file, and the next one sends only what the first did not
// keep. (On the first 30 poems and the 7 colours, in batches of 4, one
// request at a time.)
func testInterruptEmbeddings(t *testing.T, srv *useLite, settings []string) {
	const texts, batch = 37, 4
	b := newBuild(t)
	for _, name := range []string{"embeddings.json", "color_embeddings.json"} {
		if err := os.Remove(b.path(name)); err != nil {
			t.Fatal(err)
		}
	}
	b.editJSON("poems.json", func(doc map[string]any) { doc["poems"] = list(doc, "poems")[:texts-7] })
	settings = append(settings, fmt.Sprintf("EMBED_BATCH=%d", batch), "EMBED_JOBS=1")
	cache := embedding.CachePath(b.path("embeddings.json"))
	kept := func() int {
		n, _ := embedding.CountCached(cache, useLiteModel) // not there yet: 0
		return n
	}
	held := srv.relay(t, true, 1)
	r := b.startRun(nil, append([]string{"embeddings", "EMBED_URL=" + held.url}, settings...)...)
	if !r.until(hangLimit, func() bool { return held.holding() && kept() == batch }) {
		t.Fatalf("make embeddings did not keep its first reply (%d texts in the cache) and wait for the second (held: %t):\n%s", kept(), held.holding(), r.out.String())
	}
	if !r.signal(syscall.SIGINT) {
		t.Fatal("make embeddings ended before Ctrl+C")
	}
	err := r.wait(t, hangLimit)
	if err == nil || !strings.Contains(r.out.String(), "interrupted") {
		t.Errorf("make embeddings after Ctrl+C: %v\n%s", err, r.out.String())
	}
	if _, err := os.Stat(b.path("embeddings.json")); err == nil {
		t.Error("an interrupted run wrote the embeddings file")
	}
	if tmp := b.leftovers(); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if n := kept(); n != batch {
		t.Errorf("the interrupted run kept %d texts in the cache, want its first reply's %d", n, batch)
	}

	rl := srv.relay(t, false, 0)
	out := b.mustMake(append([]string{"embeddings", "EMBED_URL=" + rl.url}, settings...)...)
	want := fmt.Sprintf("%d texts to embed (%d in the cache)", texts-batch, batch)
	if !strings.Contains(out, want) || rl.sent() != texts-batch {
		t.Errorf("after Ctrl+C: the server embedded %d texts; want %d, and make to say %q:\n%s", rl.sent(), texts-batch, want, out)
	}
	if n := kept(); n != texts {
		t.Errorf("the cache holds %d texts after the run that finished, want %d", n, texts)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// compareEmbeddings checks that the vectors of got and want point the same
// way (cosine above 0.99999): the same model on the same texts, whatever
// the machine's last bits.
func compareEmbeddings(t *testing.T, got, want string) {
	t.Helper()
	g, w := readVectors(t, got), readVectors(t, want)
	if g.model != w.model || len(g.vectors) != len(w.vectors) {
		t.Fatalf("%s: model %q and %d vectors; %s has %q and %d", got, g.model, len(g.vectors), want, w.model, len(w.vectors))
	}
	for key, v := range w.vectors {
		if c := ordertest.Cos(g.vectors[key], v); !(c > 0.99999) {
			t.Errorf("%s: the vector of %s is not %s's (cosine %.6f)", got, key, want, c)
		}
	}
}

// vectors are an embeddings file's model and vectors: a poem's by its
// position ("poem 3"), a colour's by its word.
type vectors struct {
	model   string
	vectors map[string][]float64
}

func readVectors(t *testing.T, path string) vectors {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Metadata struct {
			Model string `json:"embedding_model"`
		} `json:"metadata"`
		Embeddings json.RawMessage `json:"embeddings"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	v := vectors{model: f.Metadata.Model, vectors: map[string][]float64{}}
	var poems []struct {
		Embedding []float64 `json:"embedding"`
	}
	if err := json.Unmarshal(f.Embeddings, &poems); err == nil {
		for i, p := range poems {
			v.vectors[fmt.Sprintf("poem %d", i+1)] = p.Embedding
		}
	} else if err := json.Unmarshal(f.Embeddings, &v.vectors); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}
