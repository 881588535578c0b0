// Package synth makes synthetic collections at any scale, in the upstream JSON
// formats, for benchmarks and large tests: deterministic for a seed, with
// clustered unit vectors (as real embeddings are) and poem-like text. Each
// poem is drawn from a random stream of its own, so that a collection of n+k
// poems is the one of n with k poems more: a collection that grows.
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
const Version = 2

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
	files := []struct {
		name  string
		write func(io.Writer, Options) error
	}{
		{"poems.json", writePoems},
		{"embeddings.json", writeEmbeddings},
		{"color_embeddings.json", writeColors},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), func(w io.Writer) error { return f.write(w, opt) }); err != nil {
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

func writePoems(w io.Writer, opt Options) error {
	ids := map[string]int{}
	start := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintf(w, "{\"metadata\": {\"generator\": \"pagegen synth\", \"seed\": %d},\n\"poems\": [\n", opt.Seed)
	for i := range opt.Poems {
		rng := stream(opt, textStream+uint64(i))
		cat := categories[rng.IntN(len(categories))]
		ids[cat]++
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
			ids[cat], cat, i+1, date.Format("2006-01-02T15:04:05Z"), strconv.Quote(text), extra.String(), sep)
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

func appendVector(buf []byte, v []float64) []byte {
	buf = append(buf, '[')
	for k, x := range v {
		if k > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendFloat(buf, x, 'f', 6, 64)
	}
	return append(buf, ']')
}

func writeEmbeddings(w io.Writer, opt Options) error {
	centres := make([][]float64, opt.Clusters)
	crng := stream(opt, centreStream)
	for c := range centres {
		centres[c] = unit(crng, opt.Dim, nil, 1)
	}
	// Noise per coordinate so that a poem's distance to its centre is about 0.7.
	noise := 0.7 / math.Sqrt(float64(opt.Dim))
	fmt.Fprintf(w, "{\"metadata\": {\"embedding_model\": \"synthetic\", \"embedding_dimension\": %d},\n\"embeddings\": [\n", opt.Dim)
	var buf []byte
	for i := range opt.Poems {
		rng := stream(opt, vectorStream+uint64(i))
		v := unit(rng, opt.Dim, centres[rng.IntN(opt.Clusters)], noise)
		buf = fmt.Appendf(buf[:0], "{\"poem_index\": %d, \"embedding\": ", i+1)
		buf = appendVector(buf, v)
		buf = append(buf, '}')
		if i < opt.Poems-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}

func writeColors(w io.Writer, opt Options) error {
	rng := stream(opt, colorStream)
	buf := []byte(`{"embeddings": {`)
	for i, c := range input.Palette {
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = fmt.Appendf(buf, "%q: ", c.Name)
		buf = appendVector(buf, unit(rng, opt.Dim, nil, 1))
	}
	buf = append(buf, "}}\n"...)
	_, err := w.Write(buf)
	return err
}
