// Package site is the site's layout: for one packed corpus and its settings,
// every file of the site (names, chapters, what each holds and links to),
// which of them are out of date, what they will take on disk and how they
// fit a host. make's rules, the page writers, pruning, sizes, progress, the
// bench and the tests all ask it.
package site

import (
	"fmt"
	"strconv"
	"strings"

	"pagegen/internal/corpus"
	"pagegen/internal/render"
)

// Settings shape the files of a site.
type Settings struct {
	PerPage  int // entries a chapter; 0: each ordering whole on one page
	Chapters int // chapters kept of each similar and different ordering; 0: all
}

// Kind is a kind of sequence of the site.
type Kind int

// The sequences: the two orderings of each poem, the chronology and the index.
const (
	Similar Kind = iota
	Different
	Chrono
	Index
)

// Seq is one sequence of entries, written by one pagegen process as one or
// more chapter files.
type Seq struct {
	Kind Kind
	N    int // the anchor's poem number, for Similar and Different
}

// Ordering is the render kind of a Similar or Different sequence.
func (q Seq) Ordering() render.Kind { return render.Kind(q.Kind) }

func (q Seq) String() string {
	switch q.Kind {
	case Chrono:
		return "chronological"
	case Index:
		return "index"
	}
	return q.Ordering().Name() + "/" + strconv.Itoa(q.N)
}

// Layout is the site of one corpus with one set of settings.
type Layout struct {
	c        *corpus.Corpus
	settings Settings
	per      int // entries a chapter (n when whole)
	count    int // chapters of a whole sequence
	kept     int // chapters of each similar and different ordering on the site
}

// Check refuses settings that lay out no site, whatever the corpus.
func (s Settings) Check() error {
	if s.PerPage < 0 || s.Chapters < 0 {
		return fmt.Errorf("PER_PAGE and CHAPTERS are counts: give whole numbers above 0")
	}
	if s.Chapters > 0 && s.PerPage == 0 {
		return fmt.Errorf("CHAPTERS=%d needs PER_PAGE: chapters are PER_PAGE entries long (e.g. PER_PAGE=100 CHAPTERS=%d)", s.Chapters, s.Chapters)
	}
	return nil
}

// New lays out the site of c with settings s.
func New(c *corpus.Corpus, s Settings) (Layout, error) {
	if err := s.Check(); err != nil {
		return Layout{}, err
	}
	n := c.Len()
	l := Layout{c: c, settings: s, per: n, count: 1, kept: 1}
	if s.PerPage > 0 {
		l.per = min(s.PerPage, n)
		l.count = (n + l.per - 1) / l.per
		l.kept = l.count
		if s.Chapters > 0 {
			l.kept = min(s.Chapters, l.count)
		}
	}
	return l, nil
}

// Corpus is the packed corpus the layout is for.
func (l Layout) Corpus() *corpus.Corpus { return l.c }

// Settings are the layout's settings as given.
func (l Layout) Settings() Settings { return l.settings }

// Resolved is the settings that lay out this site again, with the chapters
// kept as chosen: what make passes to the page writers.
func (l Layout) Resolved() Settings {
	if l.settings.PerPage == 0 {
		return Settings{}
	}
	return Settings{PerPage: l.settings.PerPage, Chapters: l.kept}
}

// PerPage is the entries of a full chapter.
func (l Layout) PerPage() int { return l.per }

// Kept is how many chapters of each similar and different ordering the site has.
func (l Layout) Kept() int { return l.kept }

// Limit is how many entries of each similar and different ordering the site has.
func (l Layout) Limit() int { return min(l.kept*l.per, l.c.Len()) }

// Chapters is the number of chapter files of q.
func (l Layout) Chapters(q Seq) int {
	switch q.Kind {
	case Index:
		return 1
	case Chrono:
		return l.count
	}
	return l.kept
}

// Name is the file of chapter c (from 1) of q, relative to the site: chapter
// 1 keeps the sequence's name, chapter c of X.html is X-c.html.
func (l Layout) Name(q Seq, c int) string { return string(appendName(nil, q, c)) }

// appendName appends the name of chapter c of q (see Name) to buf.
func appendName(buf []byte, q Seq, c int) []byte {
	switch q.Kind {
	case Index:
		return append(buf, "index.html"...)
	case Chrono:
		buf = append(buf, "chronological"...)
	default:
		buf = append(buf, folders[q.Kind]...)
		buf = strconv.AppendInt(buf, int64(q.N), 10)
	}
	if c > 1 {
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, int64(c), 10)
	}
	return append(buf, ext...)
}

// ext ends the name of every file of the site.
const ext = ".html"

// folders are the folders of the similar and different pages, by Kind.
var folders = [...]string{render.Similar.Name() + "/", render.Different.Name() + "/"}

