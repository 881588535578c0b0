package site_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pagegen/internal/corpus"
	"pagegen/internal/input"
	"pagegen/internal/pack"
	"pagegen/internal/site"
)

// seed is the seed of a randomized test: DECIDE_SEED replays one, else the
// clock's; the test logs it.
func seed(t *testing.T) uint64 {
	if s := os.Getenv("DECIDE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("DECIDE_SEED=%s: %v", s, err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// collection is a collection of poems to edit: clustered vectors (so that
// orderings have neighbours to gain and lose), dates over two years, gaps in
// the poem numbers for new poems to take.
func collection(r *rand.Rand, n int) *input.Corpus {
	const dim = 6
	c := &input.Corpus{Dimension: dim, Colors: make([][]float32, len(input.Palette))}
	for k := range c.Colors {
		c.Colors[k] = randomVector(r, dim)
	}
	for i := range n {
		c.Poems = append(c.Poems, input.Poem{
			N: 3*i + 1, Category: []string{"notes", "fediverse"}[i%2], ID: int64(i),
			Content: fmt.Sprintf("poem %d\nline two of %d", i, i),
			Date:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(600*24)) * time.Hour),
			Vector:  randomVector(r, dim),
		})
	}
	return c
}

func randomVector(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for k := range v {
		v[k] = float32(r.NormFloat64())
	}
	v[r.IntN(dim)] += 3 // one of a few directions: clusters
	return v
}

// edit changes c as a poet might, and says what it did; moved is set when
// it gave a poem a new vector (then the decision may run orderings that
// come out the same: a new vector counts as a poem taken out and one added).
func edit(r *rand.Rand, c *input.Corpus) (what string, moved bool) {
	i := r.IntN(len(c.Poems))
	p := &c.Poems[i]
	switch r.IntN(8) {
	case 0:
		p.Content += " (fixed)"
		return fmt.Sprintf("a typo in poem %d", p.N), false
	case 1, 2:
		n := p.N + 1
		if slices.ContainsFunc(c.Poems, func(q input.Poem) bool { return q.N == n }) {
			return "nothing", false
		}
		q := input.Poem{N: n, Category: "new", ID: int64(n), Content: fmt.Sprintf("new poem %d", n),
			Date: p.Date.Add(time.Hour), Vector: randomVector(r, c.Dimension)}
		c.Poems = slices.Insert(c.Poems, i+1, q)
		return fmt.Sprintf("poem %d added", n), false
	case 3:
		if len(c.Poems) < 12 {
			return "nothing", false
		}
		c.Poems = slices.Delete(c.Poems, i, i+1)
		return fmt.Sprintf("poem %d taken out", p.N), false
	case 4:
		p.Vector = randomVector(r, c.Dimension)
		return fmt.Sprintf("a new vector for poem %d", p.N), true
	case 5:
		p.Date = p.Date.AddDate(0, 0, 1+r.IntN(30))
		return fmt.Sprintf("a new date for poem %d", p.N), false
	case 6:
		c.Colors[r.IntN(len(c.Colors))] = randomVector(r, c.Dimension)
		return "a colour word embedded anew", false
	}
	return "nothing", false
}

// built is what a site's files hold, by name.
type built map[string][]byte

// fresh is the site of p as a clean build writes it, in memory.
func fresh(p site.Plan) built {
	files := built{}
	for _, q := range p.Seqs() {
		pages := p.Pages(q)
		for ch := 1; ch <= p.Chapters(q); ch++ {
			files[p.Name(q, ch)] = bytes.Join(pages(ch), nil)
		}
	}
	return files
}

// onDisk is the site's pages in out.
func onDisk(t *testing.T, out string) built {
	files := built{}
	for _, dir := range site.Dirs {
		entries, _ := os.ReadDir(filepath.Join(out, dir))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".html") {
				name := strings.TrimPrefix(dir+"/"+e.Name(), "/")
				b, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				files[name] = b
			}
		}
	}
	return files
}

