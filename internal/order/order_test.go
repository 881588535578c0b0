package order_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"pagegen/internal/gram"
	"pagegen/internal/order"
	"pagegen/internal/order/ordertest"
)

// dot64 and cos64 are the reference's own (package ordertest).
var dot64, cos64 = ordertest.Dot, ordertest.Cos

func to64(vecs [][]float32) [][]float64 {
	out := make([][]float64, len(vecs))
	for i, v := range vecs {
		out[i] = make([]float64, len(v))
		for k, x := range v {
			out[i][k] = float64(x)
		}
	}
	return out
}

// refSimilar and refDifferent are the spec's orderings (package ordertest).
func refSimilar(e [][]float64, anchor int) []int32   { return int32s(ordertest.Similar(e, anchor)) }
func refDifferent(e [][]float64, anchor int) []int32 { return int32s(ordertest.Different(e, anchor)) }

func int32s(v []int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// ---- Exact references from the Gram matrix itself (same float32 inputs, same
// float64 operations), to check the sorting and tie-breaking bit for bit.

func gramSimilar(g order.Gram, anchor int) []int32 {
	row := g.Cos[anchor*g.N : (anchor+1)*g.N]
	var rest []int32
	for p := range g.N {
		if p != anchor {
			rest = append(rest, int32(p))
		}
	}
	sort.SliceStable(rest, func(i, j int) bool { return row[rest[i]] > row[rest[j]] })
	return append([]int32{int32(anchor)}, rest...)
}

// gramDifferent recomputes each candidate's score Σ_c |E[c]|·cos(E[c],E[p])
// from scratch at every step, summing over the chosen c in the order chosen.
func gramDifferent(g order.Gram, anchor int) []int32 {
	n := g.N
	seq := []int32{int32(anchor)}
	taken := make([]bool, n)
	taken[anchor] = true
	for len(seq) < n {
		best, low := -1, 0.0
		for p := range n {
			if taken[p] {
				continue
			}
			s := 0.0
			for _, c := range seq {
				// The conversion keeps the product rounded (no fused multiply-add).
				s += float64(g.Norms[c] * float64(g.Cos[int(c)*n+p]))
			}
			if best < 0 || s < low {
				best, low = p, s
			}
		}
		seq = append(seq, int32(best))
		taken[best] = true
	}
	return seq
}

// ---- Corpora.

type corpus struct {
	name string
	vecs [][]float32
}

func uniform(r *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for k := range v {
		v[k] = float32(2*r.Float64() - 1)
	}
	return v
}

func randomCorpus(seed uint64, n, d int) corpus {
	r := rand.New(rand.NewPCG(seed, 1))
	vecs := make([][]float32, n)
	for i := range vecs {
		vecs[i] = uniform(r, d)
	}
	return corpus{fmt.Sprintf("random/n=%d/d=%d", n, d), vecs}
}

// dupCorpus mixes base vectors with exact duplicates, scaled duplicates
// (2× and 0.5×: same direction, other norm, exactly representable) and
// negated copies, at positions both before and after their original.
func dupCorpus(seed uint64, n, d int) corpus {
	r := rand.New(rand.NewPCG(seed, 2))
	base := n / 3
	vecs := make([][]float32, 0, n)
	for range base {
		vecs = append(vecs, uniform(r, d))
	}
	for len(vecs) < n {
		src := vecs[r.IntN(base)]
		v := make([]float32, d)
		scale := []float32{1, 1, 2, 0.5, -1}[r.IntN(5)]
		for k, x := range src {
			v[k] = scale * x
		}
		vecs = append(vecs, v)
	}
	r.Shuffle(len(vecs), func(i, j int) { vecs[i], vecs[j] = vecs[j], vecs[i] })
	return corpus{fmt.Sprintf("duplicates/n=%d/d=%d", n, d), vecs}
}

// clusteredCorpus: k tight clusters around random centres, all in one
// half-space so that cosines are crowded near 1.
func clusteredCorpus(seed uint64, n, d, k int, spread float64) corpus {
	r := rand.New(rand.NewPCG(seed, 3))
	centres := make([][]float32, k)
	for c := range centres {
		centres[c] = uniform(r, d)
		centres[c][0] = 3
	}
	vecs := make([][]float32, n)
	for i := range vecs {
		c := centres[r.IntN(k)]
		v := make([]float32, d)
		for j := range v {
			v[j] = c[j] + float32(spread*r.NormFloat64())
		}
		vecs[i] = v
	}
	return corpus{fmt.Sprintf("clustered/n=%d/d=%d/k=%d/spread=%g", n, d, k, spread), vecs}
}

// integerCorpus: small integer coordinates, so that many distinct vectors
// have exactly equal cosines (equal dot products and norms), not just duplicates.
func integerCorpus(seed uint64, n, d int) corpus {
	r := rand.New(rand.NewPCG(seed, 4))
	vecs := make([][]float32, n)
	for i := range vecs {
		v := make([]float32, d)
		for j := range v {
			v[j] = float32(r.IntN(3) - 1)
		}
		vecs[i] = v
	}
	return corpus{fmt.Sprintf("integer/n=%d/d=%d", n, d), vecs}
}

// withZero puts a zero vector (cosine 0 with everything) at index i.
func withZero(c corpus, i int) corpus {
	c.vecs[i] = make([]float32, len(c.vecs[i]))
	c.name += fmt.Sprintf("/zero@%d", i)
	return c
}

func corpora() []corpus {
	return []corpus{
		randomCorpus(1, 1, 8),
		randomCorpus(2, 2, 8),
		randomCorpus(3, 3, 16),
		randomCorpus(4, 50, 32),
		randomCorpus(5, 200, 24),
		randomCorpus(6, 120, 64),
		dupCorpus(7, 3, 8),
		dupCorpus(8, 50, 8),
		dupCorpus(9, 200, 16),
		clusteredCorpus(10, 200, 32, 5, 0.05),
		clusteredCorpus(11, 60, 8, 3, 0.001),
		withZero(randomCorpus(12, 20, 8), 7),
		withZero(dupCorpus(13, 30, 8), 0),
		integerCorpus(14, 80, 8),
	}
}

func makeGram(vecs [][]float32) order.Gram {
	norms := gram.Norms(vecs)
	return order.Gram{N: len(vecs), Cos: gram.Matrix(vecs, norms), Norms: norms}
}

// checkPermutation: seq holds every index 0..n-1 once, the anchor first.
func checkPermutation(t *testing.T, what string, seq []int32, n, anchor int) {
	t.Helper()
	if len(seq) != n {
		t.Fatalf("%s: %d entries, want %d", what, len(seq), n)
	}
	if int(seq[0]) != anchor {
		t.Fatalf("%s: starts with %d, want the anchor %d", what, seq[0], anchor)
	}
	seen := make([]bool, n)
	for _, p := range seq {
		if p < 0 || int(p) >= n || seen[p] {
			t.Fatalf("%s: %d out of range or repeated in %v", what, p, seq)
		}
		seen[p] = true
	}
}

// identicalRows: the Gram rows of p and q are bit-identical, so an
// implementation working from the Gram has no excuse for not tying them.
func identicalRows(g order.Gram, p, q int) bool {
	return slices.EqualFunc(g.Row(p), g.Row(q), func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) })
}

