package gram

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// kernelInputs are a vector and the rows dots takes it against: lengths
// around the 8 lanes and rows around the 4-row blocks of the vector code,
// values of every size (a product of float32 values is exact in float64,
// a sum is not: the order of the adds shows), signed zeros, subnormals,
// and rows that cancel the vector exactly.
func kernelInputs() (as [][]float64, bss [][][]float64) {
	r := rand.New(rand.NewPCG(3, 4))
	value := func(k int) float64 {
		switch k % 11 {
		case 3:
			return math.Copysign(0, -1)
		case 7:
			return float64(float32(r.NormFloat64() * 1e-41)) // subnormal in float32
		}
		return float64(float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(61)-30))))
	}
	for _, d := range []int{1, 7, 8, 9, 15, 16, 17, 768, 770} {
		for _, rows := range []int{1, 3, 4, 5, 13} {
			a := make([]float64, d)
			for k := range a {
				a[k] = value(k)
			}
			bs := make([][]float64, rows)
			for j := range bs {
				bs[j] = make([]float64, d)
				for k := range bs[j] {
					bs[j][k] = value(k + j)
				}
			}
			for k := range bs[0] {
				bs[0][k] = -a[k] // a·(-a): every lane cancels
			}
			as, bss = append(as, a), append(bss, bs)
		}
	}
	return as, bss
}

// kernelCorpus is vectors for whole Gram matrices: a size that is no
// multiple of the tile, a zero vector, and two equal ones.
func kernelCorpus() ([][]float32, []float64) {
	r := rand.New(rand.NewPCG(5, 6))
	vecs := make([][]float32, 71)
	for i := range vecs {
		vecs[i] = randVec(r, 770)
	}
	vecs[10] = make([]float32, 770)
	vecs[20] = slices.Clone(vecs[30])
	return vecs, Norms(vecs)
}

// TestKernels runs every dot-product kernel of this build on the same
// inputs as the portable code, and wants the same bits: dots, and whole
// Gram matrices. A vector kernel is skipped only where the CPU lacks its
// features (the skip says which); make test runs the package again built
// without vector code (GOEXPERIMENT=).
func TestKernels(t *testing.T) {
	as, bss := kernelInputs()
	// Blocks of rows: the vector and the rows themselves, 2 to 14 rows
	// against 1 to 13 columns, around the 4×4 blocks of the vector code.
	blocks := make([][][]float64, len(as))
	want := make([][]float64, len(as))
	for i := range as {
		blocks[i] = append([][]float64{as[i]}, bss[i]...)
		want[i] = make([]float64, len(blocks[i])*len(bss[i]))
		dotsGeneric(blocks[i], bss[i], want[i])
	}
	vecs, norms := kernelCorpus()
	restore, err := Kernels.Use("portable")
	if err != nil {
		t.Fatal(err)
	}
	wantMatrix := Matrix(vecs, norms)
	restore()
	for _, k := range Kernels.All() {
		t.Run(k.Name, func(t *testing.T) {
			if k.Missing != "" {
				t.Skip(k.Missing)
			}
			restore, err := Kernels.Use(k.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			for i := range as {
				got := make([]float64, len(want[i]))
				dots(blocks[i], bss[i], got)
				for j := range got {
					if math.Float64bits(got[j]) != math.Float64bits(want[i][j]) {
						t.Fatalf("d=%d, %d×%d block, product %d: %v, the portable code %v", len(as[i]), len(blocks[i]), len(bss[i]), j, got[j], want[i][j])
					}
				}
			}
			if got := Matrix(vecs, norms); !slices.EqualFunc(got, wantMatrix, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
				t.Errorf("the Gram matrix of %d vectors differs from the portable code's", len(vecs))
			}
		})
	}
}

// TestKernelsOfTheBuild: a build with vector code has every kernel, one
// without the portable code alone.
func TestKernelsOfTheBuild(t *testing.T) {
	want := []string{"portable"}
	if simdBuild {
		want = []string{"avx512", "avx2", "portable"}
	}
	if got := Kernels.Names(); !slices.Equal(got, want) {
		t.Errorf("kernels %v, want %v", got, want)
	}
}
