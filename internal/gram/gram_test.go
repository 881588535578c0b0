package gram

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// randVec is a vector of d values uniform in [-1, 1).
func randVec(r *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for k := range v {
		v[k] = float32(2*r.Float64() - 1)
	}
	return v
}

// exactDot is a·b computed exactly (each float32 product is exact in float64,
// and the sum is exact in a wide big.Float), rounded once to float64.
func exactDot(a, b []float32) float64 {
	sum := new(big.Float).SetPrec(2048)
	for k := range a {
		p := float64(a[k]) * float64(b[k]) // exact: 24+24 bits fit in 53
		sum.Add(sum, new(big.Float).SetPrec(2048).SetFloat64(p))
	}
	f, _ := sum.Float64()
	return f
}

// naiveDot is a plain sequential float64 sum.
func naiveDot(a, b []float32) float64 {
	s := 0.0
	for k := range a {
		s += float64(a[k]) * float64(b[k])
	}
	return s
}

func TestDotMatchesFloat64Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 768, 769} {
		for trial := range 20 {
			a, b := randVec(r, d), randVec(r, d)
			if trial%4 == 3 { // no cancellation: all positive
				for k := range a {
					a[k], b[k] = float32(math.Abs(float64(a[k]))), float32(math.Abs(float64(b[k])))
				}
			}
			got, exact, naive := Dot(a, b), exactDot(a, b), naiveDot(a, b)
			if !closeRel(got, exact, 1e-12) {
				t.Errorf("d=%d trial %d: Dot = %.17g, exact %.17g (rel err %.3g)", d, trial, got, exact, relErr(got, exact))
			}
			if !closeRel(got, naive, 1e-12) {
				t.Errorf("d=%d trial %d: Dot = %.17g, naive float64 sum %.17g (rel err %.3g)", d, trial, got, naive, relErr(got, naive))
			}
			if rev := Dot(b, a); math.Float64bits(rev) != math.Float64bits(got) {
				t.Errorf("d=%d trial %d: Dot(a,b) = %.17g but Dot(b,a) = %.17g", d, trial, got, rev)
			}
		}
	}
}

// TestDotExactSmallIntegers: integer-valued vectors have an exactly
// representable dot product, which every summation order must hit.
func TestDotExactSmallIntegers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 7, 8, 9, 768, 769} {
		a, b := make([]float32, d), make([]float32, d)
		want := int64(0)
		for k := range a {
			x, y := r.IntN(201)-100, r.IntN(201)-100
			a[k], b[k] = float32(x), float32(y)
			want += int64(x * y)
		}
		if got := Dot(a, b); got != float64(want) {
			t.Errorf("d=%d: Dot = %v, want %d", d, got, want)
		}
	}
}

// TestDotIgnoresTailOfB: b may be longer than a; only len(a) elements count.
func TestDotIgnoresTailOfB(t *testing.T) {
	a := []float32{1, 2, 3}
	b := []float32{4, 5, 6, 1000}
	if got := Dot(a, b); got != 32 {
		t.Errorf("Dot = %v, want 32", got)
	}
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), math.SmallestNonzeroFloat64)
}

func closeRel(got, want, tol float64) bool {
	if want == 0 {
		return math.Abs(got) <= tol
	}
	return relErr(got, want) <= tol
}