// stats collects how often the implementation parted from the float64
// reference and by how much (in cosine units).
type stats struct {
	pages, mismatches int
	maxGap            float64
	maxGapRatio       float64 // gap / allowed tolerance
	where             string
}

func (s *stats) note(gap, tol float64, where string) {
	s.mismatches++
	if gap > s.maxGap || s.where == "" {
		s.maxGap, s.where = max(gap, s.maxGap), where
	}
	if tol > 0 {
		s.maxGapRatio = max(s.maxGapRatio, gap/tol)
	}
}

// score is S·E/|E|, |S| times cos(S, E), and 0 when |E| is 0 (the cosine
// is then 0).
func score(s, e []float64) float64 {
	n := math.Sqrt(dot64(e, e))
	if n == 0 {
		return 0
	}
	return dot64(s, e) / n
}

// f32err bounds the error of one stored cosine: float32 rounding (half an ulp,
// at most 2^-25 for |c| ≤ 1) plus the float64 error of the dot product, generously.
const f32err = 0x1p-24

// explainSimilar walks the implementation's order: each next poem must have a
// reference cosine no higher than the one before, except by rounding to float32
// (at most f32err), and exact ties between poems with identical Gram rows
// must go to the smaller index.
func explainSimilar(t *testing.T, what string, e [][]float64, g order.Gram, anchor int, seq []int32, st *stats) {
	t.Helper()
	for k := 1; k+1 < len(seq); k++ {
		a, b := int(seq[k]), int(seq[k+1])
		ca, cb := cos64(e[anchor], e[a]), cos64(e[anchor], e[b])
		switch {
		case ca > cb:
		case ca == cb && a < b:
		case ca == cb && identicalRows(g, a, b):
			t.Errorf("%s: rank %d: %d before %d although their cosines tie exactly (%.17g) and their Gram rows are identical", what, k, a, b, ca)
		case cb-ca <= f32err+1e-12:
			st.note(cb-ca, f32err+1e-12, fmt.Sprintf("%s rank %d: %d (cos %.17g) before %d (cos %.17g)", what, k, a, ca, b, cb))
		default:
			t.Errorf("%s: rank %d: %d (cos %.17g) before %d (cos %.17g), gap %.3g beyond float32 rounding", what, k, a, ca, b, cb, cb-ca)
		}
	}
}

