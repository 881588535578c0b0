package site_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pagegen/internal/gram"
	"pagegen/internal/input"
	"pagegen/internal/order"
	"pagegen/internal/pack"
	"pagegen/internal/packed"
	"pagegen/internal/render"
	"pagegen/internal/site"
)

// vectors are random embeddings, the same for a seed.
func vectors(n, dim int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	vecs := make([][]float32, n)
	for i := range vecs {
		vecs[i] = make([]float32, dim)
		for k := range vecs[i] {
			vecs[i][k] = float32(r.NormFloat64())
		}
	}
	return vecs
}

// packedCorpus writes contents to a file and opens it, as pages do.
func packedCorpus(t *testing.T, contents *packed.Contents) *packed.Corpus {
	t.Helper()
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
	c, err := packed.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tiny is a collection of 12 poems (two-digit ranks) with gaps in N, markup
// and non-ASCII in labels and text, a content warning, a golden poem and an
// undated poem, packed by the real pipeline.
func tiny(t *testing.T) *packed.Corpus {
	t.Helper()
	const dim = 5
	vecs := vectors(12, dim, 1)
	numbers := []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1000}
	cats := []string{"fediverse", "notes", "a<b>&c", "ünïcödé", "詩"}
	c := &input.Corpus{Dimension: dim}
	for i, n := range numbers {
		p := input.Poem{
			N:        n,
			Category: cats[i%len(cats)],
			ID:       int64(i * 7),
			Content:  strings.Repeat(fmt.Sprintf("line %d of poem %d & <more> ", i, n), i+1) + "\n\nend",
			Date:     time.Date(2020, 1, 1+i, 0, 0, 0, 0, time.UTC),
			Vector:   vecs[i],
		}
		switch i {
		case 2:
			p.ContentWarning = "loss"
		case 3:
			p.Golden = true
			p.Content = strings.Repeat("x", 1024)
		case 4:
			p.Date = time.Time{}
		}
		c.Poems = append(c.Poems, p)
	}
	contents, _ := pack.Contents(c, packed.Fingerprint{1})
	return packedCorpus(t, contents)
}

// direct is a corpus of n poems (N = 3i+2) built without rendering.
func direct(t *testing.T, n int) *packed.Corpus {
	t.Helper()
	const dim = 4
	vecs := vectors(n, dim, uint64(n))
	norms := gram.Norms(vecs)
	poems := make([]packed.Poem, n)
	for i := range poems {
		poems[i] = packed.Poem{
			N:     uint32(3*i + 2),
			Label: []byte(fmt.Sprintf("cat%d/&quot;%d&quot;", i%3, i)),
			Entry: bytes.Repeat([]byte(fmt.Sprintf("entry %d ═─ é\n", i)), i%5), // some empty
			Index: []byte(fmt.Sprintf("%4d cat%d/%d\n", 3*i+2, i%3, i)),
		}
	}
	return packedCorpus(t, &packed.Contents{Dim: dim, Poems: poems, Norms: norms, Vectors: vecs, Gram: gram.Matrix(vecs, norms)})
}

func TestSizesMatchAssembledPages(t *testing.T) {
	for name, c := range map[string]*packed.Corpus{
		"tiny":      tiny(t),
		"one poem":  direct(t, 1),
		"123 poems": direct(t, 123),
	} {
		t.Run(name, func(t *testing.T) {
			sizes := site.NewSizes(c)
			g := order.Gram{N: c.Len(), Cos: c.Gram(), Norms: c.Norms()}
			if got, want := sizes.Of(site.IndexPage), int64(len(bytes.Join(render.Index(c), nil))); got != want {
				t.Errorf("Of(index.html) = %d, want %d", got, want)
			}
			for i := range c.Len() {
				for k, seq := range map[render.Kind][]int32{
					render.Similar:   order.Similar(g, i),
					render.Different: order.Different(g, i),
				} {
					p := site.PageOf(k, c.N(i))
					want := int64(len(bytes.Join(render.Page(k, c, seq), nil)))
					if got := sizes.Of(p); got != want {
						t.Errorf("Of(%s) = %d, want %d", p, got, want)
					}
				}
			}
			last := c.N(c.Len() - 1)
			for _, p := range []site.Page{
				site.PageOf(render.Similar, last+1),
				site.PageOf(render.Different, -1),
				"other/1.html",
				"corpus",
				"",
			} {
				if got := sizes.Of(p); got != 0 {
					t.Errorf("Of(%q) = %d, want 0 (no such page)", p, got)
				}
			}
		})
	}
}

