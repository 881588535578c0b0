// Package ordertest has the two orderings straight from the spec ("Orderings
// (exact)"), in float64 from the vectors themselves, not from the Gram
// matrix: the one reference that the orderings' tests and the end-to-end
// tests hold pagegen's pages to.
package ordertest

import (
	"math"
	"slices"
	"sort"
)

// Dot is a·b.
func Dot(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

// Cos is a·b / (|a||b|), and 0 when a norm is 0.
func Cos(a, b []float64) float64 {
	na, nb := math.Sqrt(Dot(a, a)), math.Sqrt(Dot(b, b))
	if na == 0 || nb == 0 {
		return 0
	}
	return Dot(a, b) / (na * nb)
}

// Similar is the anchor first, then every other poem by cos(E[N], E[p])
// descending, ties to the smaller index.
func Similar(e [][]float64, anchor int) []int {
	c := make([]float64, len(e))
	var rest []int
	for p := range e {
		c[p] = Cos(e[anchor], e[p])
		if p != anchor {
			rest = append(rest, p)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool { return c[rest[i]] > c[rest[j]] })
	return append([]int{anchor}, rest...)
}

// Different is seq = [N], S = E[N]; then, repeatedly, the remaining p with
// the smallest cos(S, E[p]), ties to the smaller index, and S += E[p].
func Different(e [][]float64, anchor int) []int {
	n := len(e)
	seq := []int{anchor}
	s := slices.Clone(e[anchor])
	taken := make([]bool, n)
	taken[anchor] = true
	for len(seq) < n {
		best, low := -1, 0.0
		for p := range n { // ascending: the first strict minimum wins ties
			if taken[p] {
				continue
			}
			if c := Cos(s, e[p]); best < 0 || c < low {
				best, low = p, c
			}
		}
		seq = append(seq, best)
		taken[best] = true
		for k := range s {
			s[k] += e[best][k]
		}
	}
	return seq
}