// explainDifferent follows the implementation's choices and checks each one
// against cos(S, E[p]) computed from the vectors: it must be the reference
// minimum, or within what the float32 Gram can blur, and an exact tie
// between poems with identical Gram rows must go to the smaller index.
//
// The gap and its tolerance are in units of |S|·cos(S, E[p]) = S·E[p]/|E[p]|,
// the implementation's running score: each chosen c puts into a score an
// error of at most |E[c]|·f32err (its stored cosine, weighted by its norm),
// so two scores swap only within 2·f32err·Σ|E[c]|, and 1e-12·Σ|E[c]| more
// for the float64 sums. No division by |S|: a sum that cancels to zero
// (E and -E) makes every cosine 0, a gap of 0, and a finite tolerance.
func explainDifferent(t *testing.T, what string, e [][]float64, g order.Gram, seq []int32, st *stats) {
	t.Helper()
	n := len(e)
	s := slices.Clone(e[seq[0]])
	taken := make([]bool, n)
	taken[seq[0]] = true
	sumNorms := math.Sqrt(dot64(s, s))
	for k := 1; k < n; k++ {
		p := int(seq[k])
		best, low := -1, 0.0
		for q := range n {
			if taken[q] {
				continue
			}
			if c := cos64(s, e[q]); best < 0 || c < low {
				best, low = q, c
			}
		}
		if p != best {
			cp := cos64(s, e[p])
			gap := score(s, e[p]) - score(s, e[best])
			tol := sumNorms * (2*f32err + 1e-12)
			switch {
			case taken[p]:
				t.Fatalf("%s: step %d takes %d again", what, k, p)
			case cp == low && identicalRows(g, p, best):
				t.Errorf("%s: step %d: took %d but %d ties exactly (cos %.17g) with an identical Gram row and a smaller index", what, k, p, best, low)
			case gap <= tol:
				st.note(gap, tol, fmt.Sprintf("%s step %d: took %d (cos %.17g), reference %d (cos %.17g), tolerance %.3g", what, k, p, cp, best, low, tol))
			default:
				t.Errorf("%s: step %d: took %d (cos(S,E) %.17g) but %d is lower (%.17g): gap %.3g beyond float32 rounding (%.3g)", what, k, p, cp, best, low, gap, tol)
			}
		}
		taken[p] = true
		for j := range s {
			s[j] += e[p][j]
		}
		sumNorms += math.Sqrt(dot64(e[p], e[p]))
	}
}

