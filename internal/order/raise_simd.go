//go:build goexperiment.simd && amd64

package order

import (
	"math"
	"math/bits"
	"simd/archsimd"
)

func init() {
	if archsimd.X86.AVX512() {
		raise = raiseAVX512
	}
}

// raiseAVX512 is raiseGeneric eight scores at a time: a multiply then an add
// (never fused) per score, then a second pass for the first index of the minimum.
func raiseAVX512(score []float64, row []float32, w float64) int {
	n := len(score)
	row = row[:n]
	n8 := n &^ 7
	wv := archsimd.BroadcastFloat64x8(w)
	lowv := archsimd.BroadcastFloat64x8(math.Inf(1))
	for k := 0; k < n8; k += 8 {
		r := archsimd.LoadFloat32x8Slice(row[k:]).ConvertToFloat64()
		s := archsimd.LoadFloat64x8Slice(score[k:]).Add(r.Mul(wv))
		s.StoreSlice(score[k:])
		lowv = lowv.Min(s)
	}
	var lanes [8]float64
	lowv.Store(&lanes)
	low := math.Inf(1)
	for _, x := range lanes {
		low = min(low, x)
	}
	for p := n8; p < n; p++ {
		score[p] += float64(w * float64(row[p]))
		low = min(low, score[p])
	}
	lv := archsimd.BroadcastFloat64x8(low)
	for k := 0; k < n8; k += 8 {
		if m := archsimd.LoadFloat64x8Slice(score[k:]).Equal(lv).ToBits(); m != 0 {
			return k + bits.TrailingZeros8(m)
		}
	}
	for p := n8; p < n; p++ {
		if score[p] == low {
			return p
		}
	}
	return 0
}
