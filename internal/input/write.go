// The writing of embeddings.json and color_embeddings.json in the upstream
// pipeline's formats, as make embeddings writes them: the metadata
// indented, one vector a line, each value the shortest text that reads back
// as the same float32, so that the same vectors always give the same bytes.

package input

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"

	"github.com/bytedance/sonic"
)

// EmbedGenerator is make embeddings, as the metadata of its files names it.
const EmbedGenerator = "pagegen make embeddings"

// EmbeddingsMark begins every file make embeddings writes: a file that does
// not is not the build's, and is never replaced.
const EmbeddingsMark = metadataStart + `"` + EmbedGenerator + `",` + "\n"

// metadataStart is the start of a file, up to its generator.
const metadataStart = "{\n  \"metadata\": {\n    \"generator\": "

// EmbeddingsMeta is what the metadata says of the vectors.
type EmbeddingsMeta struct {
	Generator string // the program that wrote the file: EmbedGenerator for make embeddings
	Model     string
	Dimension int
}

// EmbeddingEntry is one poem's line: its vector, or why it has none.
type EmbeddingEntry struct {
	ID        int64
	PoemIndex int64 // 0: the poem has none, and neither has its entry
	Vector    []float32
	Err       string // when Vector is nil
}

// EmbeddingsFile is embeddings.json for entries, lined up with the poems, in
// pieces (one a line) for atomicfile.Update.
func EmbeddingsFile(m EmbeddingsMeta, entries []EmbeddingEntry) [][]byte {
	failed := 0
	for _, e := range entries {
		if e.Vector == nil {
			failed++
		}
	}
	pieces := make([][]byte, len(entries)+2)
	pieces[0] = EmbeddingsHead(m, len(entries), failed)
	// Writing numbers as text is most of the work: on every core.
	var wg sync.WaitGroup
	chunk := (len(entries) + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	for lo := 0; lo < len(entries); lo += chunk {
		wg.Go(func() {
			for i := lo; i < min(lo+chunk, len(entries)); i++ {
				pieces[1+i] = EmbeddingLine(entries[i], i, len(entries))
			}
		})
	}
	wg.Wait()
	pieces[len(pieces)-1] = []byte(EmbeddingsEnd)
	return pieces
}

// EmbeddingsHead is embeddings.json up to its first entry, for count entries
// of which failed have no vector. With EmbeddingLine and EmbeddingsEnd it
// writes a file whose entries are streamed rather than held (synth).
func EmbeddingsHead(m EmbeddingsMeta, count, failed int) []byte {
	return embeddingsHead(m, fmt.Sprintf(`"count": %d,
    "failed": %d,
    "input": "each poem's content, exactly"`, count, failed), "[")
}

// EmbeddingsEnd ends embeddings.json after its last entry.
const EmbeddingsEnd = "  ]\n}\n"

// EmbeddingLine is the line of entry i of n in embeddings.json.
func EmbeddingLine(e EmbeddingEntry, i, n int) []byte {
	b := fmt.Appendf(make([]byte, 0, 64+maxValue*len(e.Vector)), `    {"id":%d`, e.ID)
	if e.PoemIndex != 0 {
		b = fmt.Appendf(b, `,"poem_index":%d`, e.PoemIndex)
	}
	if e.Vector != nil {
		b = appendVector(append(b, `,"embedding":`...), e.Vector)
	} else {
		b = appendString(append(b, `,"error":`...), e.Err)
	}
	return appendSeparator(append(b, '}'), i, n)
}

// ColorEmbeddingsFile is color_embeddings.json for the colour words names and their
// vectors, in pieces for atomicfile.Update.
func ColorEmbeddingsFile(m EmbeddingsMeta, names []string, vecs [][]float32) [][]byte {
	pieces := make([][]byte, 0, len(names)+2)
	pieces = append(pieces, embeddingsHead(m, fmt.Sprintf(`"count": %d,
    "input": "the bare colour word"`, len(names)), "{"))
	for i, name := range names {
		b := appendVector(append(appendString(append(make([]byte, 0, 64+maxValue*len(vecs[i])), "    "...), name), ": "...), vecs[i])
		pieces = append(pieces, appendSeparator(b, i, len(names)))
	}
	return append(pieces, []byte("  }\n}\n"))
}

// embeddingsHead is the start of a file, up to the opening of its "embeddings".
func embeddingsHead(m EmbeddingsMeta, rest, open string) []byte {
	b := appendString([]byte(metadataStart), m.Generator)
	b = appendString(append(b, ",\n    \"embedding_model\": "...), m.Model)
	return fmt.Appendf(b, ",\n    \"embedding_dimension\": %d,\n    %s\n  },\n  \"embeddings\": %s\n", m.Dimension, rest, open)
}

func appendSeparator(b []byte, i, n int) []byte {
	if i < n-1 {
		b = append(b, ',')
	}
	return append(b, '\n')
}

// maxValue is the most bytes a float32 and its comma take ("-1.2345678e-38,").
const maxValue = 15

func appendVector(b []byte, v []float32) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return append(b, ']')
}

// jsonStrings writes strings as JSON does, invalid UTF-8 replaced, without
// escaping <, > and & (error messages hold them).
var jsonStrings = sonic.Config{ValidateString: true}.Froze()

// appendString appends s as a JSON string (a string always encodes).
func appendString(b []byte, s string) []byte {
	q, _ := jsonStrings.Marshal(s)
	return append(b, q...)
}
