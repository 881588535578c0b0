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

// Method names the arithmetic of Norms, Dot and Matrix: raise it with any
// change to the bits they return, so that no norm or cosine computed before
// is kept (corpus-pack keeps those of unchanged vectors).
const Method = 1

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

// dots sets out[i*len(bs)+j] = dot64(as[i], bs[j]): a block of the matrix.
// Vector code replaces it where the CPU allows (Kernels).
var dots func(as, bs [][]float64, out []float64)

// Kernels are dots' kernels in this build: with GOEXPERIMENT=simd on amd64,
// "avx512" and "avx2" before the "portable" code, each the same to the bit.
var Kernels = kernels.New(&dots, dotsGeneric)

func dotsGeneric(as, bs [][]float64, out []float64) {
	for i, a := range as {
		for j, b := range bs {
			out[i*len(bs)+j] = dot64(a, b)
		}
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
	return cosine(Dot(a, b), na, nb)
}

// cosine is a·b / (|a||b|) from the dot product, and 0 when a norm is 0.
func cosine(dot, na, nb float64) float64 {
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (na * nb)
}

// tile is the side of the square blocks the matrix is computed in, so that
// both blocks' vectors stay in cache while their dot products are taken: a
// multiple of the vector code's 4×6 blocks.
const tile = 48

// Matrix returns the n×n cosine Gram matrix of vecs, row-major, as float32.
// It is symmetric: each pair is computed once and mirrored.
func Matrix(vecs [][]float32, norms []float64) []float32 {
	n := len(vecs)
	g := make([]float32, n*n)
	wide := widen(vecs)
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
		var out [tile * tile]float64
		i0, j0 := jobs[k].bi*tile, jobs[k].bj*tile
		ie, je := min(i0+tile, n), min(j0+tile, n)
		// A whole block, diagonal ones too: their lower half is a few
		// products more, and keeps the kernel's blocks square.
		dots(wide[i0:ie], wide[j0:je], out[:])
		m := je - j0
		for i := i0; i < ie; i++ {
			for j := max(j0, i); j < je; j++ {
				c := float32(cosine(out[(i-i0)*m+j-j0], norms[i], norms[j]))
				g[i*n+j], g[j*n+i] = c, c
			}
		}
		return nil
	})
	return g
}

// Update is Matrix(vecs, norms) for vecs of which some have their cosines
// in an earlier matrix old of oldN vectors: from[i] is the index in old of a
// vector equal to vecs[i], or -1. A cosine is a pure function of its two
// vectors, so those of two such vectors are copied, and only the others
// computed: a new vector costs one row, not the whole matrix.
func Update(vecs [][]float32, norms []float64, old []float32, oldN int, from []int) []float32 {
	n := len(vecs)
	g := make([]float32, n*n)
	var fresh []int
	workers.Run(n, runtime.GOMAXPROCS(0), func(i int) error {
		if from[i] < 0 {
			return nil
		}
		src, row := old[from[i]*oldN:(from[i]+1)*oldN], g[i*n:(i+1)*n]
		for j, fj := range from {
			if fj >= 0 {
				row[j] = src[fj]
			}
		}
		return nil
	})
	for i, f := range from {
		if f < 0 {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) == 0 {
		return g
	}
	wide := widen(vecs)
	// A new vector's worker writes its row, and its column where the row is
	// an old vector's: another new vector's row writes the rest of it.
	workers.Run(len(fresh), runtime.GOMAXPROCS(0), func(k int) error {
		a := fresh[k]
		var out [tile]float64
		for j0 := 0; j0 < n; j0 += tile {
			je := min(j0+tile, n)
			dots(wide[a:a+1], wide[j0:je], out[:])
			for j := j0; j < je; j++ {
				c := float32(cosine(out[j-j0], norms[a], norms[j]))
				g[a*n+j] = c
				if from[j] >= 0 {
					g[j*n+a] = c
				}
			}
		}
		return nil
	})
	return g
}

// widen makes float64 copies of vecs, converted once here instead of in
// every dot product.
func widen(vecs [][]float32) [][]float64 {
	wide := make([][]float64, len(vecs))
	for i, v := range vecs {
		wide[i] = make([]float64, len(v))
		for k, x := range v {
			wide[i][k] = float64(x)
		}
	}
	return wide
}