func TestOrderings(t *testing.T) {
	for _, c := range corpora() {
		t.Run(c.name, func(t *testing.T) {
			var simStats, diffStats stats
			e := to64(c.vecs)
			g := makeGram(c.vecs)
			n := len(c.vecs)
			for anchor := range n {
				sim := order.Similar(g, anchor, g.N)
				what := fmt.Sprintf("similar/%d", anchor)
				checkPermutation(t, what, sim, n, anchor)
				if want := gramSimilar(g, anchor); !slices.Equal(sim, want) {
					t.Fatalf("%s: %v, sorting the Gram row gives %v", what, sim, want)
				}
				simStats.pages++
				if want := refSimilar(e, anchor); !slices.Equal(sim, want) {
					explainSimilar(t, what, e, g, anchor, sim, &simStats)
				}

				diff := order.Different(g, anchor, g.N)
				what = fmt.Sprintf("different/%d", anchor)
				checkPermutation(t, what, diff, n, anchor)
				if want := gramDifferent(g, anchor); !slices.Equal(diff, want) {
					t.Fatalf("%s: %v, recomputing the scores from the Gram gives %v", what, diff, want)
				}
				diffStats.pages++
				if want := refDifferent(e, anchor); !slices.Equal(diff, want) {
					explainDifferent(t, what, e, g, diff, &diffStats)
				}
			}
			for _, s := range []struct {
				name string
				st   stats
			}{{"similar", simStats}, {"different", diffStats}} {
				if s.st.mismatches > 0 {
					t.Logf("%s: %d pages, %d steps part from the float64 reference within float32 rounding; largest gap %.3g (%.2f of the tolerance) at %s",
						s.name, s.st.pages, s.st.mismatches, s.st.maxGap, s.st.maxGapRatio, s.st.where)
				}
			}
		})
	}
}

// TestTiesGoToSmallerIndex pins the tie rule on hand-made cases whose ties are exact.
func TestTiesGoToSmallerIndex(t *testing.T) {
	// 0 is the anchor; 1, 2 and 3 are the same direction (1 and 3 equal, 2
	// twice as long); 4 is opposite to 0; 5 is orthogonal to everything else.
	vecs := [][]float32{
		{1, 0, 0, 0},
		{1, 1, 0, 0},
		{2, 2, 0, 0},
		{1, 1, 0, 0},
		{-1, 0, 0, 0},
		{0, 0, 0, 3},
	}
	g := makeGram(vecs)
	if got, want := order.Similar(g, 0, g.N), []int32{0, 1, 2, 3, 5, 4}; !slices.Equal(got, want) {
		t.Errorf("similar/0 = %v, want %v", got, want)
	}
	if got, want := order.Similar(g, 3, g.N), []int32{3, 1, 2, 0, 5, 4}; !slices.Equal(got, want) {
		t.Errorf("similar/3 = %v, want %v", got, want)
	}
	// different/0: 4 (cos -1); then S = 0, every cosine is 0: the smallest, 1;
	// then S = E[1]: 2, 3 (cos 1) and 5 (cos 0): 5; then 2 and 3 tie exactly: 2.
	if got, want := order.Different(g, 0, g.N), []int32{0, 4, 1, 5, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("different/0 = %v, want %v", got, want)
	}
	e := to64(vecs)
	for anchor := range vecs {
		if got, want := order.Different(g, anchor, g.N), refDifferent(e, anchor); !slices.Equal(got, want) {
			t.Errorf("different/%d = %v, reference %v", anchor, got, want)
		}
		if got, want := order.Similar(g, anchor, g.N), refSimilar(e, anchor); !slices.Equal(got, want) {
			t.Errorf("similar/%d = %v, reference %v", anchor, got, want)
		}
	}
}

