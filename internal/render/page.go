package render

import (
	"bytes"
	"fmt"
	"html"
)

// FormatVersion is the version of the pages' bytes for given entries: raise
// it with any change to what this package writes, so that every site built
// before is rebuilt (TestFormatVersion fails until it is raised).
const FormatVersion = 4

// Kind is one of the two orderings a page can show.
type Kind int

// The orderings.
const (
	Similar Kind = iota
	Different
)

// Name is the kind's directory and command name.
func (k Kind) Name() string { return [...]string{"similar", "different"}[k] }

// Other is the anchor's other ordering, linked from every page.
func (k Kind) Other() Kind { return 1 - k }

func (k Kind) title(label []byte) string {
	return fmt.Sprintf([...]string{"Similar to %s", "Different from %s"}[k], label)
}

func (k Kind) about(label []byte) string {
	return fmt.Sprintf([...]string{
		"The poems of the collection, the most like %s first.",
		"The poems of the collection in a walk that starts at %s and each time takes the poem least like everything read so far.",
	}[k], label)
}

const doctype = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">` + "\n"

// Links are where a page's links lead, relative to the page; an empty one is left out.
type Links struct {
	Index  string    // the index page
	Chrono string    // the first chronological page
	Other  string    // the anchor's other ordering (similar and different pages)
	Prev   string    // the previous chapter
	Next   string    // the next chapter
	Poems  PoemPages // each poem's pages, from its entry
}

// Part places one file in its sequence: chapter Number (when the sequence is
// Chaptered; else the whole sequence on one page), its first entry at rank
// First. Kept > 0 marks the last chapter of an ordering that a capped site
// keeps: the site has its first Kept poems. A part says nothing that moves
// with every new poem (no collection total, no count of the chapters the
// whole sequence would have), so that a page whose entries did not change
// keeps its bytes.
type Part struct {
	Chaptered bool
	Number    int
	First     int
	Kept      int
	Links     Links
}

// title adds the chapter to a page's title.
func (p Part) title(t string) string {
	if !p.Chaptered {
		return t
	}
	return fmt.Sprintf("%s, chapter %d", t, p.Number)
}

// nav is the chapter line: where this chapter is in the sequence and the
// links to its neighbours.
func (p Part) nav(entries int) string {
	if !p.Chaptered {
		return ""
	}
	s := fmt.Sprintf("chapter %d: poems %d to %d", p.Number, p.First, p.First+entries-1)
	if p.Links.Prev != "" {
		s += fmt.Sprintf(` | <a href="%s">&lt; previous</a>`, p.Links.Prev)
	}
	if p.Links.Next != "" {
		s += fmt.Sprintf(` | <a href="%s">next &gt;</a>`, p.Links.Next)
	}
	if p.Kept > 0 {
		s += fmt.Sprintf("<br>\nThis site keeps the first %d poems of each ordering; every poem is on the %s.",
			p.Kept, link(p.Links.Chrono, "pages by date"))
	}
	return s
}

func link(href, text string) string {
	return fmt.Sprintf(`<a href="%s">%s</a>`, href, text)
}

// linkLine is the line of links under a page's heading.
func (p Part) linkLine(other string) string {
	s := link(p.Links.Index, "all poems")
	if p.Links.Chrono != "" {
		s += " | " + link(p.Links.Chrono, "by date")
	}
	if p.Links.Other != "" {
		s += " | " + link(p.Links.Other, other)
	}
	return s
}

// Every page begins with pageStart, its title, and titleEnd: a pagegen
// page, which the build may remove (a poem taken out, a chapter no longer
// kept, make clean), is one that begins so (IsPage).
const (
	pageStart = doctype + "<html>\n<head>\n" +
		`<meta http-equiv="Content-Type" content="text/html; charset=utf-8">` + "\n<title>"
	titleEnd = "</title>\n</head>\n" +
		`<body bgcolor="#ffffff" text="#000000" link="#0000ee" vlink="#551a8b">` + "\n<center>\n<h1>"
)

// MaxTitle bounds the title IsPage looks through (a poem's label is in it).
const MaxTitle = 64 << 10

// IsPage reports whether head, the first bytes of a file (at least
// len(pageStart)+MaxTitle+len(titleEnd) of them, or all), begins as every
// page pagegen writes does: a file of the poet's named like a page is not
// one, and the build never removes it.
func IsPage(head []byte) bool {
	rest, ok := bytes.CutPrefix(head, []byte(pageStart))
	if !ok {
		return false
	}
	end := bytes.Index(rest[:min(len(rest), MaxTitle+len(titleEnd))], []byte(titleEnd))
	return end >= 0 && !bytes.ContainsAny(rest[:end], "<>")
}

// PageHead is how many bytes of a file IsPage needs.
const PageHead = len(pageStart) + MaxTitle + len(titleEnd)

