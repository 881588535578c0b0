package order

import (
	"math/rand/v2"
	"testing"

	"pagegen/internal/gram"
)

func randomGram(n, d int) Gram {
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([][]float32, n)
	for i := range vecs {
		vecs[i] = make([]float32, d)
		for k := range vecs[i] {
			vecs[i][k] = float32(r.NormFloat64())
		}
	}
	norms := gram.Norms(vecs)
	return Gram{N: n, Cos: gram.Matrix(vecs, norms), Norms: norms}
}

// TestRaiseKernelsAgree checks that the walk with the kernel in use (vector
// code when built with GOEXPERIMENT=simd on a CPU that has it) is the walk
// with the portable code, for every step of many pages.
func TestRaiseKernelsAgree(t *testing.T) {
	g := randomGram(203, 16)
	inUse := raise
	defer func() { raise = inUse }()
	for anchor := range 20 {
		raise = raiseGeneric
		want := Different(g, anchor, g.N)
		raise = inUse
		got := Different(g, anchor, g.N)
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("anchor %d rank %d: %d vs %d", anchor, i, want[i], got[i])
			}
		}
	}
}