// TestAllEqual: when every poem is the same vector, both orders are the anchor
// then ascending index.
func TestAllEqual(t *testing.T) {
	vecs := make([][]float32, 40)
	for i := range vecs {
		vecs[i] = []float32{0.3, -0.7, 0.1}
	}
	g := makeGram(vecs)
	for anchor := range vecs {
		want := []int32{int32(anchor)}
		for p := range int32(len(vecs)) {
			if int(p) != anchor {
				want = append(want, p)
			}
		}
		if got := order.Similar(g, anchor, g.N); !slices.Equal(got, want) {
			t.Fatalf("similar/%d = %v, want %v", anchor, got, want)
		}
		if got := order.Different(g, anchor, g.N); !slices.Equal(got, want) {
			t.Fatalf("different/%d = %v, want %v", anchor, got, want)
		}
	}
}

// TestDoesNotModifyGram: the Gram is shared read-only by every page.
func TestDoesNotModifyGram(t *testing.T) {
	c := dupCorpus(21, 40, 8)
	g := makeGram(c.vecs)
	cos, norms := slices.Clone(g.Cos), slices.Clone(g.Norms)
	for anchor := range g.N {
		order.Similar(g, anchor, g.N)
		order.Different(g, anchor, g.N)
	}
	if !slices.Equal(cos, g.Cos) || !slices.Equal(norms, g.Norms) {
		t.Fatal("the orderings modified the Gram matrix or the norms")
	}
}

var sink []int32

func benchGram(b *testing.B) order.Gram {
	b.Helper()
	c := randomCorpus(42, 2000, 256)
	return makeGram(c.vecs)
}

func BenchmarkSimilar(b *testing.B) {
	g := benchGram(b)
	i := 0
	for b.Loop() {
		sink = order.Similar(g, i%g.N, g.N)
		i++
	}
}

func BenchmarkDifferent(b *testing.B) {
	g := benchGram(b)
	i := 0
	for b.Loop() {
		sink = order.Different(g, i%g.N, g.N)
		i++
	}
}

// TestPrefixes checks that a capped ordering is exactly the start of the whole
// one, for every cap, on both sides of the switch from sorting to selection.
func TestPrefixes(t *testing.T) {
	for _, c := range corpora() {
		g := makeGram(c.vecs)
		for anchor := 0; anchor < g.N; anchor += max(1, g.N/7) {
			sim, diff := order.Similar(g, anchor, g.N), order.Different(g, anchor, g.N)
			for _, limit := range []int{0, 1, 2, 3, g.N/4 - 1, g.N / 4, g.N - 1, g.N, g.N + 5} {
				want := min(max(limit, 1), g.N)
				if got := order.Similar(g, anchor, limit); !slices.Equal(got, sim[:want]) {
					t.Fatalf("%s: similar/%d capped at %d: %v, want %v", c.name, anchor, limit, got, sim[:want])
				}
				if got := order.Different(g, anchor, limit); !slices.Equal(got, diff[:want]) {
					t.Fatalf("%s: different/%d capped at %d: %v, want %v", c.name, anchor, limit, got, diff[:want])
				}
			}
		}
	}
}

// The capped orderings at the upstream scale's usual cap (6 chapters of 100).
func BenchmarkSimilar600(b *testing.B) {
	g := benchGram(b)
	i := 0
	for b.Loop() {
		sink = order.Similar(g, i%g.N, 600)
		i++
	}
}

func BenchmarkDifferent600(b *testing.B) {
	g := benchGram(b)
	i := 0
	for b.Loop() {
		sink = order.Different(g, i%g.N, 600)
		i++
	}
}

// without is g with poem x taken out: the same cosines, poems after x one
// index lower, as a collection without x would have them.
func without(g order.Gram, x int) order.Gram {
	n := g.N - 1
	h := order.Gram{N: n, Cos: make([]float32, 0, n*n), Norms: slices.Delete(slices.Clone(g.Norms), x, x+1)}
	for i := range g.N {
		if i != x {
			h.Cos = append(h.Cos, slices.Delete(slices.Clone(g.Row(i)), x, x+1)...)
		}
	}
	return h
}

