package input

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bytedance/sonic"
)

type embeddingsMeta struct {
	Model     string `json:"embedding_model"`
	Dimension *int   `json:"embedding_dimension"`
}

// embeddingsShape is read first, to see whether "embeddings" is an array or an object.
type embeddingsShape struct {
	Metadata   embeddingsMeta         `json:"metadata"`
	Embeddings sonic.NoCopyRawMessage `json:"embeddings"`
}

type embeddingsArray struct {
	Embeddings []entryJSON `json:"embeddings"`
}

type embeddingsObject struct {
	Embeddings map[string]entryJSON `json:"embeddings"`
}

type entryJSON struct {
	Embedding []float32 `json:"embedding"`
	ID        *int64    `json:"id"`
	PoemIndex *int64    `json:"poem_index"`
	Error     *string   `json:"error"`
}

// embeddings holds the entries lined up with the poems, and the expected dimension.
type embeddings struct {
	path    string
	entries []*entryJSON // entries[i] belongs to poems[i]; nil when there is none
	meta    embeddingsMeta
}

// readEmbeddings reads embeddings.json and lines its entries up with poems.
func readEmbeddings(ctx context.Context, path string, poems []Poem) (*embeddings, error) {
	data, err := readFile(ctx, path, "embeddings file")
	if err != nil {
		return nil, err
	}
	var shape embeddingsShape
	if err := decode(path, data, &shape); err != nil {
		return nil, aboutPoem(err, poems)
	}
	e := &embeddings{path: path, meta: shape.Metadata, entries: make([]*entryJSON, len(poems))}
	switch raw := bytes.TrimSpace(shape.Embeddings); {
	case len(raw) > 0 && raw[0] == '[':
		var f embeddingsArray
		if err := decode(path, data, &f); err != nil {
			return nil, aboutPoem(err, poems)
		}
		if len(f.Embeddings) != len(poems) {
			return nil, fmt.Errorf("%s has %d entries but the poems file has %d poems: the two must line up by position; regenerate %s from the same poems file",
				path, len(f.Embeddings), len(poems), path)
		}
		for i := range f.Embeddings {
			e.entries[i] = &f.Embeddings[i]
		}
	case len(raw) > 0 && raw[0] == '{':
		var f embeddingsObject
		if err := decode(path, data, &f); err != nil {
			return nil, aboutPoem(err, poems)
		}
		if err := e.byPoemIndex(f.Embeddings, poems); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf(`%s: no "embeddings" array or object: the file should look like {"metadata": {...}, "embeddings": [...]}`, path)
	}
	return e, e.checkAlignment(poems)
}

// byPoemIndex lines up entries keyed by poem_index.
func (e *embeddings) byPoemIndex(m map[string]entryJSON, poems []Poem) error {
	for i := range poems {
		key := strconv.Itoa(poems[i].N)
		if entry, ok := m[key]; ok {
			e.entries[i] = &entry
			delete(m, key)
		}
	}
	if len(m) == 0 {
		return nil
	}
	extra := make([]string, 0, len(m))
	for k := range m {
		extra = append(extra, escape(k))
	}
	sort.Strings(extra)
	return fmt.Errorf("%s has %s keyed by a poem_index that no poem has (%s): regenerate %s from the same poems file",
		e.path, count(len(extra), "embedding", "embeddings"), strings.Join(extra[:min(5, len(extra))], ", "), e.path)
}

// checkAlignment refuses entries whose id or poem_index contradicts their poem:
// reading the wrong vectors for a poem is the worst silent failure there is.
func (e *embeddings) checkAlignment(poems []Poem) error {
	var bad []string
	for i, entry := range e.entries {
		p := &poems[i]
		switch {
		case entry == nil:
		case entry.ID != nil && *entry.ID != p.ID:
			bad = append(bad, fmt.Sprintf("the entry for poem %s has id %d", p.Ref(), *entry.ID))
		case entry.PoemIndex != nil && *entry.PoemIndex != cmp.Or(p.index, int64(p.N)):
			bad = append(bad, fmt.Sprintf("the entry for poem %s has poem_index %d", p.Ref(), *entry.PoemIndex))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s does not line up with the poems file (%s):\n  %s\nregenerate %s from the same poems file",
			e.path, count(len(bad), "entry disagrees", "entries disagree"), firstLines(bad), e.path)
	}
	return nil
}

// aboutPoem names the poem whose entry a located error is in, and turns a
// syntax error at a bare NaN or Infinity (which Python's json writes, but JSON
// does not allow) into an error naming the poem.
func aboutPoem(err error, poems []Poem) error {
	var val *ValueError
	if errors.As(err, &val) {
		val.Poem = poemAt(pathAt(val.Data, val.Pos), poems)
		return err
	}
	var syn *SyntaxError
	if !errors.As(err, &syn) {
		return err
	}
	// sonic puts the error at or just after the start of the bad token.
	start := min(syn.Pos, len(syn.Data))
	for start > 0 && isLetter(syn.Data[start-1]) {
		start--
	}
	if start > 0 && syn.Data[start-1] == '-' {
		start--
	}
	rest := syn.Data[start:]
	if !(bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity")) || bytes.HasPrefix(rest, []byte("-Infinity"))) {
		return err
	}
	what := "a value"
	if ref := poemAt(pathAt(syn.Data, start), poems); ref != "" {
		what = "the embedding of poem " + ref
	}
	return fmt.Errorf("%s:%s: %s holds NaN or Infinity: re-run the embedding step for it (or drop its \"embedding\" and set ALLOW_MISSING=1)",
		syn.File, position(syn.Data, start), what)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// poemAt names the poem ("N category/id") whose entry holds the JSON path p:
// "embeddings[i]…" by position, "embeddings.N…" keyed by poem_index; else "".
func poemAt(p string, poems []Poem) string {
	if rest, ok := strings.CutPrefix(p, "embeddings["); ok {
		i, err := strconv.Atoi(rest[:max(0, strings.IndexByte(rest, ']'))])
		if err == nil && i >= 0 && i < len(poems) {
			return poems[i].Ref()
		}
		return ""
	}
	if rest, ok := strings.CutPrefix(p, "embeddings."); ok {
		if end := strings.IndexAny(rest, ".["); end >= 0 {
			rest = rest[:end]
		}
		if n, err := strconv.Atoi(rest); err == nil {
			for i := range poems {
				if poems[i].N == n {
					return poems[i].Ref()
				}
			}
		}
	}
	return ""
}