// up is the way from the folder of q's files to the top of the site.
func (q Seq) up() string {
	if q.Kind == Similar || q.Kind == Different {
		return "../"
	}
	return ""
}

// poems says where every poem's pages are from q's, for the links of
// their entries and index lines: chapter 1 of their orderings (appendName).
func (q Seq) poems() render.PoemPages {
	up := q.up()
	return render.PoemPages{Before: [2]string{up + folders[Similar], up + folders[Different]}, After: ext}
}

// Files are q's files, relative to the site, chapter 1 first.
func (l Layout) Files(q Seq) []string {
	files := make([]string, l.Chapters(q))
	for c := range files {
		files[c] = l.Name(q, c+1)
	}
	return files
}

// Span is the entries of chapter c of q, as a range of the sequence.
func (l Layout) Span(q Seq, c int) (lo, hi int) {
	total := l.c.Len()
	if q.Kind == Similar || q.Kind == Different {
		total = l.Limit()
	}
	return min((c-1)*l.per, total), min(c*l.per, total)
}

// Part is how chapter c of q presents itself and what it links to, relative
// to the chapter's own folder.
func (l Layout) Part(q Seq, c int) render.Part {
	lo, _ := l.Span(q, c)
	p := render.Part{Chaptered: l.count > 1, Number: c, First: lo + 1}
	if q.Kind == Index {
		return p
	}
	up := q.up()
	own := func(c int) string { // a chapter of q, from q's folder
		name := l.Name(q, c)
		return name[strings.LastIndexByte(name, '/')+1:]
	}
	p.Links = render.Links{Index: up + l.Name(Seq{Kind: Index}, 1), Chrono: up + l.Name(Seq{Kind: Chrono}, 1), Poems: q.poems()}
	if q.Kind != Chrono {
		p.Links.Other = up + l.Name(Seq{Kind: Kind(q.Ordering().Other()), N: q.N}, 1)
	}
	if c > 1 {
		p.Links.Prev = own(c - 1)
	}
	if c < l.Chapters(q) {
		p.Links.Next = own(c + 1)
	} else if q.Kind != Chrono && l.Limit() < l.c.Len() {
		p.Kept = l.Limit()
	}
	return p
}

// Seqs are all the sequences of the site: the similar and different
// orderings of every poem, the chronology and the index.
func (l Layout) Seqs() []Seq {
	n := l.c.Len()
	seqs := make([]Seq, 0, 2*n+2)
	for _, k := range []Kind{Similar, Different} {
		for i := range n {
			seqs = append(seqs, Seq{Kind: k, N: l.c.N(i)})
		}
	}
	return append(seqs, Seq{Kind: Chrono}, Seq{Kind: Index})
}

// FileCount is the number of files of seqs.
func (l Layout) FileCount(seqs []Seq) int {
	n := 0
	for _, q := range seqs {
		n += l.Chapters(q)
	}
	return n
}

// Parse finds the sequence and chapter a file name (relative to the site)
// belongs to in this layout; ok is false for a name the layout has no file
// of, such as a chapter past those kept or a poem not in the corpus.
func (l Layout) Parse(name string) (q Seq, c int, ok bool) {
	q, c, ok = parseName(name)
	if !ok || c > l.Chapters(q) {
		return q, c, false
	}
	if q.Kind == Similar || q.Kind == Different {
		if _, found := l.c.Index(q.N); !found {
			return q, c, false
		}
	}
	return q, c, true
}

// parseName reads a name the site's files are given (similar/N.html,
// different/N-c.html, chronological-c.html, index.html), exactly as Name
// spells them, whatever the corpus and settings.
func parseName(name string) (q Seq, c int, ok bool) {
	if name == "index.html" {
		return Seq{Kind: Index}, 1, true
	}
	stem, found := strings.CutSuffix(name, ".html")
	if !found {
		return q, 0, false
	}
	dir, base, inDir := strings.Cut(stem, "/")
	if !inDir {
		dir, base = "", stem
	}
	c = 1
	if head, num, chaptered := strings.Cut(base, "-"); chaptered {
		v, err := strconv.Atoi(num)
		if err != nil || v < 2 || strconv.Itoa(v) != num {
			return q, 0, false
		}
		base, c = head, v
	}
	switch {
	case dir == "" && base == "chronological":
		return Seq{Kind: Chrono}, c, true
	case dir == "similar" || dir == "different":
		n, err := strconv.Atoi(base)
		if err != nil || n < 1 || strconv.Itoa(n) != base {
			return q, 0, false
		}
		k := Similar
		if dir == "different" {
			k = Different
		}
		return Seq{Kind: k, N: n}, c, true
	}
	return q, 0, false
}
