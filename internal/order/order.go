// Package order computes the two orderings of the collection that the pages
// show, from rows of the cosine Gram matrix.
//
// Poems are numbered 0..n-1 in ascending N, so "ties go to the smaller N" is
// "ties go to the smaller index".
package order

import (
	"cmp"
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
	// rem holds the remaining poems in ascending order, score their running sums:
	// the first strict minimum is then the smallest index among equal scores.
	rem := make([]int32, 0, n-1)
	score := make([]float64, 0, n-1)
	for p := range n {
		if p != anchor {
			rem = append(rem, int32(p))
			score = append(score, 0)
		}
	}
	chosen := anchor
	for len(rem) > 0 {
		best := raise(score, rem, g.Row(chosen), g.Norms[chosen])
		chosen = int(rem[best])
		seq = append(seq, rem[best])
		rem = slices.Delete(rem, best, best+1)
		score = slices.Delete(score, best, best+1)
	}
	return seq
}

// raise adds w·row[p] to the score of every remaining p and returns the
// position in rem of the lowest score (the first one among equals).
func raise(score []float64, rem []int32, row []float32, w float64) int {
	best, low := 0, 0.0
	score = score[:len(rem)]
	for k, p := range rem {
		s := score[k] + w*float64(row[p])
		score[k] = s
		if k == 0 || s < low {
			best, low = k, s
		}
	}
	return best
}
