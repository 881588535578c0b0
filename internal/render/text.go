package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Columns is the width of the text column, as in the poet's compiled.txt.
const Columns = 80

const tabStop = 8

// Clean makes poem text safe and plain: invalid UTF-8 becomes U+FFFD, CR LF and
// lone CR become LF, tabs are expanded, and control and bidirectional-override
// characters (which can hide or reorder text) are dropped.
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	col := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			r = '\n'
		case r == '\u2028' || r == '\u2029':
			r = '\n'
		case r == '\t':
			pad := tabStop - col%tabStop
			b.WriteString(strings.Repeat(" ", pad))
			col += pad
			continue
		case r != '\n' && (unicode.IsControl(r) || isBidiControl(r)):
			continue
		}
		b.WriteRune(r)
		if r == '\n' {
			col = 0
		} else {
			col += RuneWidth(r)
		}
	}
	return b.String()
}

// OneLine cleans s and folds it onto one line, for labels and titles.
func OneLine(s string) string {
	return strings.Join(strings.Fields(Clean(s)), " ")
}

func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// RuneWidth is the number of terminal columns r takes: 2 for East Asian wide
// and full-width characters, 0 for combining marks, 1 otherwise.
func RuneWidth(r rune) int {
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// Width is the number of columns s takes.
func Width(s string) int {
	w := 0
	for _, r := range s {
		w += RuneWidth(r)
	}
	return w
}

// Wrap breaks each line of s to at most cols columns, at the last space that
// fits, or inside a word longer than a line. A poem's own spacing is kept.
func Wrap(s string, cols int) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for {
			// cutAt reads one line's worth, so a long line wraps in linear
			// time; the rest fits when it reaches the end without a break.
			cut, space := cutAt(line, cols)
			if cut == len(line) && Width(line) <= cols {
				break
			}
			out = append(out, line[:cut])
			line = line[cut:]
			if space {
				line = line[1:]
			}
		}
		out = append(out, line)
	}
	return out
}

// cutAt finds where to break a line that is wider than cols: after the last
// space within cols (space reports that the break drops that space), else at cols.
func cutAt(line string, cols int) (cut int, space bool) {
	w, lastSpace := 0, -1
	for i, r := range line {
		rw := RuneWidth(r)
		if w+rw > cols {
			if r == ' ' && lastSpace <= 0 { // no earlier space: break at this one, not before it
				return i, true
			}
			if lastSpace > 0 {
				return lastSpace, true
			}
			if i == 0 { // a single rune wider than the column
				return len(string(r)), false
			}
			return i, false
		}
		if r == ' ' {
			lastSpace = i
		}
		w += rw
	}
	return len(line), false
}

// Truncate shortens s to at most cols columns, ending it with … when cut.
func Truncate(s string, cols int) string {
	if Width(s) <= cols {
		return s
	}
	w := 0
	for i, r := range s {
		if w+RuneWidth(r) > cols-1 {
			return s[:i] + "…"
		}
		w += RuneWidth(r)
	}
	return s
}

// Pad adds spaces to s up to cols columns.
func Pad(s string, cols int) string {
	return s + strings.Repeat(" ", max(0, cols-Width(s)))
}

// htmlEscaper escapes what is special in HTML text. Poem text never goes into
// an attribute (links and anchors are built from numbers only), so quotes stay
// as they are and pages stay small.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes s safe as HTML text.
func Escape(s string) string { return htmlEscaper.Replace(s) }
