// Package pack turns a validated collection into the contents of the packed
// corpus: norms, the cosine Gram matrix, each poem's colour and place on the
// timeline, and its pre-rendered HTML.
package pack

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"pagegen/internal/amount"
	"pagegen/internal/corpus"
	"pagegen/internal/gram"
	"pagegen/internal/input"
	"pagegen/internal/render"
	"pagegen/internal/workers"
)

// Timing says where corpus-pack spent its time, and what it kept of the
// corpus packed before.
type Timing struct {
	Gram, Render time.Duration
	KeptRows     int // vectors whose cosines were kept
	KeptEntries  int // poems whose HTML was kept
}

// Contents computes everything the packed corpus holds for c. prev, the
// corpus packed before (verified whole; nil for none), lends what it already
// holds: the cosines of the vectors it has, and the HTML of the poems
// rendered from the same inputs. A poem added to a large collection then
// costs one row of the Gram matrix and one entry, not all of them.
func Contents(c *input.Corpus, fp corpus.Fingerprint, prev *corpus.Corpus) (*corpus.Contents, Timing) {
	var t Timing
	n := len(c.Poems)
	vecs := make([][]float32, n)
	sums := make([]corpus.Sums, n)
	for i := range c.Poems {
		vecs[i] = c.Poems[i].Vector
		sums[i].Vector = VectorSum(vecs[i])
	}
	start := time.Now()
	norms := gram.Norms(vecs)
	var g []float32
	var from []int
	if from, t.KeptRows = kept(prev, vecs, sums); t.KeptRows == 0 {
		g = gram.Matrix(vecs, norms)
	} else {
		g = gram.Update(vecs, norms, prev.Gram(), prev.Len(), from)
	}
	out := &corpus.Contents{
		Fingerprint: fp,
		Dim:         c.Dimension,
		Norms:       norms,
		Vectors:     vecs,
		Gram:        g,
		Poems:       make([]corpus.Poem, n),
		Chrono:      Chronology(c.Poems),
	}
	t.Gram = time.Since(start)
	start = time.Now()
	colors := Colors(c, norms)
	bars := Timeline(c.Poems)
	width := render.RankWidth(n)
	numWidth := render.RankWidth(c.Poems[n-1].N)
	rendered := map[corpus.Sum]int{} // the poems of prev by what they were rendered from
	if prev != nil {
		for i := range prev.Len() {
			rendered[prev.Sums(i).Input] = i
		}
	}
	var keptEntries atomic.Int64
	// Each entry is rendered on its own, so the cores share them out.
	workers.Run(n, runtime.GOMAXPROCS(0), func(i int) error {
		p := &c.Poems[i]
		rp := render.Poem{
			N: p.N, Label: p.Label(), Date: p.Date, ContentWarning: p.ContentWarning,
			Golden: p.Golden, Content: p.Content, Color: input.Palette[colors[i]].Hex, Bar: bars[i],
		}
		sums[i].Input = inputSum(rp, width, numWidth)
		if j, ok := rendered[sums[i].Input]; ok {
			out.Poems[i] = corpus.Poem{N: uint32(p.N), Label: slices.Clone(prev.Label(j)), Entry: slices.Clone(prev.Entry(j)),
				Index: slices.Clone(prev.IndexLine(j)), Sums: sums[i]}
			out.Poems[i].Sums.Shown = prev.Sums(j).Shown
			keptEntries.Add(1)
			return nil
		}
		out.Poems[i] = corpus.Poem{
			N:     uint32(p.N),
			Label: []byte(render.Escape(render.OneLine(rp.Label))),
			Entry: render.Entry(rp, width),
			Index: render.IndexLine(rp, numWidth),
			Sums:  sums[i],
		}
		out.Poems[i].Sums.Shown = ShownSum(out.Poems[i].Label, out.Poems[i].Entry)
		return nil
	})
	t.KeptEntries = int(keptEntries.Load())
	t.Render = time.Since(start)
	return out, t
}

// kept finds for each vector a poem of prev with the same one (its index
// there, or -1), and counts them.
func kept(prev *corpus.Corpus, vecs [][]float32, sums []corpus.Sums) (from []int, count int) {
	byVector := map[corpus.Sum]int{}
	if prev != nil {
		for i := range prev.Len() {
			byVector[prev.Sums(i).Vector] = i
		}
	}
	from = make([]int, len(vecs))
	for i, v := range vecs {
		from[i] = -1
		// The digest finds it; the values confirm it.
		if j, ok := byVector[sums[i].Vector]; ok && slices.Equal(prev.Vector(j), v) {
			from[i] = j
			count++
		}
	}
	return from, count
}

// VectorSum is the digest of a poem's embedding as the Gram matrix is
// computed from it: its values and the arithmetic (gram.Method).
func VectorSum(v []float32) corpus.Sum {
	h := sha256.New()
	fmt.Fprintf(h, "gram %d, %d values\n", gram.Method, len(v))
	binary.Write(h, binary.LittleEndian, v)
	return corpus.Sum(h.Sum(nil))
}

// ShownSum is the digest of what an ordering page shows of a poem: its
// label (in the page's title when it is the anchor) and its entry.
func ShownSum(label, entry []byte) corpus.Sum {
	return sum(label, entry)
}

// inputSum is the digest of what a poem's HTML is rendered from: the poem,
// the widths of the rank and index columns, and the page format.
func inputSum(p render.Poem, width, numWidth int) corpus.Sum {
	date := ""
	if !p.Date.IsZero() {
		date = p.Date.Format(time.RFC3339Nano)
	}
	return sum(fmt.Appendf(nil, "format %d, width %d, %d; poem %d, golden %t, bar %d, color %s",
		render.FormatVersion, width, numWidth, p.N, p.Golden, p.Bar, p.Color),
		[]byte(p.Label), []byte(date), []byte(p.ContentWarning), []byte(p.Content))
}

// sum is the digest of parts, each length-prefixed so that no two lists
// of parts run together alike.
func sum(parts ...[]byte) corpus.Sum {
	h := sha256.New()
	for _, p := range parts {
		binary.Write(h, binary.LittleEndian, uint64(len(p)))
		h.Write(p)
	}
	return corpus.Sum(h.Sum(nil))
}

// Colors gives each poem the palette colour whose embedding has the highest
// cosine with the poem's (the earlier colour on a tie); gray without colours.
func Colors(c *input.Corpus, norms []float64) []int {
	colors := make([]int, len(c.Poems))
	if c.Colors == nil {
		for i := range colors {
			colors[i] = input.Gray
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
		n, amount.Bytes(need), n, amount.Bytes(int64(n)*int64(n)*4), amount.Bytes(available))
}
