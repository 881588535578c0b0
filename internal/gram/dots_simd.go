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

// dotsAVX512 computes the block four rows by six columns at a time, in
// assembly (block4x6): the compiler keeps few vectors in registers, and a
// block that size spills its sums. The rows and columns left over, and
// rows whose length is no multiple of the lanes, go one row at a time.
func dotsAVX512(as, bs [][]float64, out []float64) {
	m := len(bs)
	i := 0
	for ; i+4 <= len(as); i += 4 {
		j := 0
		if d := len(as[i]); d > 0 && d%Lanes == 0 {
			a0, a1, a2, a3 := as[i], as[i+1][:d], as[i+2][:d], as[i+3][:d]
			for ; j+6 <= m; j += 6 {
				b := bs[j : j+6 : j+6]
				_ = out[(i+3)*m+j+5] // the last sum it writes
				block4x6(&a0[0], &a1[0], &a2[0], &a3[0], &b[0][:d][0], &b[1][:d][0], &b[2][:d][0], &b[3][:d][0], &b[4][:d][0], &b[5][:d][0],
					d, &out[i*m+j], m)
			}
		}
		for r := i; r < i+4; r++ {
			row8(as[r], bs[j:], out[r*m+j:])
		}
	}
	for ; i < len(as); i++ {
		row8(as[i], bs, out[i*m:])
	}
}

// block4x6 sets out[r*stride+c] to the dot product of the n elements (a
// multiple of Lanes) of rows a_r and b_c (block_amd64.s).
//
//go:noescape
func block4x6(a0, a1, a2, a3, b0, b1, b2, b3, b4, b5 *float64, n int, out *float64, stride int)

// finish4 finishes four sums of a with bs[0:4] into out[0:4], reducing
// each as reduce does: in vector registers when no element is past the last
// full group of lanes (scalar arithmetic among vector code pays for every
// switch between them), else through finish8.
func finish4(out []float64, s0, s1, s2, s3 archsimd.Float64x8, a []float64, bs [][]float64, n int) {
	if n != len(a) {
		out[0] = finish8(s0, a, bs[0], n)
		out[1] = finish8(s1, a, bs[1], n)
		out[2] = finish8(s2, a, bs[2], n)
		out[3] = finish8(s3, a, bs[3], n)
		return
	}
	half := func(s archsimd.Float64x8) archsimd.Float64x2 {
		t := s.GetLo().Add(s.GetHi())   // s0+s4, s1+s5, s2+s6, s3+s7
		return t.GetLo().Add(t.GetHi()) // (s0+s4)+(s2+s6), (s1+s5)+(s3+s7)
	}
	half(s0).AddPairs(half(s1)).StoreSlice(out[0:2])
	half(s2).AddPairs(half(s3)).StoreSlice(out[2:4])
}

// row8 sets out[j] to the dot product of a and bs[j], four columns at a time.
func row8(a []float64, bs [][]float64, out []float64) {
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
		finish4(out[j:j+4], s0, s1, s2, s3, a, bs[j:j+4], n)
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

// finish8 adds the elements past the last full group of lanes, if any, and
// reduces the lanes as reduce does.
func finish8(s archsimd.Float64x8, a, b []float64, n int) float64 {
	var lanes [Lanes]float64
	s.Store(&lanes)
	return tail(&lanes, a, b, n)
}

// dotsAVX2 computes the block a row at a time, each dot product's eight
// lanes in two halves.
func dotsAVX2(as, bs [][]float64, out []float64) {
	for i, a := range as {
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
			out[i*len(bs)+j] = tail(&lanes, a, b, n)
		}
	}
}
