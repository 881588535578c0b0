//go:build goexperiment.simd && amd64

package gram

import (
	"simd/archsimd"

	"pagegen/internal/kernels"
)

// Vector kernels keep Dot's eight lanes (element k in lane k%8) and its
// reduction, so they return the same bits as the portable code. Products of
// float32 values are exact in float64, so a fused multiply-add rounds exactly
// as a multiply then an add.
func init() {
	Kernels.Add("avx512", dotsAVX512, kernels.Lacks(archsimd.X86.AVX512(), "AVX-512 (F, CD, BW, DQ, VL)"))
	Kernels.Add("avx2", dotsAVX2, kernels.Lacks(archsimd.X86.AVX2() && archsimd.X86.FMA(), "AVX2 and FMA"))
}

func dotsAVX512(a []float64, bs [][]float64, out []float64) {
	n := len(a) &^ (Lanes - 1)
	j := 0
	for ; j+4 <= len(bs); j += 4 {
		b0, b1, b2, b3 := bs[j][:len(a)], bs[j+1][:len(a)], bs[j+2][:len(a)], bs[j+3][:len(a)]
		var s0, s1, s2, s3 archsimd.Float64x8
		for k := 0; k < n; k += Lanes {
			x := archsimd.LoadFloat64x8Slice(a[k:])
			s0 = x.MulAdd(archsimd.LoadFloat64x8Slice(b0[k:]), s0)
			s1 = x.MulAdd(archsimd.LoadFloat64x8Slice(b1[k:]), s1)
			s2 = x.MulAdd(archsimd.LoadFloat64x8Slice(b2[k:]), s2)
			s3 = x.MulAdd(archsimd.LoadFloat64x8Slice(b3[k:]), s3)
		}
		out[j] = finish8(s0, a, b0, n)
		out[j+1] = finish8(s1, a, b1, n)
		out[j+2] = finish8(s2, a, b2, n)
		out[j+3] = finish8(s3, a, b3, n)
	}
	for ; j < len(bs); j++ {
		b := bs[j][:len(a)]
		var s archsimd.Float64x8
		for k := 0; k < n; k += Lanes {
			s = archsimd.LoadFloat64x8Slice(a[k:]).MulAdd(archsimd.LoadFloat64x8Slice(b[k:]), s)
		}
		out[j] = finish8(s, a, b, n)
	}
}

func finish8(s archsimd.Float64x8, a, b []float64, n int) float64 {
	var lanes [Lanes]float64
	s.Store(&lanes)
	return tail(&lanes, a, b, n)
}

func dotsAVX2(a []float64, bs [][]float64, out []float64) {
	n := len(a) &^ (Lanes - 1)
	for j, b := range bs {
		b = b[:len(a)]
		var lo, hi archsimd.Float64x4 // lanes 0-3 and 4-7
		for k := 0; k < n; k += Lanes {
			lo = archsimd.LoadFloat64x4Slice(a[k:]).MulAdd(archsimd.LoadFloat64x4Slice(b[k:]), lo)
			hi = archsimd.LoadFloat64x4Slice(a[k+4:]).MulAdd(archsimd.LoadFloat64x4Slice(b[k+4:]), hi)
		}
		var lanes [Lanes]float64
		lo.StoreSlice(lanes[:4])
		hi.StoreSlice(lanes[4:])
		out[j] = tail(&lanes, a, b, n)
	}
}
