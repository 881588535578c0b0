package input_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pagegen/internal/input"
)

func join(pieces [][]byte) []byte { return bytes.Join(pieces, nil) }

// TestWriteReadBack: what is written reads back, through the reader corpus-pack
// uses, as the same float32 vectors, with a failed poem's error.
func TestWriteReadBack(t *testing.T) {
	dir := t.TempDir()
	poems := `{"poems": [
		{"id": 1, "category": "notes", "content": "a", "poem_index": 1},
		{"id": 1, "category": "fediverse", "content": "b", "poem_index": 2},
		{"id": 2, "category": "notes", "content": "c", "poem_index": 3}]}`
	vecs := [][]float32{
		{0.1, -2.5e-7, math.MaxFloat32, -0},
		nil,
		{1, 2, 3, math.SmallestNonzeroFloat32},
	}
	entries := []input.EmbeddingEntry{
		{ID: 1, PoemIndex: 1, Vector: vecs[0]},
		{ID: 1, PoemIndex: 2, Err: "HTTP 500: \"out of memory\" <GPU>\n"},
		{ID: 2, PoemIndex: 3, Vector: vecs[2]},
	}
	meta := input.EmbeddingsMeta{Generator: input.EmbedGenerator, Model: `gemma "quoted"`, Dimension: 4}
	var names []string
	var colors [][]float32
	for i, c := range input.Palette {
		names = append(names, c.Name)
		colors = append(colors, []float32{float32(i + 1), 1, 0, 0.25})
	}
	files := map[string][]byte{
		"poems.json":            []byte(poems),
		"embeddings.json":       join(input.EmbeddingsFile(meta, entries)),
		"color_embeddings.json": join(input.ColorEmbeddingsFile(meta, names, colors)),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if name != "poems.json" && !bytes.HasPrefix(data, []byte(input.EmbeddingsMark)) {
			t.Errorf("%s does not begin with the mark:\n%s", name, data)
		}
	}
	c, err := input.Read(input.Options{Poems: filepath.Join(dir, "poems.json"), Embeddings: filepath.Join(dir, "embeddings.json"),
		Colors: filepath.Join(dir, "color_embeddings.json"), AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != meta.Model || c.Dimension != 4 || len(c.Poems) != 2 || len(c.Missing) != 1 || c.Missing[0].N != 2 {
		t.Fatalf("read model %q, dimension %d, %d poems, missing %v", c.Model, c.Dimension, len(c.Poems), c.Missing)
	}
	for i, want := range [][]float32{vecs[0], vecs[2]} {
		if !slices.Equal(c.Poems[i].Vector, want) {
			t.Errorf("poem %d read back as %v, want %v", c.Poems[i].N, c.Poems[i].Vector, want)
		}
	}
	for i := range colors {
		if !slices.Equal(c.Colors[i], colors[i]) {
			t.Errorf("colour %s read back as %v, want %v", names[i], c.Colors[i], colors[i])
		}
	}
	// Without ALLOW_MISSING the reader quotes the error.
	_, err = input.Read(input.Options{Poems: filepath.Join(dir, "poems.json"), Embeddings: filepath.Join(dir, "embeddings.json")})
	if err == nil || !strings.Contains(err.Error(), `out of memory`) || !strings.Contains(err.Error(), "2 fediverse/1") {
		t.Errorf("reading without ALLOW_MISSING: %v; want the poem and its error", err)
	}
}

// TestWriteLayout: the format, byte for byte: one entry a line, no poem_index
// for a poem without one, the same bytes for the same vectors.
func TestWriteLayout(t *testing.T) {
	got := string(join(input.EmbeddingsFile(input.EmbeddingsMeta{Generator: input.EmbedGenerator, Model: "m", Dimension: 2}, []input.EmbeddingEntry{{ID: 7, Vector: []float32{0.5, -1e-5}}, {ID: 8, Err: "timeout"}})))
	want := `{
  "metadata": {
    "generator": "pagegen make embeddings",
    "embedding_model": "m",
    "embedding_dimension": 2,
    "count": 2,
    "failed": 1,
    "input": "each poem's content, exactly"
  },
  "embeddings": [
    {"id":7,"embedding":[0.5,-1e-05]},
    {"id":8,"error":"timeout"}
  ]
}
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = string(join(input.ColorEmbeddingsFile(input.EmbeddingsMeta{Generator: input.EmbedGenerator, Model: "m", Dimension: 1}, []string{"red", "blue"}, [][]float32{{1}, {2}})))
	if !strings.HasSuffix(got, "  \"embeddings\": {\n    \"red\": [1],\n    \"blue\": [2]\n  }\n}\n") || !strings.Contains(got, `"input": "the bare colour word"`) {
		t.Errorf("colours:\n%s", got)
	}
}
