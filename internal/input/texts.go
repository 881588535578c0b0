package input

import "context"

// ReadPoems reads and checks the poems file alone, for the step that embeds
// the poems: they come in the file's order, numbered, without vectors.
func ReadPoems(ctx context.Context, path string) ([]Poem, error) {
	return readPoems(ctx, path)
}

// PoemIndex is the poem_index the poems file gives the poem, 0 when it has none.
func (p *Poem) PoemIndex() int64 { return p.index }
