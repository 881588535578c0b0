package synth

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGrows: the collection of n+k poems is the one of n with k poems more,
// entry for entry (one poem, one embedding a line), with the same colours,
// and another seed is another collection.
func TestGrows(t *testing.T) {
	files := func(poems int, seed uint64) map[string][]string {
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
	// entries are a file's lines of poems or vectors, without the comma
	// that the last one lacks.
	entries := func(lines []string) []string {
		var e []string
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), `{"id"`) {
				e = append(e, strings.TrimSuffix(l, ","))
			}
		}
		return e
	}
	small, large, other := files(20, 1), files(23, 1), files(20, 2)
	if !slices.Equal(small["color_embeddings.json"], large["color_embeddings.json"]) {
		t.Errorf("the colours of the collections of 20 and 23 differ")
	}
	for _, name := range []string{"poems.json", "embeddings.json"} {
		s, l, o := entries(small[name]), entries(large[name]), entries(other[name])
		if len(s) != 20 || len(l) != 23 {
			t.Fatalf("%s has %d and %d entries, not one a poem", name, len(s), len(l))
		}
		if !slices.Equal(l[:20], s) {
			t.Errorf("%s: the first 20 entries of the collection of 23 are not those of the collection of 20:\n%q\n%q", name, l[:20], s)
		}
		if o[0] == s[0] {
			t.Errorf("%s: seeds 1 and 2 give the same poem", name)
		}
	}
	if small["poems.json"][0] != large["poems.json"][0] {
		t.Errorf("poems.json: the metadata of the collections of 20 and 23 differ")
	}
}
