package order

import (
	"math"
	"math/rand/v2"
	"slices"
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

// raiseCase is one call of raise: scores (+Inf for the poems taken), a
// Gram row and a weight.
type raiseCase struct {
	name  string
	score []float64
	row   []float32
	w     float64
}

// raiseCases are calls of raise where a kernel could part from the
// portable code: lengths around the 8 lanes, the lowest score in the tail,
// ties within a lane and across lanes (the first index wins), taken poems,
// and a product that rounds (w·row is rounded before the add, never fused).
func raiseCases() []raiseCase {
	r := rand.New(rand.NewPCG(7, 8))
	random := func(name string, n int) raiseCase {
		c := raiseCase{name: name, score: make([]float64, n), row: make([]float32, n), w: 1 + r.Float64()}
		for p := range n {
			c.score[p], c.row[p] = r.NormFloat64(), float32(2*r.Float64()-1)
			if r.IntN(5) == 0 {
				c.score[p] = math.Inf(1)
			}
		}
		return c
	}
	var cs []raiseCase
	for _, n := range []int{1, 7, 8, 9, 16, 17, 203} {
		cs = append(cs, random("random", n))
	}
	tie := random("ties across lanes and in one lane", 40)
	for _, p := range []int{6, 9, 17, 22, 39} { // lanes 6, 1, 1, 6, 7: the lowest index in a later lane
		tie.score[p], tie.row[p] = -10, 0.5
	}
	tail := random("lowest in the tail", 21)
	tail.score[20], tail.row[20] = -100, 1
	taken := random("all taken but one", 19)
	for p := range taken.score {
		taken.score[p] = math.Inf(1)
	}
	taken.score[11] = 0
	rounds := raiseCase{name: "a product that rounds", score: []float64{0.1, 0.1 + 0x1p-55, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1},
		row: []float32{0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3}, w: 1.0 / 3}
	return append(cs, tie, tail, taken, rounds)
}

// TestKernels runs every raise kernel of this build against the portable
// code, on the same calls and on whole walks, and wants the same scores to
// the bit and the same choices. A vector kernel is skipped only where the
// CPU lacks its features (the skip says which); make test runs the package
// again built without vector code (GOEXPERIMENT=).
func TestKernels(t *testing.T) {
	cases := raiseCases()
	g := randomGram(203, 16)
	restore, err := Kernels.Use("portable")
	if err != nil {
		t.Fatal(err)
	}
	var walks [][]int32
	for anchor := range 20 {
		walks = append(walks, Different(g, anchor, g.N))
	}
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
			for _, c := range cases {
				want, got := slices.Clone(c.score), slices.Clone(c.score)
				wantLow, gotLow := raiseGeneric(want, c.row, c.w), raise(got, c.row, c.w)
				if gotLow != wantLow || !slices.EqualFunc(got, want, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
					t.Errorf("%s (n=%d): lowest %d, scores %v; the portable code: %d, %v", c.name, len(c.score), gotLow, got, wantLow, want)
				}
			}
			for anchor, want := range walks {
				if got := Different(g, anchor, g.N); !slices.Equal(got, want) {
					t.Fatalf("different/%d: %v, the portable code's walk %v", anchor, got, want)
				}
			}
		})
	}
}

// TestKernelsOfTheBuild: a build with vector code has every kernel, one
// without the portable code alone.
func TestKernelsOfTheBuild(t *testing.T) {
	want := []string{"portable"}
	if simdBuild {
		want = []string{"avx512", "portable"}
	}
	if got := Kernels.Names(); !slices.Equal(got, want) {
		t.Errorf("kernels %v, want %v", got, want)
	}
}