func TestPages(t *testing.T) {
	c := direct(t, 4) // poems 2, 5, 8, 11
	sim := []site.Page{"similar/2.html", "similar/5.html", "similar/8.html", "similar/11.html"}
	dif := []site.Page{"different/2.html", "different/5.html", "different/8.html", "different/11.html"}
	all := slices.Concat(sim, dif, []site.Page{site.IndexPage})
	for _, tc := range []struct {
		goals []string
		want  []site.Page
	}{
		{nil, nil},
		{[]string{"all"}, all},
		{[]string{"similar"}, sim},
		{[]string{"different"}, dif},
		{[]string{"index"}, []site.Page{site.IndexPage}},
		{[]string{"corpus"}, nil},
		{[]string{"size", "space-check", "clean"}, nil},
		{[]string{"similar/8.html"}, []site.Page{"similar/8.html"}},
		{[]string{"different/11.html", "similar/2.html"}, []site.Page{"different/11.html", "similar/2.html"}},
		// A page goal is taken as it is, even for a poem the corpus lacks:
		// make will build (and fail) it.
		{[]string{"similar/999.html"}, []site.Page{"similar/999.html"}},
		// Duplicates: each page once, where it first comes.
		{[]string{"similar", "all"}, slices.Concat(sim, dif, []site.Page{site.IndexPage})},
		{[]string{"index", "all", "index"}, slices.Concat([]site.Page{site.IndexPage}, sim, dif)},
		{[]string{"different/5.html", "different", "different/5.html"}, []site.Page{"different/5.html", "different/2.html", "different/8.html", "different/11.html"}},
		{[]string{"all", "all"}, all},
		{[]string{"corpus", "similar"}, sim},
	} {
		got := site.Pages(c, tc.goals)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Pages(%q) = %q, want %q", tc.goals, got, tc.want)
		}
		if again := site.Pages(c, tc.goals); !slices.Equal(again, got) {
			t.Errorf("Pages(%q) changes between calls: %q, then %q", tc.goals, got, again)
		}
	}
}

func TestPageOfAndPoem(t *testing.T) {
	for _, k := range []render.Kind{render.Similar, render.Different} {
		for _, n := range []int{0, 1, 12, 7800, 1 << 31} {
			p := site.PageOf(k, n)
			if want := site.Page(fmt.Sprintf("%s/%d.html", k.Name(), n)); p != want {
				t.Errorf("PageOf(%v, %d) = %q, want %q", k, n, p, want)
			}
			if gk, gn, ok := p.Poem(); !ok || gk != k || gn != n {
				t.Errorf("%q.Poem() = %v, %d, %v", p, gk, gn, ok)
			}
		}
	}
	for _, p := range []site.Page{
		"", "index.html", "similar", "similar/", "similar/.html", "similar/x.html",
		"similar/1.5.html", "similar/1e3.html", "other/12.html", "Similar/12.html",
		"similar/12/3.html", "/similar/12.html", "similar/ 12.html", "similar/99999999999999999999.html",
	} {
		if k, n, ok := p.Poem(); ok {
			t.Errorf("%q.Poem() = %v, %d, true; want not a poem page", p, k, n)
		}
	}
}