// frame is a page's head (document head, heading, links, about, chapter
// line, the opening of the text column) and foot (the chapter line again).
func frame(title, links, about, nav string) (head, foot []byte) {
	head = append(head, pageStart...)
	head = append(head, title...)
	head = append(head, titleEnd...)
	head = fmt.Appendf(head, "%s</h1>\n<p>%s</p>\n<p>%s</p>\n", title, links, about)
	if nav != "" {
		head = fmt.Appendf(head, "<p>%s</p>\n", nav)
	}
	head = append(head, "</center>\n"+
		`<table align="center" border="0" cellspacing="0" cellpadding="0" summary="poems"><tr><td><pre>`+"\n"...)
	foot = append(foot, "</pre></td></tr></table>\n"...)
	if nav != "" {
		foot = fmt.Appendf(foot, "<center>\n<p>%s</p>\n</center>\n", nav)
	}
	foot = append(foot, "</body>\n</html>\n"...)
	return head, foot
}

// OrderingFrame is the head and foot of a page of kind k anchored at poem n
// (label escaped) holding entries entries of its ordering.
func OrderingFrame(k Kind, n int, label []byte, p Part, entries int) (head, foot []byte) {
	return frame(p.title(k.title(label)), p.linkLine(k.Other().title(label)), k.about(label), p.nav(entries))
}

// Fragments is the pre-rendered collection a page is assembled from (the packed corpus).
type Fragments interface {
	Len() int
	N(i int) int
	Label(i int) []byte
	Entry(i int) []byte
	IndexLine(i int) []byte
}

// Ordering assembles the page of kind k whose entries are seq (indices, the
// anchor first on chapter 1) as a list of pieces to write in order: the head,
// then per entry its rank, its pre-rendered bytes (which stay where they
// are, in the mapped corpus) with its links in their place, then the foot.
// Written with writev, the page is never copied.
func Ordering(k Kind, f Fragments, anchor int, seq []int32, p Part) [][]byte {
	head, foot := OrderingFrame(k, f.N(anchor), f.Label(anchor), p, len(seq))
	return entries(f, head, foot, seq, p.First, p.Links.Poems)
}

// entries lays out head, the ranked entries of seq from rank first with
// their links to pages, and foot.
func entries[T int32 | uint32](f Fragments, head, foot []byte, seq []T, first int, pages PoemPages) [][]byte {
	width := RankWidth(f.Len())
	pieces := make([][]byte, 0, 4*len(seq)+2)
	pieces = append(pieces, head)
	// The ranks and links of every entry go into one buffer, made large
	// enough at once: nothing is allocated an entry.
	added := make([]byte, 0, len(seq)*(len(rankPrefix)+width+len(". ")+linksMost(f, pages)))
	for j, i := range seq {
		start := len(added)
		added = AppendRank(added, first+j, width)
		pieces = append(pieces, added[start:len(added):len(added)])
		pieces, added = linked(pieces, added, f.Entry(int(i)), f.N(int(i)), pages)
	}
	return append(pieces, foot)
}

// linked appends to pieces fragment frag of poem n with its links put
// in, which it appends to added.
func linked(pieces [][]byte, added, frag []byte, n int, pages PoemPages) ([][]byte, []byte) {
	at := bytes.IndexByte(frag, LinksHere)
	if at < 0 { // not from corpus-pack: nowhere to put them
		return append(pieces, frag), added
	}
	start := len(added)
	added = AppendLinks(added, n, pages)
	return append(pieces, frag[:at], added[start:len(added):len(added)], frag[at+1:]), added
}

// linksMost is the longest links of a poem of f: those of its last, whose
// number is the largest.
func linksMost(f Fragments, pages PoemPages) int {
	if f.Len() == 0 {
		return 0
	}
	return len(AppendLinks(make([]byte, 0, 256), f.N(f.Len()-1), pages))
}

// ChronoFrame is the head and foot of a chronological page holding entries entries.
func ChronoFrame(p Part, entries int) (head, foot []byte) {
	p.Links.Chrono = "" // the page itself
	return frame(p.title("All poems by date"), p.linkLine(""),
		"Every poem of the collection once, the oldest first; undated poems come last.", p.nav(entries))
}

// Chronological assembles a chronological page: the entries of seq (indices)
// from rank p.First.
func Chronological(f Fragments, seq []uint32, p Part) [][]byte {
	head, foot := ChronoFrame(p, len(seq))
	return entries(f, head, foot, seq, p.First, p.Links.Poems)
}

// IndexFrame is the head and foot of the index page of a collection of count
// poems; chrono is the first chronological page.
func IndexFrame(count int, chrono string) (head, foot []byte) {
	return frame("All poems", fmt.Sprintf("%d poems | %s", count, link(html.EscapeString(chrono), "all poems by date")),
		"Each poem has two pages: the collection ordered by likeness to it (similar), and a walk that keeps taking the poem least like everything read so far (different).", "")
}

// Index assembles the index page: every poem, with links to both its
// pages; chrono is the first chronological page.
func Index(f Fragments, chrono string, pages PoemPages) [][]byte {
	head, foot := IndexFrame(f.Len(), chrono)
	pieces := make([][]byte, 0, 3*f.Len()+2)
	pieces = append(pieces, head)
	added := make([]byte, 0, f.Len()*linksMost(f, pages))
	for i := range f.Len() {
		pieces, added = linked(pieces, added, f.IndexLine(i), f.N(i), pages)
	}
	return append(pieces, foot)
}
