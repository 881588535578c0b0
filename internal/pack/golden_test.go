package pack_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"pagegen/internal/input"
	"pagegen/internal/order"
	"pagegen/internal/pack"
	"pagegen/internal/packed"
	"pagegen/internal/render"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata/golden")

// TestGoldenPages runs the whole pipeline in process on a tiny corpus (ids
// colliding across categories, hostile markup, control characters, a content
// warning, a golden poem, an undated poem, long lines) and compares every
// page with its golden file. After a deliberate change of the page format:
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
	contents, _ := pack.Contents(c, packed.Fingerprint{1})
	path := filepath.Join(t.TempDir(), "corpus.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := packed.Write(f, contents); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	pc, err := packed.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()

	pages := map[string][]byte{"index.html": bytes.Join(render.Index(pc), nil)}
	g := order.Gram{N: pc.Len(), Cos: pc.Gram(), Norms: pc.Norms()}
	for i := range pc.Len() {
		pages[fmt.Sprintf("similar-%d.html", pc.N(i))] = bytes.Join(render.Page(render.Similar, pc, order.Similar(g, i)), nil)
		pages[fmt.Sprintf("different-%d.html", pc.N(i))] = bytes.Join(render.Page(render.Different, pc, order.Different(g, i)), nil)
	}
	for name, got := range pages {
		golden := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create the golden files)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n%s", name, golden, firstDiff(got, want))
		}
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
