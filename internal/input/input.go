// Package input reads and validates the upstream pipeline's JSON files:
// poems.json, embeddings.json and the optional color_embeddings.json; and
// writes the two embeddings files as make embeddings makes them (write.go).
//
// Every problem is reported with the file, the poems concerned as
// "N category/id", and a remedy; nothing is silently dropped or guessed.
package input

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Poem is one validated poem with its embedding.
type Poem struct {
	N              int // identity: poem_index when every poem has one, else 1-based position
	Category       string
	ID             int64
	Content        string
	Date           time.Time // zero when the poem has no creation_date
	ContentWarning string
	Golden         bool
	Vector         []float32

	index int64 // poem_index as written, 0 when there is none
}

// Label is the poem as readers see it: category/id, as written (the pages
// escape and clean it; messages use Ref).
func (p *Poem) Label() string { return fmt.Sprintf("%s/%d", p.Category, p.ID) }

// Ref names the poem in messages and lists such as missing-embeddings.txt:
// N category/id, with control characters escaped so that a category cannot
// drive the terminal or break a list into lines.
func (p *Poem) Ref() string { return fmt.Sprintf("%d %s", p.N, p.safeLabel()) }

// safeLabel is Label with control characters escaped, for messages.
func (p *Poem) safeLabel() string { return escape(p.Label()) }

// escape makes text taken from an input safe to print: C0 and C1 control
// characters, DEL, the line and paragraph separators, the bidirectional
// controls (which reorder what a terminal shows) and invalid UTF-8 are written
// as Go escapes (\x1b, \n, \u202e); everything else, backslashes included, is
// left as it is, so that plain text reads unchanged.
func escape(s string) string {
	i := strings.IndexFunc(s, unsafeRune)
	if i < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\n', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// unsafeRune reports the characters escape escapes.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0: // C0, DEL, C1
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x200e && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi controls
		return true
	}
	return false
}

// Corpus is the validated collection, in ascending N.
type Corpus struct {
	Poems     []Poem
	Dimension int
	Model     string
	// Missing lists the poems left out for lack of an embedding (only with AllowMissing).
	Missing []Poem
	// Colors holds the colour-word embeddings, in Palette order; nil without a colour file.
	Colors [][]float32
}

// Options are the settings that change what is read.
type Options struct {
	Poems, Embeddings, Colors string // file paths; Colors may be empty
	AllowMissing              bool   // leave out poems without an embedding instead of failing
	// Context stops a read that waits or never ends (a pipe nobody writes
	// to, a device such as /dev/zero) when it is cancelled; nil is
	// context.Background().
	Context context.Context
}

// Read reads, aligns and validates the input files.
func Read(opt Options) (*Corpus, error) {
	ctx := opt.Context
	if ctx == nil {
		ctx = context.Background()
	}
	poems, err := readPoems(ctx, opt.Poems)
	if err != nil {
		return nil, err
	}
	emb, err := readEmbeddings(ctx, opt.Embeddings, poems)
	if err != nil {
		return nil, err
	}
	c, err := attach(opt, poems, emb)
	if err != nil {
		return nil, err
	}
	if opt.Colors != "" {
		if c.Colors, err = readColors(ctx, opt.Colors, c.Dimension, emb); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// listPoems formats the first few poems of a problem: "3 poems: 1 a/1, 2 a/2, 3 b/1".
func listPoems(ps []*Poem) string {
	const shown = 5
	refs := make([]string, 0, shown)
	for i, p := range ps {
		if i == shown {
			refs = append(refs, "…")
			break
		}
		refs = append(refs, p.Ref())
	}
	return fmt.Sprintf("%s (%s)", count(len(ps), "poem", "poems"), strings.Join(refs, ", "))
}

// count is "1 poem", "2 poems": n and the noun that goes with it.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
