// Package render turns poems into the site's HTML: CSS-free HTML 4.01
// Transitional with an 80-column, plain-text feel.
//
// corpus-pack renders each poem's entry once (Entry, IndexLine); a page is
// then only its head, a rank and links per entry, the entries' bytes and its
// foot. Where a page and the pages it links to are is the site's layout's to
// say (package site): it gives the links, and this package formats them.
package render

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Poem is what a page shows of one poem.
type Poem struct {
	N              int
	Label          string // category/id, as readers know the poem
	Date           time.Time
	ContentWarning string
	Golden         bool
	Content        string
	Color          string // HTML colour of the bar
	Bar            int    // the poem's place on the timeline, 0..Columns
}

// LinksHere stands where an entry or index line, rendered once for every
// page it goes on, has its poem's links: they lead from wherever the page
// is, so the page puts them there (AppendLinks). It is a control character,
// which Clean takes out of everything an entry shows.
const LinksHere = '\x00'

// PoemPages say where every poem's two pages are, relative to the page
// being assembled: poem n's page of kind k is Before[k], n, then After.
type PoemPages struct {
	Before [2]string // by Kind
	After  string
}

// AppendLinks appends the links of poem n's entry or index line to its two
// pages.
func AppendLinks(buf []byte, n int, pages PoemPages) []byte {
	buf = append(buf, `[<a href="`...)
	buf = append(buf, pages.Before[Similar]...)
	num := len(buf)
	buf = strconv.AppendInt(buf, int64(n), 10)
	end := len(buf)
	buf = append(buf, pages.After...)
	buf = append(buf, `">similar</a>] [<a href="`...)
	buf = append(buf, pages.Before[Different]...)
	buf = append(buf, buf[num:end]...)
	buf = append(buf, pages.After...)
	return append(buf, `">different</a>]`...)
}

// LinkedLen is the length of frag, an entry or index line, on a page: with
// links bytes of links in the place of its LinksHere, if it has one.
func LinkedLen(frag []byte, links int) int {
	if bytes.IndexByte(frag, LinksHere) < 0 {
		return len(frag)
	}
	return len(frag) - 1 + links
}

const (
	linkBoxes = "[similar] [different]"
	// rankPrefix is the start of an entry's header line before the rank digits.
	rankPrefix = " -> "
)

// RankWidth is how many digits the ranks of a corpus of n poems take.
func RankWidth(n int) int { return len(fmt.Sprint(n)) }

// AppendRank appends the per-page start of an entry: " -> " and its rank, right-aligned.
func AppendRank(buf []byte, rank, width int) []byte {
	buf = append(buf, rankPrefix...)
	for pad := width - digits(rank); pad > 0; pad-- {
		buf = append(buf, ' ')
	}
	buf = strconv.AppendInt(buf, int64(rank), 10)
	return append(buf, ". "...)
}

func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// Entry renders everything of p's entry that follows the rank: the header line
// with its anchor and LinksHere, the bars, the content-warning box and the text.
func Entry(p Poem, rankWidth int) []byte {
	var b strings.Builder
	label := OneLine(p.Label)
	var about string // date and golden mark, after the label
	if !p.Date.IsZero() {
		about += "  " + p.Date.Format("2006-01-02")
	}
	if p.Golden {
		about += "  ★ golden"
	}
	indent := len(rankPrefix) + rankWidth + len(". ")
	// A label wider than the line is wrapped under itself.
	parts := Wrap(label, Columns-indent)
	used := indent + Width(parts[len(parts)-1])
	for i := range parts {
		parts[i] = Escape(parts[i])
	}
	fmt.Fprintf(&b, `<a name="p%d" id="p%d">%s</a>`, p.N, p.N, strings.Join(parts, "\n"+strings.Repeat(" ", indent)))
	if used+Width(about)+1+len(linkBoxes) > Columns {
		// A long label: the rest of the header goes on a line of its own, under it.
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", indent-2))
		used = indent - 2
	}
	b.WriteString(about)
	used += Width(about)
	b.WriteString(strings.Repeat(" ", max(1, Columns-used-len(linkBoxes))))
	b.WriteByte(LinksHere)
	b.WriteByte('\n')
	bar := Bar(p.Color, p.Bar)
	b.WriteString(bar)
	if cw := OneLine(p.ContentWarning); cw != "" {
		writeBox(&b, Wrap("CW: "+cw, Columns-4), '┌', '─', '┐', '│', '└', '┘', false)
	}
	text := Clean(p.Content)
	if p.Golden {
		writeBox(&b, Wrap(text, Columns-4), '╔', '═', '╗', '║', '╚', '╝', true)
	} else {
		for _, line := range Wrap(text, Columns) {
			b.WriteString(Escape(line))
			b.WriteByte('\n')
		}
	}
	b.WriteString(bar)
	b.WriteByte('\n')
	return []byte(b.String())
}

// writeBox draws lines in a box of box-drawing characters; full makes it as
// wide as the column, else it fits the text.
func writeBox(b *strings.Builder, lines []string, tl, h, tr, v, bl, br rune, full bool) {
	inner := 0
	for _, l := range lines {
		inner = max(inner, Width(l))
	}
	if full {
		inner = Columns - 4
	}
	rule := strings.Repeat(string(h), inner+2)
	fmt.Fprintf(b, "%c%s%c\n", tl, rule, tr)
	for _, l := range lines {
		fmt.Fprintf(b, "%c %s %c\n", v, Escape(Pad(l, inner)), v)
	}
	fmt.Fprintf(b, "%c%s%c\n", bl, rule, br)
}

// Bar draws the timeline bar: k columns of ═ in the poem's colour, then ─ to the end.
func Bar(color string, k int) string {
	k = min(max(k, 0), Columns)
	var b strings.Builder
	if k > 0 {
		fmt.Fprintf(&b, `<font color="%s">%s</font>`, color, strings.Repeat("═", k))
	}
	b.WriteString(strings.Repeat("─", Columns-k))
	b.WriteByte('\n')
	return b.String()
}

// IndexLine renders p's line on the index page: number, label, date, the first
// words of the poem, and LinksHere for the links to its two pages.
func IndexLine(p Poem, numWidth int) []byte {
	label := OneLine(p.Label)
	num := fmt.Sprintf("%*d. ", numWidth, p.N)
	text := label
	if !p.Date.IsZero() {
		text += "  " + p.Date.Format("2006-01-02")
	}
	room := Columns - len(num) - len(linkBoxes) - 1
	if first := firstLine(p.Content); first != "" {
		text += "  " + first
	}
	text = Pad(Truncate(text, room), room)
	rest := strings.TrimPrefix(text, label)
	if !strings.HasPrefix(text, label) { // the label itself was cut
		label, rest = text, ""
	}
	return fmt.Appendf(nil, "%s<a name=\"p%d\" id=\"p%d\">%s</a>%s %c\n", num, p.N, p.N, Escape(label), Escape(rest), LinksHere)
}

func firstLine(content string) string {
	for _, l := range strings.Split(Clean(content), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return ""
}
