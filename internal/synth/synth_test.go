package synth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGrows: the collection of n+k poems is the one of n with k poems more,
// line for line (one poem, one embedding a line), and another seed is
// another collection.
func TestGrows(t *testing.T) {
	lines := func(poems int, seed uint64) map[string][]string {
		dir := t.TempDir()
		if err := Write(dir, Options{Poems: poems, Dim: 8, TextBytes: 60, Clusters: 3, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		m := map[string][]string{}
		for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			m[name] = strings.Split(string(b), "\n")
		}
		return m
	}
	small, large, other := lines(20, 1), lines(23, 1), lines(20, 2)
	for name, l := range small {
		if name != "color_embeddings.json" && len(l) < 20 {
			t.Fatalf("%s has %d lines, not one a poem", name, len(l))
		}
		// The first line (metadata) and the poems but the last, whose line ends without a comma.
		for i := range len(l) - 3 {
			if large[name][i] != l[i] {
				t.Errorf("%s, line %d: the collection of 23 has %q, the one of 20 %q", name, i+1, large[name][i], l[i])
			}
		}
		if name != "color_embeddings.json" && other[name][2] == l[2] {
			t.Errorf("%s: seeds 1 and 2 give the same poem", name)
		}
	}
}
