// Package synth makes synthetic collections at any scale, in the upstream JSON
// formats (the embeddings files written by package input, as make embeddings
// writes them), for benchmarks and large tests: deterministic for a seed,
// with clustered unit vectors (as real embeddings are) and poem-like text.
// Each poem is drawn from a random stream of its own, so that a collection of
// n+k poems is the one of n with k poems more: a collection that grows.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"pagegen/internal/input"
)

// Version names the collections Write makes: raise it with any change to
// what a seed gives, so that a collection kept from an earlier run is made
// anew.
const Version = 3

// Options size the collection.
type Options struct {
	Poems     int    // number of poems
	Dim       int    // embedding dimension
	TextBytes int    // mean length of a poem's text
	Clusters  int    // number of topics the vectors gather around
	Seed      uint64 // same seed, same files
}

var categories = []string{"fediverse", "messages", "notes"}

var words = strings.Fields(`light dark river stone window morning night rain snow
	bird wing tree leaf root salt sea shore wave hand mouth breath heart bone
	blood silence voice name door road city field garden fire ash smoke glass
	mirror shadow moon sun star cloud wind dust paper ink letter kitchen bread
	honey milk winter summer autumn spring hour year memory dream sleep waking
	mother father child friend stranger lover small quiet slow bright cold warm
	broken open closed falling rising waiting leaving returning burning holding
	and the a of in on under over through between without toward after before`)

// Write writes poems.json, embeddings.json and color_embeddings.json into dir.
func Write(dir string, opt Options) error {
	if opt.Poems < 1 || opt.Dim < 1 {
		return fmt.Errorf("synthetic corpus needs at least one poem and one dimension")
	}
	opt.Clusters = max(opt.Clusters, 1)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	ids := poemIDs(opt) // the embeddings' entries name their poems' ids
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"poems.json", func(w io.Writer) error { return writePoems(w, opt, ids) }},
		{"embeddings.json", func(w io.Writer) error { return writeEmbeddings(w, opt, ids) }},
		{"color_embeddings.json", func(w io.Writer) error { return writeColors(w, opt) }},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Streams of random numbers: one per poem for its text, one per poem for its
// vector, one for the topics' centres and one for the colours.
const (
	textStream = iota << 32
	vectorStream
	centreStream
	colorStream
)

// stream is the random stream k of the seed.
func stream(opt Options, k uint64) *rand.Rand {
	return rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15^k))
}

// generator names synth in the metadata of its files.
const generator = "pagegen synth"

// poemStart is the random stream of poem i's text, and the poem's category,
// the first thing drawn from it.
func poemStart(opt Options, i int) (*rand.Rand, string) {
	rng := stream(opt, textStream+uint64(i))
	return rng, categories[rng.IntN(len(categories))]
}

// poemIDs are the poems' ids, numbered from 1 within each category.
func poemIDs(opt Options) []int64 {
	ids := make([]int64, opt.Poems)
	last := map[string]int64{}
	for i := range ids {
		_, cat := poemStart(opt, i)
		last[cat]++
		ids[i] = last[cat]
	}
	return ids
}

func writePoems(w io.Writer, opt Options, ids []int64) error {
	start := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintf(w, "{\"metadata\": {\"generator\": %q, \"seed\": %d},\n\"poems\": [\n", generator, opt.Seed)
	for i := range opt.Poems {
		rng, cat := poemStart(opt, i)
		date := start.Add(time.Duration(rng.Int64N(int64(7 * 365 * 24 * time.Hour))))
		golden := rng.IntN(50) == 0
		text := poemText(rng, opt.TextBytes, golden)
		var extra strings.Builder
		if rng.IntN(40) == 0 {
			fmt.Fprintf(&extra, ", \"content_warning\": %s", strconv.Quote(words[rng.IntN(len(words))]))
		}
		if golden {
			extra.WriteString(`, "metadata": {"is_golden_poem": true}`)
		}
		sep := ","
		if i == opt.Poems-1 {
			sep = ""
		}
		_, err := fmt.Fprintf(w, "{\"id\": %d, \"category\": %q, \"poem_index\": %d, \"creation_date\": %q, \"content\": %s%s}%s\n",
			ids[i], cat, i+1, date.Format("2006-01-02T15:04:05Z"), strconv.Quote(text), extra.String(), sep)
		if err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}

// poemText makes short lines of words, about size bytes in all (exactly 1024
// characters for a golden poem, the form the poet writes in).
func poemText(rng *rand.Rand, size int, golden bool) string {
	target := size/2 + rng.IntN(size+1)
	if golden {
		target = 1024
	}
	var b strings.Builder
	for b.Len() < target {
		line := 3 + rng.IntN(8)
		for k := range line {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		b.WriteByte('\n')
	}
	s := strings.TrimSpace(b.String())
	if golden {
		s = (s + strings.Repeat(" ", 1024))[:1024]
	}
	return s
}

// unit is a random direction, or the centre plus noise when centre is given.
func unit(rng *rand.Rand, dim int, centre []float64, noise float64) []float64 {
	v := make([]float64, dim)
	norm := 0.0
	for k := range v {
		v[k] = rng.NormFloat64() * noise
		if centre != nil {
			v[k] += centre[k]
		}
		norm += v[k] * v[k]
	}
	for k := range v {
		v[k] /= math.Sqrt(norm)
	}
	return v
}

// float32s is v rounded to six decimals, about as many as a real model's
// file has, so that the file is about the size of one of theirs.
func float32s(v []float64) []float32 {
	f := make([]float32, len(v))
	for k, x := range v {
		f[k] = float32(math.Round(x*1e6) / 1e6)
	}
	return f
}

// meta is what the embeddings files say of the vectors.
func meta(opt Options) input.EmbeddingsMeta {
	return input.EmbeddingsMeta{Generator: generator, Model: "synthetic", Dimension: opt.Dim}
}

func writeEmbeddings(w io.Writer, opt Options, ids []int64) error {
	centres := make([][]float64, opt.Clusters)
	crng := stream(opt, centreStream)
	for c := range centres {
		centres[c] = unit(crng, opt.Dim, nil, 1)
	}
	// Noise per coordinate so that a poem's distance to its centre is about 0.7.
	noise := 0.7 / math.Sqrt(float64(opt.Dim))
	// A line at a time: a collection at any scale in little memory.
	if _, err := w.Write(input.EmbeddingsHead(meta(opt), opt.Poems, 0)); err != nil {
		return err
	}
	for i := range opt.Poems {
		rng := stream(opt, vectorStream+uint64(i))
		v := unit(rng, opt.Dim, centres[rng.IntN(opt.Clusters)], noise)
		e := input.EmbeddingEntry{ID: ids[i], PoemIndex: int64(i + 1), Vector: float32s(v)}
		if _, err := w.Write(input.EmbeddingLine(e, i, opt.Poems)); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, input.EmbeddingsEnd)
	return err
}

func writeColors(w io.Writer, opt Options) error {
	rng := stream(opt, colorStream)
	names := make([]string, len(input.Palette))
	vecs := make([][]float32, len(input.Palette))
	for i, c := range input.Palette {
		names[i] = c.Name
		vecs[i] = float32s(unit(rng, opt.Dim, nil, 1))
	}
	for _, b := range input.ColorEmbeddingsFile(meta(opt), names, vecs) {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
