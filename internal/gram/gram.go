// Package gram computes the cosine Gram matrix of a set of embeddings: the
// n×n table of cos(a,b) that every page's ordering reads rows of.
//
// Each dot product is a pure function of its two vectors (products of float32
// values are exact in float64, summed in eight fixed lanes), so identical
// vectors get identical rows and results do not depend on the worker count.
package gram

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Lanes is the number of partial sums a dot product keeps; element k goes to lane k%Lanes.
const Lanes = 8

// Dot is a·b accumulated in float64 in Lanes lanes, reduced pairwise.
func Dot(a, b []float32) float64 {
	var s [Lanes]float64
	n := len(a) &^ (Lanes - 1)
	b = b[:len(a)]
	for k := 0; k < n; k += Lanes {
		aa, bb := a[k:k+Lanes:k+Lanes], b[k:k+Lanes:k+Lanes]
		s[0] += float64(aa[0]) * float64(bb[0])
		s[1] += float64(aa[1]) * float64(bb[1])
		s[2] += float64(aa[2]) * float64(bb[2])
		s[3] += float64(aa[3]) * float64(bb[3])
		s[4] += float64(aa[4]) * float64(bb[4])
		s[5] += float64(aa[5]) * float64(bb[5])
		s[6] += float64(aa[6]) * float64(bb[6])
		s[7] += float64(aa[7]) * float64(bb[7])
	}
	for k := n; k < len(a); k++ {
		s[k-n] += float64(a[k]) * float64(b[k])
	}
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}

// Norms returns |v| for each vector.
func Norms(vecs [][]float32) []float64 {
	norms := make([]float64, len(vecs))
	for i, v := range vecs {
		norms[i] = math.Sqrt(Dot(v, v))
	}
	return norms
}

// Cosine returns cos(a,b) = a·b / (|a||b|), and 0 when a norm is 0.
func Cosine(a, b []float32, na, nb float64) float64 {
	if na == 0 || nb == 0 {
		return 0
	}
	return Dot(a, b) / (na * nb)
}

// tile is the side of the square blocks the matrix is computed in, so that
// both blocks' vectors stay in cache while their dot products are taken.
const tile = 32

// Matrix returns the n×n cosine Gram matrix of vecs, row-major, as float32.
// It is symmetric: each pair is computed once and mirrored.
func Matrix(vecs [][]float32, norms []float64) []float32 {
	n := len(vecs)
	g := make([]float32, n*n)
	blocks := (n + tile - 1) / tile
	// Jobs are the blocks on or above the diagonal, handed out in order.
	type job struct{ bi, bj int }
	jobs := make([]job, 0, blocks*(blocks+1)/2)
	for bi := range blocks {
		for bj := bi; bj < blocks; bj++ {
			jobs = append(jobs, job{bi, bj})
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(jobs) {
					return
				}
				i0, j0 := jobs[k].bi*tile, jobs[k].bj*tile
				for i := i0; i < min(i0+tile, n); i++ {
					for j := max(j0, i); j < min(j0+tile, n); j++ {
						c := float32(Cosine(vecs[i], vecs[j], norms[i], norms[j]))
						g[i*n+j], g[j*n+i] = c, c
					}
				}
			}
		})
	}
	wg.Wait()
	return g
}
