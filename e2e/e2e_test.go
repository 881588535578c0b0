// Package e2e runs the real make and the real binaries on the sample corpus.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pagegen/internal/order/ordertest"
)

// root is the repository, where the Makefile is.
var root = func() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return dir
}()

// hangLimit bounds each wait for something that must come (a build's end,
// a page, a record in a file), so that a build that hangs fails the test
// instead of stopping the suite. It says "it did not hang", not "it was
// quick": only a hang may exceed it, never a slow or busy machine.
const hangLimit = 2 * time.Minute

// need is the path of a program that a test needs (what for: why). Without
// it the test is skipped, saying how to install it, but in CI (CI=true) it
// fails: .ci/run installs every program the tests need, so one missing
// there is a broken CI, not a reason to check less.
func need(t *testing.T, program, install, why string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s is not installed (%s): %s", program, install, why)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI (CI=true) must install it (.ci/run)", msg)
	}
	t.Skip(msg + " is not checked")
	return ""
}

// build is one build setup: its inputs, packed corpus and site, all in a temporary directory.
type build struct {
	t   *testing.T
	dir string
}

// newBuild copies the sample inputs into a fresh directory, so that tests can
// touch and change them without changing the repository.
func newBuild(t *testing.T) *build {
	t.Helper()
	b := &build{t: t, dir: t.TempDir()}
	copySample(b)
	return b
}

// copySample puts the sample inputs in b's directory.
func copySample(b *build) {
	for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
		data, err := os.ReadFile(filepath.Join(root, "data", name))
		if err != nil {
			b.t.Fatal(err)
		}
		b.write(name, data)
	}
}

func (b *build) path(name string) string { return filepath.Join(b.dir, name) }

