package render

import (
	"fmt"
)

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
		"Every poem of the collection, the most like %s first.",
		"Every poem of the collection, in a walk that starts at %s and each time takes the poem least like everything read so far.",
	}[k], label)
}

const doctype = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">` + "\n"

// appendHead starts a page: the document head, a heading, a line of links and
// about, and the opening of the centred text column.
func appendHead(buf []byte, title, links, about string) []byte {
	buf = append(buf, doctype...)
	buf = fmt.Appendf(buf, "<html>\n<head>\n"+
		`<meta http-equiv="Content-Type" content="text/html; charset=utf-8">`+"\n"+
		"<title>%s</title>\n</head>\n"+
		`<body bgcolor="#ffffff" text="#000000" link="#0000ee" vlink="#551a8b">`+"\n"+
		"<center>\n<h1>%s</h1>\n<p>%s</p>\n<p>%s</p>\n</center>\n"+
		`<table align="center" border="0" cellspacing="0" cellpadding="0" summary="poems"><tr><td><pre>`+"\n",
		title, title, links, about)
	return buf
}

// Foot ends every page.
const Foot = "</pre></td></tr></table>\n</body>\n</html>\n"

// AppendPageHead starts the page of kind k anchored at poem n (label escaped).
func AppendPageHead(buf []byte, k Kind, n int, label []byte) []byte {
	links := fmt.Sprintf(`<a href="../index.html">all poems</a> | <a href="../%s/%d.html">%s</a>`,
		k.Other().Name(), n, k.Other().title(label))
	return appendHead(buf, k.title(label), links, k.about(label))
}

// AppendIndexHead starts the index page of a collection of count poems.
func AppendIndexHead(buf []byte, count int) []byte {
	return appendHead(buf, "All poems", fmt.Sprintf("%d poems", count),
		"Each poem has two pages: the whole collection ordered by likeness to it (similar), and a walk that keeps taking the poem least like everything read so far (different).")
}

// Fragments is the pre-rendered collection a page is assembled from (the packed corpus).
type Fragments interface {
	Len() int
	N(i int) int
	Label(i int) []byte
	Entry(i int) []byte
	IndexLine(i int) []byte
}

// Page assembles the page of kind k whose entries are seq (indices, anchor
// first) as a list of pieces to write in order: the head, then per entry its
// rank and its pre-rendered bytes (which stay where they are, in the mapped
// corpus), then the foot. Written with one writev, the page is never copied.
func Page(k Kind, f Fragments, seq []int32) [][]byte {
	anchor := int(seq[0])
	width := RankWidth(f.Len())
	pieces := make([][]byte, 0, 2*len(seq)+2)
	pieces = append(pieces, AppendPageHead(nil, k, f.N(anchor), f.Label(anchor)))
	ranks := make([]byte, 0, len(seq)*(len(rankPrefix)+width+len(". ")))
	for rank, i := range seq {
		start := len(ranks)
		ranks = AppendRank(ranks, rank+1, width)
		pieces = append(pieces, ranks[start:len(ranks):len(ranks)], f.Entry(int(i)))
	}
	return append(pieces, []byte(Foot))
}

// Index assembles the index page: every poem, with links to both its pages.
func Index(f Fragments) [][]byte {
	pieces := make([][]byte, 0, f.Len()+2)
	pieces = append(pieces, AppendIndexHead(nil, f.Len()))
	for i := range f.Len() {
		pieces = append(pieces, f.IndexLine(i))
	}
	return append(pieces, []byte(Foot))
}
