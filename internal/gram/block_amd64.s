//go:build goexperiment.simd && amd64

#include "textflag.h"

// func block4x6(a0, a1, a2, a3, b0, b1, b2, b3, b4, b5 *float64, n int, out *float64, stride int)
//
// out[r*stride+c] = the dot product of row a_r and row b_c, n elements
// (a multiple of 8), each summed as the portable code sums it: element k
// in lane k%8 with a multiply-add (the products of float32 values are
// exact in float64, so it rounds as a multiply then an add), the lanes
// reduced as ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)). 24 sums in registers for
// 10 loads a step: bound by the multiply-adds, not by memory.

// FMA4 adds the products of the four rows (Z25-Z28) with column vector b
// to the column's four sums.
#define FMA4(b, s0, s1, s2, s3) \
	VFMADD231PD b, Z25, s0; \
	VFMADD231PD b, Z26, s1; \
	VFMADD231PD b, Z27, s2; \
	VFMADD231PD b, Z28, s3

// REDUCE reduces sum z (its halves y, x) into the float64 at off(SI).
#define REDUCE(z, y, off) \
	VEXTRACTF64X4 $1, z, Y30; \
	VADDPD Y30, y, Y30; \
	VEXTRACTF64X2 $1, Y30, X31; \
	VADDPD X31, X30, X31; \
	VPERMILPD $1, X31, X30; \
	VADDSD X30, X31, X31; \
	VMOVSD X31, off(SI)

TEXT ·block4x6(SB), NOSPLIT, $0-104
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), DI
	MOVQ a2+16(FP), R8
	MOVQ a3+24(FP), R9
	MOVQ b0+32(FP), R10
	MOVQ b1+40(FP), R11
	MOVQ b2+48(FP), R12
	MOVQ b3+56(FP), R13
	MOVQ b4+64(FP), BX
	MOVQ b5+72(FP), DX
	MOVQ n+80(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
	// Sums: column c of row r in Z(4c+r) for c < 4 (Z0-Z14 and Z16), the
	// last two columns in Z17-Z24; Z15 is not used.
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11
	VPXORQ Z12, Z12, Z12
	VPXORQ Z13, Z13, Z13
	VPXORQ Z14, Z14, Z14
	VPXORQ Z16, Z16, Z16
	VPXORQ Z17, Z17, Z17
	VPXORQ Z18, Z18, Z18
	VPXORQ Z19, Z19, Z19
	VPXORQ Z20, Z20, Z20
	VPXORQ Z21, Z21, Z21
	VPXORQ Z22, Z22, Z22
	VPXORQ Z23, Z23, Z23
	VPXORQ Z24, Z24, Z24
	CMPQ AX, CX
	JAE  reduce

loop:
	VMOVUPD (SI)(AX*1), Z25
	VMOVUPD (DI)(AX*1), Z26
	VMOVUPD (R8)(AX*1), Z27
	VMOVUPD (R9)(AX*1), Z28
	VMOVUPD (R10)(AX*1), Z29
	FMA4(Z29, Z0, Z1, Z2, Z3)
	VMOVUPD (R11)(AX*1), Z30
	FMA4(Z30, Z4, Z5, Z6, Z7)
	VMOVUPD (R12)(AX*1), Z29
	FMA4(Z29, Z8, Z9, Z10, Z11)
	VMOVUPD (R13)(AX*1), Z30
	FMA4(Z30, Z12, Z13, Z14, Z16)
	VMOVUPD (BX)(AX*1), Z29
	FMA4(Z29, Z17, Z18, Z19, Z20)
	VMOVUPD (DX)(AX*1), Z30
	FMA4(Z30, Z21, Z22, Z23, Z24)
	ADDQ $64, AX
	CMPQ AX, CX
	JB   loop

reduce:
	MOVQ out+88(FP), SI
	MOVQ stride+96(FP), DI
	SHLQ $3, DI
	// Row 0.
	REDUCE(Z0, Y0, 0)
	REDUCE(Z4, Y4, 8)
	REDUCE(Z8, Y8, 16)
	REDUCE(Z12, Y12, 24)
	REDUCE(Z17, Y17, 32)
	REDUCE(Z21, Y21, 40)
	ADDQ DI, SI
	REDUCE(Z1, Y1, 0)
	REDUCE(Z5, Y5, 8)
	REDUCE(Z9, Y9, 16)
	REDUCE(Z13, Y13, 24)
	REDUCE(Z18, Y18, 32)
	REDUCE(Z22, Y22, 40)
	ADDQ DI, SI
	REDUCE(Z2, Y2, 0)
	REDUCE(Z6, Y6, 8)
	REDUCE(Z10, Y10, 16)
	REDUCE(Z14, Y14, 24)
	REDUCE(Z19, Y19, 32)
	REDUCE(Z23, Y23, 40)
	ADDQ DI, SI
	REDUCE(Z3, Y3, 0)
	REDUCE(Z7, Y7, 8)
	REDUCE(Z11, Y11, 16)
	REDUCE(Z16, Y16, 24)
	REDUCE(Z20, Y20, 32)
	REDUCE(Z24, Y24, 40)
	VZEROUPPER
	RET