func (b *build) write(name string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(b.path(name)), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(b.path(name), data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// read is one of the build's files.
func (b *build) read(name string) []byte {
	b.t.Helper()
	data, err := os.ReadFile(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	return data
}

// stat is one of the build's files' information.
func (b *build) stat(name string) os.FileInfo {
	b.t.Helper()
	fi, err := os.Stat(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	return fi
}

// chtimes dates one of the build's files.
func (b *build) chtimes(name string, date time.Time) {
	b.t.Helper()
	if err := os.Chtimes(b.path(name), date, date); err != nil {
		b.t.Fatal(err)
	}
}

// remove removes one of the build's files.
func (b *build) remove(name string) {
	b.t.Helper()
	if err := os.Remove(b.path(name)); err != nil {
		b.t.Fatal(err)
	}
}

// make runs the real make on the repository's Makefile with this build's files.
func (b *build) make(args ...string) (string, error) {
	b.t.Helper()
	out, err := b.command(args...).CombinedOutput()
	return string(out), err
}

// command is make with this build's files, not started.
func (b *build) command(args ...string) *exec.Cmd {
	return exec.Command("make", append([]string{
		"-C", root, "--no-print-directory",
		"BIN=" + binDir,
		"POEMS=" + b.path("poems.json"),
		"EMBEDDINGS=" + b.path("embeddings.json"),
		"COLOR_EMBEDDINGS=" + b.path("color_embeddings.json"),
		"CORPUS=" + b.path("data/corpus.bin"),
		"OUT=" + b.path("site"),
	}, args...)...)
}

func (b *build) mustMake(args ...string) string {
	b.t.Helper()
	out, err := b.make(args...)
	if err != nil {
		b.t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// files lists the build's files (inputs, corpus, pages) with their modification times.
func (b *build) files() map[string]time.Time {
	b.t.Helper()
	got := map[string]time.Time{}
	err := filepath.WalkDir(b.dir, func(path string, d fs.DirEntry, err error) error {
		// Hidden files are the build's own (the site's stamp, temporary files).
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(b.dir, path)
		got[rel] = info.ModTime()
		return nil
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return got
}

// binDir is the BIN of every make of the tests: the programs built from the
// sources as they are, and the reference builds.
var binDir string

// TestMain gives the tests their own BIN and, with ROBUSTNESS_TABLE=1 (make
// check-robustness), prints the robustness table once they have run and
// fails the run if the table does.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pagegen-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	if os.Getenv("ROBUSTNESS_TABLE") == "1" && !printTable(os.Stdout, code) && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// sample is the sample corpus as the test reads it, independently of pagegen.
type sample struct {
	labels  []string // category/id by position; N is position+1 (every poem has poem_index = position+1)
	vectors [][]float64
}

func readSample(t *testing.T, b *build) sample {
	t.Helper()
	var s sample
	if err := s.read(b.dir); err != nil {
		t.Fatal(err)
	}
	return s
}

// read reads the sample's poems.json and embeddings.json in dir.
func (s *sample) read(dir string) error {
	var poems struct {
		Poems []struct {
			ID        int    `json:"id"`
			Category  string `json:"category"`
			PoemIndex int    `json:"poem_index"`
		} `json:"poems"`
	}
	var emb struct {
		Embeddings []struct {
			Embedding []float64 `json:"embedding"`
		} `json:"embeddings"`
	}
	for name, v := range map[string]any{"poems.json": &poems, "embeddings.json": &emb} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if len(emb.Embeddings) != len(poems.Poems) {
		return fmt.Errorf("%d poems and %d embeddings", len(poems.Poems), len(emb.Embeddings))
	}
	for i, p := range poems.Poems {
		if p.PoemIndex != i+1 {
			return fmt.Errorf("sample poem %d has poem_index %d; this test expects poem_index = position", i+1, p.PoemIndex)
		}
		s.labels = append(s.labels, fmt.Sprintf("%s/%d", p.Category, p.ID))
		v := emb.Embeddings[i].Embedding
		f := make([]float64, len(v))
		for k, x := range v {
			f[k] = float64(float32(x)) // pagegen keeps float32 vectors
		}
		s.vectors = append(s.vectors, f)
	}
	return nil
}

// orderings are the spec's orderings of every anchor of the sample
// (0-based indices), from its embeddings file (package ordertest), by kind
// ("similar", "different") and anchor: computed once per test binary.
var orderings = sync.OnceValue(func() map[string][][]int {
	var s sample
	if err := s.read(filepath.Join(root, "data")); err != nil {
		panic(err)
	}
	n := len(s.labels)
	m := map[string][][]int{"similar": make([][]int, n), "different": make([][]int, n)}
	var wg sync.WaitGroup
	for anchor := range n {
		wg.Go(func() {
			m["similar"][anchor] = ordertest.Similar(s.vectors, anchor)
			m["different"][anchor] = ordertest.Different(s.vectors, anchor)
		})
	}
	wg.Wait()
	return m
})

// checkOrdering checks the entries of a page (or of a chapter, the entries
// from rank first+1) against the reference ordering of its kind and anchor
// (0-based): the poems and their labels, and, with all, that the page
// holds the rest of the ordering, no more, no less.
func checkOrdering(t *testing.T, s sample, name, kind string, anchor, first int, page []byte, all bool) {
	t.Helper()
	want := orderings()[kind][anchor][first:]
	got, labels := entries(t, page)
	if len(got) > len(want) || all && len(got) != len(want) {
		t.Errorf("%s has %d entries, want %d", name, len(got), len(want))
		return
	}
	for r := range got {
		if got[r] != want[r]+1 {
			t.Errorf("%s: rank %d is poem %d, the spec's ordering has %d", name, first+r+1, got[r], want[r]+1)
			return
		}
		if labels[r] != s.labels[want[r]] {
			t.Errorf("%s: poem %d is shown as %q, want %q", name, got[r], labels[r], s.labels[want[r]])
			return
		}
	}
}

var anchorRE = regexp.MustCompile(`<a name="p(\d+)" id="p(\d+)">([^<]*)</a>`)

func entries(t *testing.T, page []byte) (ns []int, labels []string) {
	t.Helper()
	for _, m := range anchorRE.FindAllSubmatch(page, -1) {
		var n int
		fmt.Sscan(string(m[1]), &n)
		if string(m[1]) != string(m[2]) {
			t.Fatalf("anchor name %s and id %s differ", m[1], m[2])
		}
		ns = append(ns, n)
		labels = append(labels, string(m[3]))
	}
	return ns, labels
}

func TestSampleSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site twice")
	}
	a, b := newBuild(t), newBuild(t)
	a.mustMake("-j1", "all")
	b.mustMake("-j2", "all")
	s := readSample(t, a)
	n := len(s.labels)

	t.Run("every page, identical for -j1 and -j2", func(t *testing.T) {
		fa, fb := a.files(), b.files()
		var pages int
		for name := range fa {
			if !strings.HasPrefix(name, "site"+string(filepath.Separator)) {
				continue
			}
			pages++
			da, _ := os.ReadFile(a.path(name))
			db, err := os.ReadFile(b.path(name))
			if err != nil || !bytes.Equal(da, db) {
				t.Errorf("%s differs between -j1 and -j2 (%v)", name, err)
			}
		}
		if want := 2*n + 2; pages != want {
			t.Errorf("built %d files, want %d (2 pages per poem, the index and the chronology)", pages, want)
		}
		if len(fa) != len(fb) {
			t.Errorf("-j1 made %d files, -j2 %d", len(fa), len(fb))
		}
	})

	t.Run("exact orderings of every anchor", func(t *testing.T) {
		for anchor := range n {
			for _, kind := range []string{"similar", "different"} {
				name := fmt.Sprintf("site/%s/%d.html", kind, anchor+1)
				checkOrdering(t, s, name, kind, anchor, 0, a.read(name), true)
			}
		}
	})

	t.Run("index lists every poem with both links", func(t *testing.T) {
		index, err := os.ReadFile(a.path("site/index.html"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := entries(t, index)
		if len(got) != n {
			t.Fatalf("index has %d poems, want %d", len(got), n)
		}
		for _, p := range got {
			for _, kind := range []string{"similar", "different"} {
				if !bytes.Contains(index, fmt.Appendf(nil, `href="%s/%d.html"`, kind, p)) {
					t.Errorf("index has no link to %s/%d.html", kind, p)
				}
			}
		}
	})

	t.Run("valid HTML without CSS", func(t *testing.T) {
		pages := []string{"similar/1.html", "different/150.html", "index.html"}
		for _, name := range pages {
			page, err := os.ReadFile(a.path("site/" + name))
			if err != nil {
				t.Fatal(err)
			}
			for _, banned := range []string{"<style", "style=", "<script", "<link"} {
				if bytes.Contains(bytes.ToLower(page), []byte(banned)) {
					t.Errorf("%s contains %q", name, banned)
				}
			}
		}
		tidy(t, a.path("site"), pages...)
	})

	t.Run("a second make rewrites nothing", func(t *testing.T) {
		before := a.files()
		a.mustMake("-j2", "all")
		if c := changed(before, a.files()); len(c) > 0 {
			t.Errorf("a second make rewrote %d files: %v", len(c), c[:min(5, len(c))])
		}
	})

	t.Run("touching an input rebuilds no page", func(t *testing.T) {
		before := a.files()
		future := time.Now().Add(time.Second)
		for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
			if err := os.Chtimes(a.path(name), future, future); err != nil {
				t.Fatal(err)
			}
		}
		a.mustMake("-j2", "all")
		after := a.files()
		for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
			delete(before, name)
			delete(after, name)
		}
		if c := changed(before, after); len(c) > 0 {
			t.Errorf("touching the inputs rewrote %d files: %v", len(c), c[:min(5, len(c))])
		}
	})

	t.Run("after clean, one page builds alone", func(t *testing.T) {
		a.mustMake("clean")
		if _, err := os.Stat(a.path("site")); !os.IsNotExist(err) {
			t.Fatalf("make clean left the site: %v", err)
		}
		a.mustMake("similar/3.html")
		var pages []string
		for name := range a.files() {
			if strings.HasPrefix(name, "site") {
				pages = append(pages, name)
			}
		}
		if want := filepath.Join("site", "similar", "3.html"); len(pages) != 1 || pages[0] != want {
			t.Errorf("make similar/3.html built %v, want only %s", pages, want)
		}
	})
}

// tidy checks pages of the site in dir (names relative to it) against
// HTML 4.01 Transitional with tidy: no errors (warnings are the <font> in
// <pre> that the spec keeps).
func tidy(t *testing.T, dir string, pages ...string) {
	t.Helper()
	prog := need(t, "tidy", "apt-get install tidy", "the pages' HTML validity")
	for _, name := range pages {
		if out, err := exec.Command(prog, "-q", "-e", filepath.Join(dir, name)).CombinedOutput(); err != nil {
			t.Errorf("tidy -q -e %s: %v\n%s", name, err, out)
		}
	}
}

// changed lists the files added, removed or modified between two listings.
func changed(before, after map[string]time.Time) []string {
	var c []string
	for name, t := range after {
		if old, ok := before[name]; !ok || !old.Equal(t) {
			c = append(c, name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			c = append(c, name)
		}
	}
	slices.Sort(c)
	return c
}

// TestMissingEmbeddings: poems whose embedding failed upstream stop the build,
// named; with ALLOW_MISSING=1 they are left out of every page.
func TestMissingEmbeddings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site")
	}
	b := newBuild(t)
	s := readSample(t, b)
	var emb map[string]any
	data, err := os.ReadFile(b.path("embeddings.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &emb); err != nil {
		t.Fatal(err)
	}
	failed := []int{5, 151, 190} // psalms/5, proverbs/1, song-of-solomon/2 ... by position
	list := emb["embeddings"].([]any)
	for _, i := range failed {
		e := list[i-1].(map[string]any)
		delete(e, "embedding")
		e["error"] = "embedding service timed out"
	}
	data, err = json.Marshal(emb)
	if err != nil {
		t.Fatal(err)
	}
	b.write("embeddings.json", data)

	out, err := b.make("-j2", "all")
	if err == nil {
		t.Fatalf("make all succeeded with three missing embeddings:\n%s", out)
	}
	for _, i := range failed {
		if ref := fmt.Sprintf("%d %s", i, s.labels[i-1]); !strings.Contains(out, ref) {
			t.Errorf("the error does not name poem %q:\n%s", ref, out)
		}
	}
	for _, want := range []string{"embeddings.json", "3 poems", "ALLOW_MISSING=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the error does not mention %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
		t.Errorf("the error shows a Go panic:\n%s", out)
	}

	out = b.mustMake("-j2", "all", "ALLOW_MISSING=1")
	if !strings.Contains(out, "WARNING") || !strings.Contains(out, "missing-embeddings.txt") {
		t.Errorf("ALLOW_MISSING=1 does not warn loudly:\n%s", out)
	}
	if out := b.mustMake("-j2", "all", "ALLOW_MISSING=1"); !strings.Contains(out, "WARNING: 3 poems") {
		t.Errorf("a build with nothing to pack does not repeat that 3 poems are left out:\n%s", out)
	}
	missing, err := os.ReadFile(b.path("data/missing-embeddings.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	for name := range b.files() {
		if !strings.HasPrefix(name, "site") {
			continue
		}
		pages++
		page, err := os.ReadFile(b.path(name))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := entries(t, page)
		if len(got) != len(s.labels)-len(failed) {
			t.Errorf("%s has %d entries, want %d", name, len(got), len(s.labels)-len(failed))
		}
		for _, i := range failed {
			if slices.Contains(got, i) {
				t.Errorf("%s shows poem %d, which has no embedding", name, i)
			}
		}
	}
	if want := 2*(len(s.labels)-len(failed)) + 2; pages != want { // and the index and the chronology
		t.Errorf("built %d files, want %d", pages, want)
	}
	for _, i := range failed {
		if !strings.Contains(string(missing), fmt.Sprintf("%d %s\n", i, s.labels[i-1])) {
			t.Errorf("missing-embeddings.txt does not list poem %d:\n%s", i, missing)
		}
	}
}