// TestNewPoem checks Enters and WouldTake, what the build asks to know
// whether a new poem changes a capped ordering, against the orderings laid
// out again with the poem: for every corpus (ties, duplicates, zero
// vectors), poem, anchor and cap, they say yes exactly when the capped
// ordering with the poem differs from the one without it, and WouldTake
// names the step where the two walks part.
func TestNewPoem(t *testing.T) {
	checked, entered, taken := 0, 0, 0
	for _, c := range corpora() {
		g := makeGram(c.vecs)
		for x := 0; x < g.N; x += max(1, g.N/9) {
			h := without(g, x)
			at := func(p int32) int32 { // from h's indices to g's
				if int(p) >= x {
					return p + 1
				}
				return p
			}
			for anchor := 0; anchor < g.N; anchor += max(1, g.N/11) {
				if anchor == x {
					continue
				}
				ha := anchor
				if anchor > x {
					ha--
				}
				for _, limit := range []int{1, 2, 5, g.N / 3, g.N - 1} {
					if limit < 1 || limit > h.N {
						continue
					}
					checked++
					sim, seq := order.Similar(g, anchor, limit), order.Similar(h, ha, limit)
					mapped := make([]int32, len(seq))
					for i, p := range seq {
						mapped[i] = at(p)
					}
					if got, want := order.Enters(g, mapped, x), !slices.Equal(sim, mapped); got != want {
						t.Fatalf("%s: similar/%d capped at %d, poem %d added: Enters says %v, the ordering changed: %v", c.name, anchor, limit, x, got, want)
					} else if got {
						entered++
					}
					walk := order.Different(g, anchor, limit)
					hseq, wins := order.Walk(h, ha, limit)
					for i, p := range hseq {
						hseq[i] = at(p)
					}
					step, took := order.WouldTake(g, hseq, wins, x)
					parted := slices.IndexFunc(walk, func(p int32) bool { return p == int32(x) })
					if took != (parted >= 0) || (took && step != parted) {
						t.Fatalf("%s: different/%d capped at %d, poem %d added: WouldTake says step %d (%v); the walk with it takes it at %d", c.name, anchor, limit, x, step, took, parted)
					}
					if took {
						taken++
					} else if !slices.Equal(walk, hseq) {
						t.Fatalf("%s: different/%d capped at %d: poem %d not taken, yet the walk changed", c.name, anchor, limit, x)
					}
				}
			}
		}
	}
	// The cases must include both answers, or the test proves nothing.
	if entered == 0 || taken == 0 || entered == checked || taken == checked {
		t.Fatalf("%d cases: the poem entered %d similar orderings and was taken by %d walks: want some of each, and not all", checked, entered, taken)
	}
	t.Logf("%d cases: entered %d similar orderings, taken by %d walks", checked, entered, taken)
}

// TestWalkWins checks that Walk's winning scores are the scores the spec's
// walk gives each pick when it takes it.
func TestWalkWins(t *testing.T) {
	for _, c := range corpora() {
		g := makeGram(c.vecs)
		for anchor := 0; anchor < g.N; anchor += max(1, g.N/5) {
			seq, wins := order.Walk(g, anchor, g.N)
			if !slices.Equal(seq, order.Different(g, anchor, g.N)) || len(wins) != len(seq) || wins[0] != 0 {
				t.Fatalf("%s: Walk from %d is not Different's walk, or its wins are not one per pick", c.name, anchor)
			}
			for s := 1; s < len(seq); s++ {
				want := 0.0
				for _, ch := range seq[:s] {
					want += float64(g.Norms[ch] * float64(g.Row(int(ch))[seq[s]]))
				}
				if wins[s] != want {
					t.Fatalf("%s: walk from %d, step %d: win %v, the sum of the rows taken is %v", c.name, anchor, s, wins[s], want)
				}
			}
		}
	}
}
