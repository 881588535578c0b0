package pack_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"pagegen/internal/corpus"
	"pagegen/internal/input"
	"pagegen/internal/pack"
	"pagegen/internal/pack/packtest"
)

// packBytes is the packed file of contents.
func packBytes(t *testing.T, contents *corpus.Contents) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := corpus.Write(&b, contents); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestKeep packs a collection after each kind of edit twice, from scratch
// and keeping what the corpus packed before holds, and checks that both give
// the same file, having kept what was unchanged and no more.
func TestKeep(t *testing.T) {
	read := func() *input.Corpus {
		dir := filepath.Join("testdata", "tiny")
		c, err := input.Read(input.Options{Poems: filepath.Join(dir, "poems.json"), Embeddings: filepath.Join(dir, "embeddings.json"),
			Colors: filepath.Join(dir, "color_embeddings.json")})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := read()
	prevContents, _ := pack.Contents(before, corpus.Fingerprint{1}, nil)
	prev, err := corpus.Open(packtest.Write(t, prevContents))
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	n := len(before.Poems)
	for _, tc := range []struct {
		name          string
		edit          func(c *input.Corpus)
		rows, entries int // kept
	}{
		{"nothing", func(*input.Corpus) {}, n, n},
		{"a typo", func(c *input.Corpus) { c.Poems[2].Content += "!" }, n, n - 1},
		{"a new vector", func(c *input.Corpus) {
			c.Poems[1].Vector = slices.Clone(c.Poems[1].Vector)
			c.Poems[1].Vector[0] += 0.25
		}, n - 1, -1}, // its colour may change with it: not checked
		// The poems have their poem_index: no other poem is renumbered.
		{"a poem taken out", func(c *input.Corpus) {
			c.Poems = slices.Delete(c.Poems, 3, 4)
		}, n - 1, n - 1},
		{"a poem added, last", func(c *input.Corpus) {
			p := c.Poems[0]
			p.N, p.ID, p.Content = c.Poems[len(c.Poems)-1].N+1, 99, "a new poem"
			p.Vector = slices.Clone(p.Vector)
			p.Vector[1] -= 0.5
			c.Poems = append(c.Poems, p)
		}, n, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := read()
			tc.edit(c)
			fresh, _ := pack.Contents(c, corpus.Fingerprint{2}, nil)
			keeping, timing := pack.Contents(c, corpus.Fingerprint{2}, prev)
			if !bytes.Equal(packBytes(t, fresh), packBytes(t, keeping)) {
				t.Fatal("the corpus packed keeping what it could differs from the one packed from scratch")
			}
			if timing.KeptRows != tc.rows || (tc.entries >= 0 && timing.KeptEntries != tc.entries) {
				t.Errorf("kept the cosines of %d and the HTML of %d poems, want %d and %d", timing.KeptRows, timing.KeptEntries, tc.rows, tc.entries)
			}
		})
	}
}
