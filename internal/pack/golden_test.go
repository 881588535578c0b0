package pack_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pagegen/internal/corpus"
	"pagegen/internal/input"
	"pagegen/internal/pack"
	"pagegen/internal/pack/packtest"
	"pagegen/internal/render"
	"pagegen/internal/site"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata/golden")

// goldenSites are the layouts of the golden pages: whole pages, and chapters
// of 2 with 2 kept (a short last chapter in the chronology, a capped site).
var goldenSites = map[string]site.Settings{"whole": {}, "chapters": {PerPage: 2, Chapters: 2}}

// formatFile records the render.FormatVersion the golden pages were made with.
var formatFile = filepath.Join("testdata", "golden", "FORMAT")

// TestGoldenPages runs the whole pipeline in process on a tiny corpus (ids
// colliding across categories, hostile markup, control characters, a content
// warning, a golden poem, an undated poem, long lines) and compares every
// file of its sites with its golden file. The page format version must
// change with the bytes, so that no site keeps pages of an older format:
// after a deliberate change, raise render.FormatVersion, then
// go test ./internal/pack -run Golden -update
func TestGoldenPages(t *testing.T) {
	dir := filepath.Join("testdata", "tiny")
	c, err := input.Read(input.Options{
		Poems:      filepath.Join(dir, "poems.json"),
		Embeddings: filepath.Join(dir, "embeddings.json"),
		Colors:     filepath.Join(dir, "color_embeddings.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	contents, _ := pack.Contents(c, corpus.Fingerprint{1}, nil)
	pc, err := corpus.Open(packtest.Write(t, contents))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()

	pages := map[string][]byte{}
	for name, s := range goldenSites {
		l, err := site.New(pc, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range l.Seqs() {
			chapters := l.Pages(q)
			for ch := 1; ch <= l.Chapters(q); ch++ {
				pages[filepath.Join(name, l.Name(q, ch))] = bytes.Join(chapters(ch), nil)
			}
		}
	}
	recorded, _ := os.ReadFile(formatFile)
	sameVersion := strings.TrimSpace(string(recorded)) == fmt.Sprint(render.FormatVersion)
	var changed []string
	for name, got := range pages {
		want, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil || !bytes.Equal(got, want) {
			changed = append(changed, name)
			if !*update {
				t.Errorf("%s differs from its golden file (%v):\n%s", name, err, firstDiff(got, want))
			}
		}
	}
	slices.Sort(changed)
	switch {
	case len(changed) > 0 && sameVersion:
		t.Fatalf("the bytes of %d pages changed (%s ...) but render.FormatVersion is still %d: raise it, so that sites built before are rebuilt, then run with -update",
			len(changed), changed[0], render.FormatVersion)
	case *update:
		os.RemoveAll(filepath.Join("testdata", "golden"))
		for name, got := range pages {
			golden := filepath.Join("testdata", "golden", name)
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(formatFile, fmt.Appendf(nil, "%d\n", render.FormatVersion), 0o644); err != nil {
			t.Fatal(err)
		}
	case !sameVersion:
		t.Errorf("%s says format %s, render.FormatVersion is %d: run with -update", formatFile, bytes.TrimSpace(recorded), render.FormatVersion)
	}
}

// firstDiff shows the first differing line of two pages.
func firstDiff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range max(len(g), len(w)) {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(same lines, different bytes)"
}