// TestDecideEdits drives a site through random edits of its collection, as
// builds do (decide, commit, write what runs, prune), and checks after each
// that the site is byte for byte a clean build of the collection as it now
// is, and that the decision ran exactly the orderings whose pages changed:
// every one of them, and, unless a vector changed, no other.
func TestDecideEdits(t *testing.T) {
	s := seed(t)
	t.Logf("DECIDE_SEED=%d", s)
	for _, settings := range []site.Settings{{PerPage: 3, Chapters: 2}, {PerPage: 4, Chapters: 1}, {PerPage: 7}, {}} {
		t.Run(fmt.Sprintf("%+v", settings), func(t *testing.T) {
			r := rand.New(rand.NewPCG(s, uint64(settings.PerPage)))
			c := collection(r, 30)
			out, dir := t.TempDir(), t.TempDir()
			record := filepath.Join(dir, "orderings.bin")
			var prev *corpus.Corpus
			hinted := 0 // orderings written only in the chapters an edit changed
			defer func() {
				if settings.Chapters > 1 && hinted == 0 {
					t.Errorf("no ordering was written in part: the build's hints went untested")
				}
				t.Logf("%d orderings written in part", hinted)
			}()
			for step := range 25 {
				what, moved := "the first build", false
				if step > 0 {
					what, moved = edit(r, c)
				}
				contents, _ := pack.Contents(c, corpus.Fingerprint{byte(step)}, prev)
				pc := packedCorpus(t, contents)
				p := plan(t, pc, settings)
				want, before := fresh(p), onDisk(t, out)
				d := decide(t, p, out, record, p.Seqs())
				ran := map[site.Seq]bool{}
				for _, q := range d.Run {
					ran[q] = true
				}
				for _, q := range p.Seqs() {
					changed := false
					for ch := 1; ch <= p.Chapters(q); ch++ {
						name := p.Name(q, ch)
						changed = changed || !bytes.Equal(before[name], want[name]) || before[name] == nil
					}
					if next := p.Name(q, p.Chapters(q)+1); q.Kind != site.Index && before[next] != nil {
						changed = true // a chapter to prune: the last one kept loses its link
					}
					isOrdering := q.Kind == site.Similar || q.Kind == site.Different
					switch {
					case changed && !ran[q]:
						t.Fatalf("step %d, %s: %s changed and does not run", step, what, q)
					case !changed && ran[q] && isOrdering && !moved && step > 0:
						t.Fatalf("step %d, %s: %s runs and did not change", step, what, q)
					}
				}
				// As a build does, the orderings laid out before make, or
				// (every other step) by their page processes.
				if step%2 == 0 {
					if err := d.LayOut(context.Background(), nil); err != nil {
						t.Fatal(err)
					}
				}
				commit(t, p, d, out, record)
				for _, q := range d.Run {
					only := d.Chapters(q)
					if only != nil {
						hinted++
					}
					if _, err := p.Write(context.Background(), out, record, q, only); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := p.Prune(out); err != nil {
					t.Fatal(err)
				}
				got := onDisk(t, out)
				for name, w := range want {
					if !bytes.Equal(got[name], w) {
						t.Fatalf("step %d, %s: %s is not as a clean build writes it", step, what, name)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("step %d, %s: %d files, a clean build has %d", step, what, len(got), len(want))
				}
				if d := decide(t, p, out, record, p.Seqs()); len(d.Run) > 0 {
					t.Fatalf("step %d, %s: after the build, %v still stale", step, what, d.Run)
				}
				t.Logf("step %d, %s: %d of %d orderings ran", step, what, d.Orderings-d.Skipped, d.Orderings)
				prev = pc
			}
		})
	}
}

// TestAnotherCorpusBetween: a site built from corpus A, then from corpus B
// (another CORPUS, with its own record of orderings), then from A again:
// every page is written again from A, whose record still matches its own
// corpus, not taken for up to date with B's pages in place.
func TestAnotherCorpusBetween(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	out := t.TempDir()
	build := func(pc *corpus.Corpus, record string) site.Decision {
		p := plan(t, pc, site.Settings{})
		d := decide(t, p, out, record, p.Seqs())
		commit(t, p, d, out, record)
		for _, q := range d.Run {
			if _, err := withRecord(p, record).Write(context.Background(), out, record, q, nil); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	a, b := collection(r, 12), collection(r, 12)
	ca, _ := pack.Contents(a, corpus.Fingerprint{1}, nil)
	cb, _ := pack.Contents(b, corpus.Fingerprint{2}, nil)
	pa, pb := packedCorpus(t, ca), packedCorpus(t, cb)
	recA, recB := filepath.Join(t.TempDir(), "orderings.bin"), filepath.Join(t.TempDir(), "orderings.bin")
	build(pa, recA)
	build(pb, recB)
	p := plan(t, pa, site.Settings{})
	if d := build(pa, recA); len(d.Run) != len(p.Seqs()) {
		t.Errorf("corpus A after B: %d of %d sequences run; want all, the site holds B's pages", len(d.Run), len(p.Seqs()))
	}
	for name, want := range fresh(p) {
		if got, _ := os.ReadFile(filepath.Join(out, name)); !bytes.Equal(got, want) {
			t.Fatalf("%s is not corpus A's page", name)
		}
	}
}
