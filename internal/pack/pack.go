// Package pack turns a validated collection into the contents of the packed
// corpus: norms, the cosine Gram matrix, each poem's colour and place on the
// timeline, and its pre-rendered HTML.
package pack

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"

	"pagegen/internal/bytesize"
	"pagegen/internal/gram"
	"pagegen/internal/input"
	"pagegen/internal/packed"
	"pagegen/internal/palette"
	"pagegen/internal/render"
	"pagegen/internal/workers"
)

// Timing says where corpus-pack spent its time.
type Timing struct {
	Gram, Render time.Duration
}

// Contents computes everything the packed corpus holds for c.
func Contents(c *input.Corpus, fp packed.Fingerprint) (*packed.Contents, Timing) {
	var t Timing
	vecs := make([][]float32, len(c.Poems))
	for i := range c.Poems {
		vecs[i] = c.Poems[i].Vector
	}
	start := time.Now()
	norms := gram.Norms(vecs)
	out := &packed.Contents{
		Fingerprint: fp,
		Dim:         c.Dimension,
		Norms:       norms,
		Vectors:     vecs,
		Gram:        gram.Matrix(vecs, norms),
		Poems:       make([]packed.Poem, len(c.Poems)),
		Chrono:      Chronology(c.Poems),
	}
	t.Gram = time.Since(start)
	start = time.Now()
	colors := Colors(c, norms)
	bars := Timeline(c.Poems)
	width := render.RankWidth(len(c.Poems))
	numWidth := render.RankWidth(c.Poems[len(c.Poems)-1].N)
	// Each entry is rendered on its own, so the cores share them out.
	workers.Run(len(c.Poems), runtime.GOMAXPROCS(0), func(i int) error {
		p := &c.Poems[i]
		rp := render.Poem{
			N: p.N, Label: p.Label(), Date: p.Date, ContentWarning: p.ContentWarning,
			Golden: p.Golden, Content: p.Content, Color: palette.Colors[colors[i]].Hex, Bar: bars[i],
		}
		out.Poems[i] = packed.Poem{
			N:     uint32(p.N),
			Label: []byte(render.Escape(render.OneLine(rp.Label))),
			Entry: render.Entry(rp, width),
			Index: render.IndexLine(rp, numWidth),
		}
		return nil
	})
	t.Render = time.Since(start)
	return out, t
}

// Colors gives each poem the palette colour whose embedding has the highest
// cosine with the poem's (the earlier colour on a tie); gray without colours.
func Colors(c *input.Corpus, norms []float64) []int {
	colors := make([]int, len(c.Poems))
	if c.Colors == nil {
		for i := range colors {
			colors[i] = palette.Gray
		}
		return colors
	}
	cnorms := gram.Norms(c.Colors)
	for i := range c.Poems {
		best := math.Inf(-1)
		for k, cv := range c.Colors {
			if cos := gram.Cosine(c.Poems[i].Vector, cv, norms[i], cnorms[k]); cos > best {
				best, colors[i] = cos, k
			}
		}
	}
	return colors
}

// Chronology is the poems' indices oldest first: dated poems by date, then
// the undated ones; poems of the same date (or undated) by N.
func Chronology(poems []input.Poem) []uint32 {
	seq := make([]uint32, len(poems))
	for i := range seq {
		seq[i] = uint32(i)
	}
	slices.SortStableFunc(seq, func(a, b uint32) int {
		da, db := poems[a].Date, poems[b].Date
		switch {
		case da.IsZero() != db.IsZero():
			return cmp.Compare(boolInt(da.IsZero()), boolInt(db.IsZero()))
		case !da.Equal(db):
			return da.Compare(db)
		}
		return cmp.Compare(poems[a].N, poems[b].N)
	})
	return seq
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Timeline places each poem on the 0..80 bar. When the collection has dates,
// the bar runs from the first day of the earliest poem's year (0) to the last
// day of the newest poem's year (80), in UTC, so that a poem added in the
// newest poem's year moves no other bar; undated poems are at 0. When it has
// none, by position in the collection.
func Timeline(poems []input.Poem) []int {
	bars := make([]int, len(poems))
	var first, last time.Time
	for _, p := range poems {
		if p.Date.IsZero() {
			continue
		}
		if first.IsZero() || p.Date.Before(first) {
			first = p.Date
		}
		if last.IsZero() || p.Date.After(last) {
			last = p.Date
		}
	}
	if first.IsZero() {
		for i := range poems {
			bars[i] = render.Columns // a single poem is the whole timeline
			if len(poems) > 1 {
				bars[i] = scale(float64(i), float64(len(poems)-1))
			}
		}
		return bars
	}
	start := time.Date(first.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(last.UTC().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	span := seconds(end, start)
	for i, p := range poems {
		if !p.Date.IsZero() {
			bars[i] = scale(seconds(p.Date, start), span)
		}
	}
	return bars
}

// seconds is a - b in seconds, for any span of years (time.Duration, and
// so Sub, stops at 292 years).
func seconds(a, b time.Time) float64 {
	return float64(a.Unix()-b.Unix()) + float64(a.Nanosecond()-b.Nanosecond())/1e9
}

func scale(x, span float64) int {
	return int(math.Round(x / span * render.Columns))
}

// Memory is what packing n poems of dimension dim takes at its peak: the
// float32 Gram matrix, and the vectors three times (as read, as float64 copies).
func Memory(n, dim int) int64 {
	return int64(n)*int64(n)*4 + int64(n)*int64(dim)*(4+8)
}

// CheckMemory refuses a collection whose Gram matrix will not fit in the
// available memory, before any of it is allocated.
func CheckMemory(n, dim int, available int64) error {
	need := Memory(n, dim)
	if need <= available {
		return nil
	}
	return fmt.Errorf("%d poems need %s of memory to pack (the cosine matrix alone is %d² × 4 bytes = %s, and it grows with the square of the number of poems), but %s is available: pack on a machine with more memory, or split the collection",
		n, bytesize.Format(need), n, bytesize.Format(int64(n)*int64(n)*4), bytesize.Format(available))
}
