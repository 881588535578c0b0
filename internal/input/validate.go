package input

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// attach gives each poem its vector and checks them all, gathering every
// problem into one report so that a user fixes a file once, not once per run.
func attach(opt Options, poems []Poem, e *embeddings) (*Corpus, error) {
	dim := commonLength(e)
	if e.meta.Dimension != nil {
		dim = *e.meta.Dimension
	}
	var missing, wrongDim, notFinite, zero []*Poem
	for i, entry := range e.entries {
		p := &poems[i]
		switch {
		case entry == nil || len(entry.Embedding) == 0:
			missing = append(missing, p)
		case len(entry.Embedding) != dim:
			wrongDim = append(wrongDim, p)
		case firstNonFinite(entry.Embedding) >= 0:
			notFinite = append(notFinite, p)
		case isZero(entry.Embedding):
			zero = append(zero, p)
		default:
			p.Vector = entry.Embedding
		}
	}
	var problems []string
	if len(missing) > 0 && !opt.AllowMissing {
		problems = append(problems, fmt.Sprintf("no embedding for %s%s: re-run the embedding step for them, or set ALLOW_MISSING=1 to build the site without them",
			listPoems(missing), firstReason(e, poems, missing)))
	}
	if len(wrongDim) > 0 {
		problems = append(problems, fmt.Sprintf("an embedding whose length is not %[2]d (%[3]s) for %[1]s: embed every poem with the same model",
			listPoems(wrongDim), dim, dimSource(e)))
	}
	if len(notFinite) > 0 {
		problems = append(problems, fmt.Sprintf("NaN or infinite values in the embedding of %s: re-run the embedding step for them", listPoems(notFinite)))
	}
	if len(zero) > 0 {
		problems = append(problems, fmt.Sprintf("an all-zero embedding, which has no direction to compare, for %s: re-run the embedding step for them", listPoems(zero)))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", e.path, strings.Join(problems, "\n"+e.path+": "))
	}
	c := &Corpus{Dimension: dim, Model: e.meta.Model}
	for i := range poems {
		if poems[i].Vector != nil {
			c.Poems = append(c.Poems, poems[i])
		} else {
			c.Missing = append(c.Missing, poems[i])
		}
	}
	if len(c.Poems) == 0 {
		return nil, fmt.Errorf("%s: no poem has an embedding: run the embedding step first", e.path)
	}
	sort.Slice(c.Poems, func(i, j int) bool { return c.Poems[i].N < c.Poems[j].N })
	sort.Slice(c.Missing, func(i, j int) bool { return c.Missing[i].N < c.Missing[j].N })
	return c, nil
}

// firstReason quotes the upstream error of the first missing poem that has one.
func firstReason(e *embeddings, poems []Poem, missing []*Poem) string {
	for i, entry := range e.entries {
		if entry != nil && entry.Error != nil && len(entry.Embedding) == 0 {
			return fmt.Sprintf(" (first error, for %s: %q)", poems[i].Ref(), *entry.Error)
		}
	}
	return ""
}

func dimSource(e *embeddings) string {
	if e.meta.Dimension != nil {
		return "embedding_dimension in the metadata"
	}
	return "the length most embeddings have"
}

// commonLength is the most common embedding length (the smaller on a tie),
// so that one bad entry, even the first, is the one blamed.
func commonLength(e *embeddings) int {
	seen := map[int]int{}
	best := 0
	for _, entry := range e.entries {
		if entry == nil || len(entry.Embedding) == 0 {
			continue
		}
		l := len(entry.Embedding)
		seen[l]++
		if seen[l] > seen[best] || (seen[l] == seen[best] && l < best) {
			best = l
		}
	}
	return best
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

type colorsFile struct {
	Metadata   embeddingsMeta       `json:"metadata"`
	Embeddings map[string][]float32 `json:"embeddings"`
}

// readColors reads the colour-word embeddings, one per palette colour, in
// palette order; e is the poems' embeddings, whose model they must share.
func readColors(ctx context.Context, path string, dim int, e *embeddings) ([][]float32, error) {
	data, err := readFile(ctx, path, "colour embeddings file (set COLOR_EMBEDDINGS= to build without colours)")
	if err != nil {
		return nil, err
	}
	var f colorsFile
	if err := decode(path, data, &f); err != nil {
		return nil, err
	}
	// A file that names no model cannot be checked; two that name different
	// ones give colours that mean nothing to the poems' vectors.
	if m := f.Metadata.Model; m != "" && e.meta.Model != "" && m != e.meta.Model {
		return nil, fmt.Errorf("%s was embedded with the model %q, but the poems in %s with %q: embed the poems and the colours with the same model (make embeddings writes both), or set COLOR_EMBEDDINGS= to build without colours",
			path, escape(m), e.path, escape(e.meta.Model))
	}
	var problems []string
	vecs := make([][]float32, len(Palette))
	for i, c := range Palette {
		v, ok := f.Embeddings[c.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q is missing", c.Name))
		case len(v) != dim:
			problems = append(problems, fmt.Sprintf("%q has %d values, the poems' embeddings %d", c.Name, len(v), dim))
		case firstNonFinite(v) >= 0 || isZero(v):
			problems = append(problems, fmt.Sprintf("%q is all zeros or holds NaN or infinite values", c.Name))
		}
		vecs[i] = v
		delete(f.Embeddings, c.Name)
	}
	for name := range f.Embeddings {
		problems = append(problems, fmt.Sprintf("%q is not a palette colour", name))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		names := make([]string, len(Palette))
		for i, c := range Palette {
			names[i] = c.Name
		}
		return nil, fmt.Errorf("%s: %s: the file needs exactly the colours %s, embedded with the poems' model (or set COLOR_EMBEDDINGS= to build without colours)",
			path, strings.Join(problems, "; "), strings.Join(names, ", "))
	}
	return vecs, nil
}