func TestStale(t *testing.T) {
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	dir := t.TempDir()
	out := filepath.Join(dir, "site")
	touch := func(path string, at time.Time) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
		return path
	}
	corpus := touch(filepath.Join(dir, "corpus.bin"), base)
	program := touch(filepath.Join(dir, "pagegen"), base.Add(10*time.Second))
	pages := map[site.Page]time.Duration{ // page: its time after base
		"similar/1.html":   20 * time.Second,                  // newer than both
		"similar/2.html":   5 * time.Second,                   // older than the program
		"different/1.html": -time.Second,                      // older than both
		"different/2.html": 10 * time.Second,                  // as new as the program: make leaves it
		"index.html":       10*time.Second + time.Millisecond, // just newer
		// similar/3.html is missing
	}
	for p, d := range pages {
		touch(filepath.Join(out, string(p)), base.Add(d))
	}
	list := []site.Page{"similar/1.html", "similar/2.html", "similar/3.html", "different/1.html", "different/2.html", "index.html"}
	for _, tc := range []struct {
		name string
		deps []string
		want []site.Page
	}{
		{"both deps", []string{corpus, program}, []site.Page{"similar/2.html", "similar/3.html", "different/1.html"}},
		{"deps in the other order", []string{program, corpus}, []site.Page{"similar/2.html", "similar/3.html", "different/1.html"}},
		{"the corpus only", []string{corpus}, []site.Page{"similar/3.html", "different/1.html"}},
		{"no deps", nil, []site.Page{"similar/3.html"}},
	} {
		got, err := site.Stale(list, out, tc.deps...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Stale = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got, err := site.Stale(nil, out, corpus); err != nil || len(got) != 0 {
		t.Errorf("Stale of no pages = %q, %v", got, err)
	}
	if got, err := site.Stale(list[:2], filepath.Join(dir, "no-site"), corpus); err != nil || !slices.Equal(got, list[:2]) {
		t.Errorf("Stale with no site yet = %q, %v; want every page", got, err)
	}
	missing := filepath.Join(dir, "no-such-corpus.bin")
	if got, err := site.Stale(list, out, corpus, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Stale with a missing dep = %q, %v; want an error naming it", got, err)
	}
}

func TestFree(t *testing.T) {
	dir := t.TempDir()
	here, err := site.Free(dir)
	if err != nil {
		t.Fatal(err)
	}
	if here <= 0 {
		t.Errorf("Free(%s) = %d", dir, here)
	}
	for _, sub := range []string{"site", "site/similar/deeper", "site/../other"} {
		got, err := site.Free(filepath.Join(dir, sub))
		if err != nil {
			t.Errorf("Free(%s) for a directory not made yet: %v", sub, err)
			continue
		}
		// The same file system; others may write meanwhile.
		if diff := got - here; diff < -64<<20 || diff > 64<<20 {
			t.Errorf("Free(%s) = %d, but its parent has %d", sub, got, here)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "site")); !os.IsNotExist(err) {
		t.Errorf("Free created the directory (%v)", err)
	}
	if got, err := site.Free("relative-dir-that-does-not-exist"); err != nil || got <= 0 {
		t.Errorf("Free of a relative path = %d, %v", got, err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := site.Free(filepath.Join(file, "site")); err == nil {
		t.Errorf("Free under a regular file = %d, nil; want an error", got)
	}
}

// TestOutdated: without the site's stamp, or with another corpus's, every
// page is to build; with this corpus's, the stale ones.
func TestOutdated(t *testing.T) {
	c := direct(t, 3)
	dir := t.TempDir()
	out := filepath.Join(dir, "site")
	pages := site.Pages(c, []string{"similar"})
	deps := []string{filepath.Join(dir, "corpus.bin"), filepath.Join(dir, "pagegen")}
	past := time.Now().Add(-time.Hour)
	for _, path := range deps {
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, past, past)
	}
	for _, p := range pages { // every page newer than the corpus and pagegen
		path := filepath.Join(out, string(p))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stamp := filepath.Join(out, site.StampName)
	for _, tt := range []struct {
		name  string
		stamp string // "" is none
		want  int
	}{
		{"no stamp", "", len(pages)},
		{"another corpus's stamp", "0123\n", len(pages)},
		{"this corpus's stamp, older than the pages", site.Stamp(c), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(stamp)
			if tt.stamp != "" {
				if err := os.WriteFile(stamp, []byte(tt.stamp), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chtimes(stamp, past, past)
			}
			got, err := site.Outdated(c, pages, out, deps[0], deps[1])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("%d pages to build, want %d", len(got), tt.want)
			}
		})
	}
}

func TestProject(t *testing.T) {
	c := direct(t, 4)
	out := t.TempDir()
	pages := site.Pages(c, []string{"similar"})
	sizes := site.NewSizes(c)
	// One page exists at its full size, one half as large; two are missing.
	write := func(p site.Page, n int64) {
		path := filepath.Join(out, string(p))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(pages[0], sizes.Of(pages[0]))
	write(pages[1], sizes.Of(pages[1])/2)
	p, err := site.Project(c, pages, pages, out, 2)
	if err != nil {
		t.Fatal(err)
	}
	var all, largest int64
	for _, pg := range pages {
		all += sizes.Of(pg)
		largest = max(largest, sizes.Of(pg))
	}
	growth := sizes.Of(pages[1]) - sizes.Of(pages[1])/2 + sizes.Of(pages[2]) + sizes.Of(pages[3])
	if p.Pages != 4 || p.Stale != 4 || p.Size != all || p.Write != all || p.Need != growth+2*largest || p.Free <= 0 {
		t.Errorf("Project = %+v, want 4 pages, %d bytes, need %d (growth) + 2 × %d (in flight)", p, all, growth, largest)
	}
}

func TestPrune(t *testing.T) {
	c := direct(t, 3) // poems 2, 5, 8
	out := t.TempDir()
	keep := []string{"similar/2.html", "different/8.html", "similar/notes.html", "similar/05.html", "index.html", "similar/.3.html.123.tmp"}
	gone := []string{"similar/3.html", "different/9.html"}
	for _, name := range append(keep, gone...) {
		path := filepath.Join(out, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := site.Prune(c, out)
	if err != nil || n != len(gone) {
		t.Fatalf("Prune = %d, %v; want %d", n, err, len(gone))
	}
	for _, name := range keep {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	for _, name := range gone {
		if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
			t.Errorf("%s, of a poem not in the corpus, is still there", name)
		}
	}
}

func TestCheckGoal(t *testing.T) {
	for goal, ok := range map[string]bool{
		"all": true, "similar": true, "index": true, "similar/3.html": true, "different/7800.html": true,
		"similar/abc.html": false, "similar/0.html": false, "different/-1.html": false, "similar/03.html": false, "similar/3": false,
	} {
		if err := site.CheckGoal(goal); (err == nil) != ok {
			t.Errorf("CheckGoal(%q) = %v", goal, err)
		}
	}
}
