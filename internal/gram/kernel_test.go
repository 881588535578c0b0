package gram

import (
	"math/rand/v2"
	"testing"
)

// TestKernelsAgree checks that the kernel in use (vector code when built with
// GOEXPERIMENT=simd on a CPU that has it) gives the portable code's bits.
func TestKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 7, 8, 9, 17, 768, 770} {
		a := make([]float64, d)
		bs := make([][]float64, 13)
		for k := range a {
			a[k] = float64(float32(r.NormFloat64()))
		}
		for j := range bs {
			bs[j] = make([]float64, d)
			for k := range bs[j] {
				bs[j][k] = float64(float32(r.NormFloat64()))
			}
		}
		want, got := make([]float64, 13), make([]float64, 13)
		dotsGeneric(a, bs, want)
		dots(a, bs, got)
		for j := range want {
			if want[j] != got[j] {
				t.Fatalf("d=%d j=%d: %v vs %v", d, j, want[j], got[j])
			}
		}
	}
}
