package site_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pagegen/internal/corpus"
	"pagegen/internal/gram"
	"pagegen/internal/input"
	"pagegen/internal/pack"
	"pagegen/internal/pack/packtest"
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
func packedCorpus(t *testing.T, contents *corpus.Contents) *corpus.Corpus {
	t.Helper()
	c, err := corpus.Open(packtest.Write(t, contents))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tiny is a collection of 12 poems (two-digit ranks) with gaps in N, markup
// and non-ASCII in labels and text, a content warning, a golden poem and an
// undated poem, packed by the real pipeline.
func tiny(t *testing.T) *corpus.Corpus {
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
	contents, _ := pack.Contents(c, corpus.Fingerprint{1}, nil)
	return packedCorpus(t, contents)
}

// direct is a corpus of n poems (N = 3i+2) built without rendering; some
// entries are empty, and so without links.
func direct(t *testing.T, n int) *corpus.Corpus {
	t.Helper()
	const dim = 4
	vecs := vectors(n, dim, uint64(n))
	norms := gram.Norms(vecs)
	poems := make([]corpus.Poem, n)
	for i := range poems {
		var entry []byte // some empty
		if i%5 > 0 {
			entry = append(fmt.Appendf(nil, "entry %d %c\n", i, render.LinksHere), bytes.Repeat([]byte("═─ é\n"), i%5)...)
		}
		poems[i] = corpus.Poem{
			N:     uint32(3*i + 2),
			Label: []byte(fmt.Sprintf("cat%d/&quot;%d&quot;", i%3, i)),
			Entry: entry,
			Index: fmt.Appendf(nil, "%4d cat%d/%d %c\n", 3*i+2, i%3, i, render.LinksHere),
		}
	}
	chrono := make([]uint32, n)
	for i := range chrono {
		chrono[i] = uint32((i + 1) % n) // not the order of N
	}
	return packedCorpus(t, &corpus.Contents{Dim: dim, Poems: poems, Norms: norms, Vectors: vecs, Gram: gram.Matrix(vecs, norms), Chrono: chrono})
}

// decide is p's decision for the goals, which must not fail.
func decide(t *testing.T, p site.Plan, out, record string, goals []site.Seq) site.Decision {
	t.Helper()
	d, err := withRecord(p, record).Decide(context.Background(), out, record, goals)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// commit stamps the site in out and commits d, as a build does before it
// runs make.
func commit(t *testing.T, p site.Plan, d site.Decision, out, record string) {
	t.Helper()
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := withRecord(p, record).Restamp(out); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(out, record); err != nil {
		t.Fatal(err)
	}
}

// withRecord is p for a site whose record of orderings is at record: the
// tests pack each corpus into a file of its own, and keep one record, as a
// build keeps it beside its corpus.
func withRecord(p site.Plan, record string) site.Plan {
	p.Origin = filepath.Join(filepath.Dir(record), "corpus.bin")
	return p
}
