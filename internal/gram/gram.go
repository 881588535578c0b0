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

	"pagegen/internal/kernels"
	"pagegen/internal/workers"
)

// Lanes is the number of partial sums a dot product keeps; element k goes to lane k%Lanes.
const Lanes = 8

// Dot is a·b accumulated in float64 in Lanes lanes, reduced pairwise.
func Dot(a, b []float32) float64 { return dot(a, b) }

// dot64 is Dot on float64 copies of float32 vectors: the same lanes, the same
// result to the bit.
func dot64(a, b []float64) float64 { return dot(a, b) }

func dot[T float32 | float64](a, b []T) float64 {
	var s [Lanes]float64
	n := len(a) &^ (Lanes - 1)
	b = b[:len(a)]
	for k := 0; k < n; k += Lanes {
		aa, bb := a[k:k+Lanes:k+Lanes], b[k:k+Lanes:k+Lanes]
		for l := range Lanes {
			s[l] += float64(aa[l]) * float64(bb[l])
		}
	}
	return tail(&s, a, b, n)
}

// tail adds the elements past the last full group of lanes and reduces.
func tail[T float32 | float64](s *[Lanes]float64, a, b []T, n int) float64 {
	for k := n; k < len(a); k++ {
		s[k-n] += float64(a[k]) * float64(b[k])
	}
	return reduce(s)
}

// reduce sums the lanes in a fixed order, the one vector code reduces in.
func reduce(s *[Lanes]float64) float64 {
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}

// dots sets out[j] = dot64(a, bs[j]); vector code replaces it where the CPU
// allows (Kernels).
var dots func(a []float64, bs [][]float64, out []float64)

// Kernels are dots' kernels in this build: with GOEXPERIMENT=simd on amd64,
// "avx512" and "avx2" before the "portable" code, each the same to the bit.
var Kernels = kernels.New(&dots, dotsGeneric)

func dotsGeneric(a []float64, bs [][]float64, out []float64) {
	for j, b := range bs {
		out[j] = dot64(a, b)
	}
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
	// float64 copies: converted once here instead of in every dot product.
	wide := make([][]float64, n)
	for i, v := range vecs {
		wide[i] = make([]float64, len(v))
		for k, x := range v {
			wide[i][k] = float64(x)
		}
	}
	blocks := (n + tile - 1) / tile
	// Jobs are the blocks on or above the diagonal, handed out in order.
	type job struct{ bi, bj int }
	jobs := make([]job, 0, blocks*(blocks+1)/2)
	for bi := range blocks {
		for bj := bi; bj < blocks; bj++ {
			jobs = append(jobs, job{bi, bj})
		}
	}
	workers.Run(len(jobs), runtime.GOMAXPROCS(0), func(k int) error {
		var out [tile]float64
		i0, j0 := jobs[k].bi*tile, jobs[k].bj*tile
		for i := i0; i < min(i0+tile, n); i++ {
			js := max(j0, i)
			je := min(j0+tile, n)
			dots(wide[i], wide[js:je], out[:])
			for j := js; j < je; j++ {
				c := 0.0
				if norms[i] != 0 && norms[j] != 0 {
					c = out[j-js] / (norms[i] * norms[j])
				}
				g[i*n+j], g[j*n+i] = float32(c), float32(c)
			}
		}
		return nil
	})
	return g
}
