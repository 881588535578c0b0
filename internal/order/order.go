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
// highest first.
func Similar(g Gram, anchor int) []int32 {
	row := g.Row(anchor)
	seq := make([]int32, 1, g.N)
	seq[0] = int32(anchor)
	for p := range g.N {
		if p != anchor {
			seq = append(seq, int32(p))
		}
	}
	slices.SortFunc(seq[1:], func(a, b int32) int {
		if c := cmp.Compare(row[b], row[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return seq
}

// Different is the maximum-diversity walk: start at the anchor, then each time
// take the remaining poem with the smallest cosine to the sum S of all poems
// taken so far.
//
// cos(S, E[p]) = Σ_c |E[c]|·cos(E[c], E[p]) / |S| over the chosen c, and |S|
// is the same for every candidate, so a running float64 score per candidate,
// raised by one Gram row per step, orders them exactly: O(n²) per page.
func Different(g Gram, anchor int) []int32 {
	n := g.N
	seq := make([]int32, 1, n)
	seq[0] = int32(anchor)
	// Taken poems score +Inf, which no row can lower, so they are never the minimum.
	score := make([]float64, n)
	score[anchor] = math.Inf(1)
	for chosen := anchor; len(seq) < n; {
		chosen = raise(score, g.Row(chosen), g.Norms[chosen])
		score[chosen] = math.Inf(1)
		seq = append(seq, int32(chosen))
	}
	return seq
}

// raise adds w·row[p] to every score and returns the index of the lowest
// score, the first one among equals. Vector code replaces it where the CPU
// allows, with the same results to the bit.
var raise = raiseGeneric

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
