//go:build goexperiment.simd && amd64

package order

import (
	"math"
	"simd/archsimd"

	"pagegen/internal/kernels"
)

func init() {
	Kernels.Add("avx512", raiseAVX512, kernels.Lacks(archsimd.X86.AVX512(), "AVX-512 (F, CD, BW, DQ, VL)"))
}

// raiseAVX512 is raiseGeneric eight scores at a time: a multiply then an add
// (never fused) per score, and per lane the lowest score with its index (the
// first in that lane on a tie), so the first lowest overall is found in the
// same pass.
func raiseAVX512(score []float64, row []float32, w float64) int {
	n := len(score)
	row = row[:n]
	n8 := n &^ 7
	touch(row)
	wv := archsimd.BroadcastFloat64x8(w)
	lowv := archsimd.BroadcastFloat64x8(math.Inf(1))
	var at archsimd.Int64x8 // index of each lane's lowest score
	idx := archsimd.LoadInt64x8(&[8]int64{0, 1, 2, 3, 4, 5, 6, 7})
	eight := archsimd.BroadcastInt64x8(8)
	for k := 0; k < n8; k += 8 {
		r := archsimd.LoadFloat32x8Slice(row[k:]).ConvertToFloat64()
		s := archsimd.LoadFloat64x8Slice(score[k:]).Add(r.Mul(wv))
		s.StoreSlice(score[k:])
		lower := s.Less(lowv)
		lowv = s.Merge(lowv, lower)
		at = idx.Merge(at, lower)
		idx = idx.Add(eight)
	}
	var lows [8]float64
	var ats [8]int64
	lowv.Store(&lows)
	at.Store(&ats)
	best, low := 0, math.Inf(1)
	for l := range 8 {
		if lows[l] < low || (lows[l] == low && int(ats[l]) < best) {
			best, low = int(ats[l]), lows[l]
		}
	}
	for p := n8; p < n; p++ {
		score[p] += float64(w * float64(row[p]))
		if score[p] < low {
			best, low = p, score[p]
		}
	}
	return best
}
