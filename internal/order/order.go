// Package order computes the two orderings of the collection that the pages
// show, from rows of the cosine Gram matrix.
//
// Poems are numbered 0..n-1 in ascending N, so "ties go to the smaller N" is
// "ties go to the smaller index".
package order

import (
	"cmp"
	"math"
	"runtime"
	"slices"

	"pagegen/internal/kernels"
)

// Gram is the n×n cosine matrix, row-major, and the norm of each embedding.
type Gram struct {
	N     int
	Cos   []float32 // Cos[i*N+j] = cos(E[i], E[j])
	Norms []float64 // |E[i]|
}

// Row is cos(E[i], E[j]) for every j.
func (g Gram) Row(i int) []float32 { return g.Cos[i*g.N : (i+1)*g.N : (i+1)*g.N] }

// Similar is the anchor first, then every other poem by cosine with it,
// highest first; only the first limit of them (all when limit >= N). A short
// prefix is a partial selection, not a sort of the whole row.
func Similar(g Gram, anchor, limit int) []int32 {
	row := g.Row(anchor)
	limit = min(max(limit, 1), g.N)
	// before is the ordering: a higher cosine first, the smaller index on a tie.
	before := func(a, b int32) int {
		if c := cmp.Compare(row[b], row[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	seq := make([]int32, 1, g.N)
	seq[0] = int32(anchor)
	if limit < g.N/4 {
		top := selectFirst(row, anchor, limit-1, before)
		return append(seq, top...)
	}
	for p := range g.N {
		if p != anchor {
			seq = append(seq, int32(p))
		}
	}
	slices.SortFunc(seq[1:], before)
	return seq[:limit]
}

// selectFirst is the first k poems other than skip in the order before, in
// that order: a bounded heap whose root is the last of the k best so far, so
// that most candidates cost one comparison.
func selectFirst(row []float32, skip, k int, before func(a, b int32) int) []int32 {
	heap := make([]int32, 0, k)
	// down restores the heap from i: a parent comes after its children.
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(heap) {
				return
			}
			if c+1 < len(heap) && before(heap[c+1], heap[c]) > 0 {
				c++
			}
			if before(heap[c], heap[i]) <= 0 {
				return
			}
			heap[i], heap[c] = heap[c], heap[i]
			i = c
		}
	}
	for p := range int32(len(row)) {
		switch {
		case int(p) == skip || k == 0:
		case len(heap) < k:
			heap = append(heap, p)
			for i := len(heap) - 1; i > 0 && before(heap[i], heap[(i-1)/2]) > 0; i = (i - 1) / 2 {
				heap[i], heap[(i-1)/2] = heap[(i-1)/2], heap[i]
			}
		case before(p, heap[0]) < 0:
			heap[0] = p
			down(0)
		}
	}
	slices.SortFunc(heap, before)
	return heap
}

// Different is the maximum-diversity walk: start at the anchor, then each time
// take the remaining poem with the smallest cosine to the sum S of all poems
// taken so far.
//
// cos(S, E[p]) = Σ_c |E[c]|·cos(E[c], E[p]) / |S| over the chosen c, and |S|
// is the same for every candidate, so a running float64 score per candidate,
// raised by one Gram row per step, orders them exactly: O(n²) per page.
//
// The walk stops after limit poems (all when limit >= N): the exact prefix of
// the whole walk, at O(limit·n).
func Different(g Gram, anchor, limit int) []int32 {
	seq, _ := Walk(g, anchor, limit)
	return seq
}

// Walk is Different with the score each poem had when the walk took it:
// wins[s] is seq[s]'s (wins[0], the anchor's, is 0). They are what WouldTake
// compares a new poem with.
func Walk(g Gram, anchor, limit int) (seq []int32, wins []float64) {
	n := min(max(limit, 1), g.N)
	seq = make([]int32, 1, n)
	wins = make([]float64, 1, n)
	seq[0] = int32(anchor)
	// Taken poems score +Inf, which no row can lower, so they are never the minimum.
	score := make([]float64, g.N)
	score[anchor] = math.Inf(1)
	for chosen := anchor; len(seq) < n; {
		chosen = raise(score, g.Row(chosen), g.Norms[chosen])
		wins = append(wins, score[chosen])
		score[chosen] = math.Inf(1)
		seq = append(seq, int32(chosen))
	}
	return seq, wins
}

// Enters reports whether poem x, which the similar ordering seq (anchor
// first) was laid out without, would be in it: it comes before the last.
func Enters(g Gram, seq []int32, x int) bool {
	if len(seq) < 2 {
		return false // the anchor alone
	}
	row, last := g.Row(int(seq[0])), seq[len(seq)-1]
	return row[x] > row[last] || (row[x] == row[last] && int32(x) < last)
}

// WouldTake reports the first step at which the walk seq, with its winning
// scores wins (see Walk), would have taken poem x had x been a candidate; ok
// is false when it never would within seq, which then stays the walk's exact
// prefix with x in the collection. x's running score is the sum the walk
// keeps for it, the same float64 operations in the same order (its own Gram
// row: the matrix is symmetric to the bit), so the answer is exact, ties
// going to the smaller index as in the walk. O(len(seq)).
func WouldTake(g Gram, seq []int32, wins []float64, x int) (step int, ok bool) {
	row := g.Row(x)
	score := 0.0
	for s := 1; s < len(seq); s++ {
		c := seq[s-1]
		score += float64(g.Norms[c] * float64(row[c]))
		if score < wins[s] || (score == wins[s] && int32(x) < seq[s]) {
			return s, true
		}
	}
	return 0, false
}

// raise adds w·row[p] to every score and returns the index of the lowest
// score, the first one among equals. Vector code replaces it where the CPU
// allows (Kernels), with the same results to the bit.
var raise func(score []float64, row []float32, w float64) int

// Kernels are raise's kernels in this build: with GOEXPERIMENT=simd on
// amd64, "avx512" before the "portable" code.
var Kernels = kernels.New(&raise, raiseGeneric)

func raiseGeneric(score []float64, row []float32, w float64) int {
	row = row[:len(score)]
	touch(row)
	best, low := 0, math.Inf(1)
	for p, r := range row {
		// The conversion rounds the product, so that no compiler fuses it
		// into a multiply-add and vector code can match it exactly.
		s := score[p] + float64(w*float64(r))
		score[p] = s
		if s < low {
			best, low = p, s
		}
	}
	return best
}

// touch reads one value per cache line of a Gram row before the row is used.
// The loads do not depend on each other, so the row (a new one each step,
// anywhere in the matrix) streams in with many misses in flight at once
// instead of one prefetcher ramp after another: a third off the walk.
func touch(row []float32) {
	var sink float32
	for k := 0; k < len(row); k += 16 {
		sink += row[k]
	}
	runtime.KeepAlive(sink) // so that the loads are not optimized away
}