func TestNormsAndCosine(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	vecs := [][]float32{randVec(r, 9), make([]float32, 9), randVec(r, 9)}
	norms := Norms(vecs)
	if len(norms) != len(vecs) {
		t.Fatalf("Norms: %d norms for %d vectors", len(norms), len(vecs))
	}
	for i, v := range vecs {
		want := math.Sqrt(exactDot(v, v))
		if !closeRel(norms[i], want, 1e-12) {
			t.Errorf("norm %d = %.17g, want %.17g", i, norms[i], want)
		}
	}
	if norms[1] != 0 {
		t.Fatalf("norm of the zero vector = %v", norms[1])
	}
	// 0 when a norm is 0, whatever the vectors are.
	if c := Cosine(vecs[0], vecs[1], norms[0], norms[1]); c != 0 {
		t.Errorf("cos with a zero vector = %v, want 0", c)
	}
	if c := Cosine(vecs[1], vecs[1], 0, 0); c != 0 {
		t.Errorf("cos of the zero vector with itself = %v, want 0", c)
	}
	if c := Cosine(vecs[0], vecs[2], 0, norms[2]); c != 0 {
		t.Errorf("cos with a norm given as 0 = %v, want 0", c)
	}
	want := exactDot(vecs[0], vecs[2]) / (math.Sqrt(exactDot(vecs[0], vecs[0])) * math.Sqrt(exactDot(vecs[2], vecs[2])))
	if c := Cosine(vecs[0], vecs[2], norms[0], norms[2]); !closeRel(c, want, 1e-12) {
		t.Errorf("cos = %.17g, want %.17g", c, want)
	}
	// Opposite and scaled vectors.
	neg, dbl := make([]float32, 9), make([]float32, 9)
	for k, x := range vecs[0] {
		neg[k], dbl[k] = -x, 2*x
	}
	nn := Norms([][]float32{neg, dbl})
	if c := Cosine(vecs[0], neg, norms[0], nn[0]); math.Abs(c+1) > 1e-12 {
		t.Errorf("cos(v, -v) = %.17g, want -1", c)
	}
	if c := Cosine(vecs[0], dbl, norms[0], nn[1]); math.Abs(c-1) > 1e-12 {
		t.Errorf("cos(v, 2v) = %.17g, want 1", c)
	}
}

// corpus returns n vectors of dimension d; every fifth vector duplicates an
// earlier one exactly, so identical rows can be checked.
func corpus(seed uint64, n, d int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	vecs := make([][]float32, n)
	for i := range vecs {
		if i%5 == 4 {
			vecs[i] = append([]float32(nil), vecs[r.IntN(i)]...)
			continue
		}
		vecs[i] = randVec(r, d)
	}
	return vecs
}

func withProcs(p int, f func()) {
	old := runtime.GOMAXPROCS(p)
	defer runtime.GOMAXPROCS(old)
	f()
}

func sameBits(a, b []float32) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for k := range a {
		if math.Float32bits(a[k]) != math.Float32bits(b[k]) {
			return k, false
		}
	}
	return 0, true
}

func TestMatrix(t *testing.T) {
	for _, n := range []int{0, 1, 2, 31, 32, 33, 63, 64, 65, 70} {
		for _, d := range []int{1, 9, 48} {
			t.Run(fmt.Sprintf("n=%d/d=%d", n, d), func(t *testing.T) {
				vecs := corpus(uint64(n*1000+d), n, d)
				norms := Norms(vecs)
				var g1, g2, g4 []float32
				withProcs(1, func() { g1 = Matrix(vecs, norms) })
				withProcs(2, func() { g2 = Matrix(vecs, norms) })
				withProcs(4, func() { g4 = Matrix(vecs, norms) })
				if len(g1) != n*n {
					t.Fatalf("Matrix has %d entries, want %d", len(g1), n*n)
				}
				if k, ok := sameBits(g1, g2); !ok {
					t.Fatalf("GOMAXPROCS 1 and 2 differ at entry %d", k)
				}
				if k, ok := sameBits(g1, g4); !ok {
					t.Fatalf("GOMAXPROCS 1 and 4 differ at entry %d", k)
				}
				g := g1
				for i := range n {
					if c := g[i*n+i]; math.Abs(float64(c)-1) > 1e-6 {
						t.Errorf("diagonal %d = %v, want ~1", i, c)
					}
					for j := range n {
						c := g[i*n+j]
						if math.Float32bits(c) != math.Float32bits(g[j*n+i]) {
							t.Fatalf("not symmetric at (%d,%d): %v vs %v", i, j, c, g[j*n+i])
						}
						want := float32(Cosine(vecs[i], vecs[j], norms[i], norms[j]))
						if math.Float32bits(c) != math.Float32bits(want) {
							t.Fatalf("(%d,%d) = %v, Cosine gives %v", i, j, c, want)
						}
						if c < -1-1e-6 || c > 1+1e-6 {
							t.Fatalf("(%d,%d) = %v, outside [-1, 1]", i, j, c)
						}
					}
				}
				// Identical vectors give identical rows, bit for bit.
				for i := range n {
					for j := i + 1; j < n; j++ {
						if _, eq := sameBits(vecs[i], vecs[j]); !eq {
							continue
						}
						if k, ok := sameBits(g[i*n:(i+1)*n], g[j*n:(j+1)*n]); !ok {
							t.Errorf("vectors %d and %d are identical but their rows differ at column %d", i, j, k)
						}
					}
				}
			})
		}
	}
}

