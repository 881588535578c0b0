package site_test

import (
	"testing"

	"pagegen/internal/site"
)

// BenchmarkAssemble is what a page process does for each chapter once its
// ordering is laid out: the pieces of the page (head, each entry's rank,
// fragments and links, foot), on the site for Neocities (PER_PAGE=100
// CHAPTERS=6) and for the chronology's chapters. It allocates per page,
// not per entry.
func BenchmarkAssemble(b *testing.B) {
	c := synthetic(b)
	l, err := site.New(c, site.Settings{PerPage: 100, Chapters: 6})
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []site.Seq{{Kind: site.Similar, N: c.N(anchor(c, 1))}, {Kind: site.Chrono}} {
		chapters := l.Pages(q)
		b.Run(q.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for ch := 1; ch <= 6; ch++ {
					chapters(ch)
				}
			}
		})
	}
}

// TestAssembleAllocs: a page's pieces take as many allocations whatever
// the entries it holds, so that a page process's chapters of 100 entries
// cost no more allocations than chapters of 2.
func TestAssembleAllocs(t *testing.T) {
	c := tiny(t)
	allocs := func(q site.Seq, perPage int) float64 {
		l, err := site.New(c, site.Settings{PerPage: perPage, Chapters: 1})
		if err != nil {
			t.Fatal(err)
		}
		chapters := l.Pages(q)
		return testing.AllocsPerRun(20, func() { chapters(1) })
	}
	for _, q := range []site.Seq{{Kind: site.Similar, N: 8}, {Kind: site.Different, N: 8}, {Kind: site.Chrono}} {
		if few, many := allocs(q, 2), allocs(q, 10); few != many {
			t.Errorf("%s: a chapter of 2 entries takes %v allocations, one of 10 takes %v", q, few, many)
		}
	}
}