// TestMatrixZeroVector: a zero vector's row and column are all 0, its diagonal too.
func TestMatrixZeroVector(t *testing.T) {
	vecs := corpus(7, 40, 16)
	vecs[33] = make([]float32, 16)
	norms := Norms(vecs)
	g := Matrix(vecs, norms)
	n := len(vecs)
	for j := range n {
		if g[33*n+j] != 0 || g[j*n+33] != 0 {
			t.Fatalf("zero vector: g[33][%d] = %v, g[%d][33] = %v, want 0", j, g[33*n+j], j, g[j*n+33])
		}
	}
}

// TestMatrixManyProcs: more workers than blocks, and a large enough n for
// the workers to race for jobs.
func TestMatrixManyProcs(t *testing.T) {
	vecs := corpus(11, 300, 24)
	norms := Norms(vecs)
	var g1, g8 []float32
	withProcs(1, func() { g1 = Matrix(vecs, norms) })
	withProcs(8, func() { g8 = Matrix(vecs, norms) })
	if k, ok := sameBits(g1, g8); !ok {
		t.Fatalf("GOMAXPROCS 1 and 8 differ at entry %d", k)
	}
	small := vecs[:3]
	var s1, s8 []float32
	withProcs(1, func() { s1 = Matrix(small, norms[:3]) })
	withProcs(8, func() { s8 = Matrix(small, norms[:3]) })
	if k, ok := sameBits(s1, s8); !ok {
		t.Fatalf("n=3: GOMAXPROCS 1 and 8 differ at entry %d", k)
	}
}

func BenchmarkDot768(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randVec(r, 768), randVec(r, 768)
	var s float64
	for b.Loop() {
		s += Dot(x, y)
	}
	_ = s
}

func BenchmarkMatrix(b *testing.B) {
	vecs := corpus(1, 1000, 256)
	norms := Norms(vecs)
	for b.Loop() {
		Matrix(vecs, norms)
	}
}

// TestUpdate: the matrix of a collection that gained, lost, reordered and
// duplicated vectors since an earlier one, its kept cosines copied from
// that one, is bit for bit the matrix computed whole, whatever the workers.
func TestUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name        string
		oldN, fresh int
	}{{"nothing new", 50, 0}, {"one new", 50, 1}, {"ten new", 70, 10}, {"all new", 20, 20}, {"empty before", 0, 9}} {
		t.Run(tc.name, func(t *testing.T) {
			old := corpus(uint64(tc.oldN+1), tc.oldN, 24)
			if tc.oldN > 5 {
				old[3] = make([]float32, 24) // a zero vector
				old[4] = old[2]              // a duplicate
			}
			oldG := Matrix(old, Norms(old))
			// The new collection: the old vectors but a few, shuffled, and the fresh ones among them.
			var vecs [][]float32
			var from []int
			for i := range old {
				if i%7 != 5 {
					vecs, from = append(vecs, old[i]), append(from, i)
				}
			}
			for range tc.fresh {
				at := r.IntN(len(vecs) + 1)
				vecs = slices.Insert(vecs, at, randVec(r, 24))
				from = slices.Insert(from, at, -1)
			}
			r.Shuffle(len(vecs), func(i, j int) { vecs[i], vecs[j] = vecs[j], vecs[i]; from[i], from[j] = from[j], from[i] })
			norms := Norms(vecs)
			want := Matrix(vecs, norms)
			for _, procs := range []int{1, 3} {
				var got []float32
				withProcs(procs, func() { got = Update(vecs, norms, oldG, tc.oldN, from) })
				if k, ok := sameBits(got, want); !ok || len(got) != len(want) {
					t.Fatalf("GOMAXPROCS %d: %d entries, want %d; first difference at %d", procs, len(got), len(want), k)
				}
			}
		})
	}
}
