package site

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"pagegen/internal/amount"
	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/lock"
	"pagegen/internal/render"
	"pagegen/internal/workers"
)

// Sizes measures a layout's files from the real entry sizes in the corpus.
// Frames (head and foot), ranks, the index and the chronology are measured
// exactly, and so are orderings that show every poem. The chapters of a
// capped ordering hold entries that only its walk knows: they are expected
// to hold entries of the mean size, and are allowed Spare more for the fit.
// The largest file is bounded by the largest entries. (Bounding every chapter
// by the largest entries would be safe but far too loose: a few long poems
// would shrink every site.)
type Sizes struct {
	l      Layout
	e      *Entries
	frames [2]frames // by ordering
}

// Entries are the sizes of a corpus's entries, measured once for any layout.
type Entries struct {
	rank     int64   // bytes of one entry's rank
	mean     float64 // bytes of the mean entry on an ordering's page
	largest  []int64 // sums of the largest entries there: largest[k] is the k largest
	topLevel []int64 // bytes of each entry on a page at the top of the site
	index    int64   // bytes of the index lines
}

// MeasureEntries measures the entries of c.
func MeasureEntries(c *corpus.Corpus) *Entries {
	n := c.Len()
	e := &Entries{rank: int64(len(render.AppendRank(nil, 1, render.RankWidth(n)))), topLevel: make([]int64, n)}
	sizes := make([]int64, n)
	var total int64
	var links []byte
	// linked is the bytes of fragment frag of poem i on a page whose links lead to pages.
	linked := func(frag []byte, i int, pages render.PoemPages) int64 {
		links = render.AppendLinks(links[:0], c.N(i), pages)
		return int64(render.LinkedLen(frag, len(links)))
	}
	inFolder, top := Seq{Kind: Similar}.poems(), Seq{Kind: Chrono}.poems()
	for i := range n {
		entry := c.Entry(i)
		sizes[i] = linked(entry, i, inFolder)
		total += sizes[i]
		e.topLevel[i] = linked(entry, i, top)
		e.index += linked(c.IndexLine(i), i, top)
	}
	e.mean = float64(total) / float64(n)
	slices.SortFunc(sizes, func(a, b int64) int { return cmp.Compare(b, a) })
	e.largest = make([]int64, n+1)
	for k, size := range sizes {
		e.largest[k+1] = e.largest[k] + size
	}
	return e
}

// frames measures the frames of one ordering's chapters. A frame differs
// from poem to poem only in the anchor's label and number, each written the
// same way in every chapter: its size is that of the first poem's frame plus
// so much a byte of label and a digit of number, which are measured here.
type frames struct {
	ref          []int64 // by chapter (from 0): the first poem's frames
	perDigit     []int64 // by chapter: growth with a digit more in the anchor's number
	perLabelByte int64
	labelLen     int
	digits       int
	sum, digSum  int64 // of ref and perDigit over the chapters
}

func measureFrames(l Layout, k render.Kind) frames {
	n, label := l.c.N(0), l.c.Label(0)
	size := func(n int, label []byte, c int) int64 {
		q := Seq{Kind: Kind(k), N: n}
		lo, hi := l.Span(q, c)
		head, foot := render.OrderingFrame(k, n, label, l.Part(q, c), hi-lo)
		return int64(len(head) + len(foot))
	}
	f := frames{labelLen: len(label), digits: len(strconv.Itoa(n))}
	f.perLabelByte = size(n, append(slices.Clone(label), 'x'), 1) - size(n, label, 1)
	for c := 1; c <= l.kept; c++ {
		ref := size(n, label, c)
		f.ref = append(f.ref, ref)
		f.perDigit = append(f.perDigit, size(n*10, label, c)-ref)
		f.sum += ref
		f.digSum += f.perDigit[c-1]
	}
	return f
}

// of is the bytes of the frames of the ordering of poem n with label, and
// of its largest frame.
func (f frames) of(n int, label []byte) (sum, largest int64) {
	dl, dd := int64(len(label)-f.labelLen), int64(len(strconv.Itoa(n))-f.digits)
	for c := range f.ref {
		largest = max(largest, f.ref[c]+dd*f.perDigit[c])
	}
	grow := dl * f.perLabelByte
	return f.sum + int64(len(f.ref))*grow + dd*f.digSum, largest + grow
}

// NewSizes measures the layout's files.
func NewSizes(l Layout) Sizes { return l.sizes(MeasureEntries(l.c)) }

func (l Layout) sizes(e *Entries) Sizes {
	return Sizes{l: l, e: e, frames: [2]frames{measureFrames(l, render.Similar), measureFrames(l, render.Different)}}
}

// Spare is the share of the estimated entries' bytes that a fit keeps free.
const Spare = 0.05

// Of is the expected size of q's files, that size with room to spare for
// what is estimated, and a bound on its largest file.
func (s Sizes) Of(q Seq) (expected, spared, largest int64) {
	l := s.l
	switch q.Kind {
	case Index:
		head, foot := render.IndexFrame(l.c.Len(), l.Name(Seq{Kind: Chrono}, 1))
		size := int64(len(head)+len(foot)) + s.e.index
		return size, size, size
	case Chrono:
		chrono := l.c.Chrono()
		for c := 1; c <= l.Chapters(q); c++ {
			lo, hi := l.Span(q, c)
			head, foot := render.ChronoFrame(l.Part(q, c), hi-lo)
			size := int64(len(head)+len(foot)) + int64(hi-lo)*s.e.rank
			for _, i := range chrono[lo:hi] {
				size += s.e.topLevel[i]
			}
			expected += size
			largest = max(largest, size)
		}
		return expected, expected, largest
	}
	i, _ := l.c.Index(q.N)
	frames, frame := s.frames[q.Kind].of(q.N, l.c.Label(i))
	entries := l.Limit()
	fixed := frames + int64(entries)*s.e.rank
	largest = frame + int64(l.per)*s.e.rank + s.e.largest[l.per]
	if entries == l.c.Len() { // every entry once: exact
		return fixed + s.e.largest[entries], fixed + s.e.largest[entries], largest
	}
	estimate := float64(entries) * s.e.mean
	return fixed + int64(estimate+0.5), fixed + int64(estimate*(1+Spare)+0.5), largest
}

// Projection is what a site, or part of it, takes.
type Projection struct {
	budget.Need       // what a fit allows for: Bytes is the expected bytes and Spare
	Expected    int64 // the bytes expected
}

// Project measures the files of seqs, and the site's own directories and
// stamp when whole is set.
func (s Sizes) Project(seqs []Seq, whole bool) Projection {
	var p Projection
	for _, q := range seqs {
		e, b, largest := s.Of(q)
		p.Files += s.l.Chapters(q)
		p.Expected += e
		p.Bytes += b
		p.Largest = max(p.Largest, largest)
	}
	if whole {
		// The stamp, the record of pages not yet synced (see BeginBuild),
		// and the build's lock (empty).
		own := int64(stampSize + recordSize)
		p.Files += 3
		p.Dirs = 2
		p.Expected += own
		p.Bytes += own
	}
	return p
}

// Plan is the layout chosen for a request and its budget, and why.
type Plan struct {
	Layout
	Request Request
	Size    Projection // measured only with a limited budget: see Sized
	Budget  budget.Budget
	Why     string // how CHAPTERS was chosen, when it was
	// Origin is the packed corpus whose folder keeps the record of the
	// site's orderings, when it is not the corpus laid out (make -n lays
	// out a scratch corpus for the site of the real one).
	Origin string
}

// Sized is p with its Size measured, which a plan without a budget skips
// (measuring every entry costs more than the rest of a small build's plan).
func (p Plan) Sized() Plan {
	if !p.Budget.Limited() {
		p.Size = NewSizes(p.Layout).Project(p.Seqs(), true)
	}
	return p
}

// FitRequest is Fit for what r asks, which the plan remembers (its stamp).
func FitRequest(c *corpus.Corpus, r Request) (Plan, error) {
	if err := r.Check(); err != nil {
		return Plan{}, err
	}
	b, _ := budget.Parse(r.Budget)
	p, err := Fit(c, r.Settings, b)
	p.Request = r
	return p, err
}

// Fit lays out the site of c with settings s within budget b. With a budget
// and no CHAPTERS it keeps the most chapters that fit; when nothing fits it
// refuses, before any file is written, with the numbers and what would fit.
func Fit(c *corpus.Corpus, s Settings, b budget.Budget) (Plan, error) {
	p, err := fit(c, s, b)
	if err != nil {
		return p, err
	}
	if over := b.Over(p.Size.Need); len(over) > 0 {
		if why := tooLarge(c, b); why != "" {
			return p, fmt.Errorf("the site does not fit %s: %s", b, why)
		}
		return p, fmt.Errorf("the site does not fit %s: it needs %s. %s", b, strings.Join(over, " and "), options(c, s, b))
	}
	return p, nil
}

// tooLarge says which file, of those every layout has, is larger than one
// file may be (the index, or a page holding the longest poem): then no
// chapter size fits, whatever the number of pages, and the remedy is
// another MAX_FILE_SIZE. It is "" when none is.
func tooLarge(c *corpus.Corpus, b budget.Budget) string {
	if b.MaxFileSize <= 0 {
		return ""
	}
	l, err := New(c, Settings{PerPage: 1, Chapters: 1})
	if err != nil {
		return ""
	}
	s := NewSizes(l)
	if index, _, _ := s.Of(Seq{Kind: Index}); index > b.MaxFileSize {
		return fmt.Sprintf("the index page alone is %s (a line for each of the %s), and one file may be %s: no chapter size changes that. Raise MAX_FILE_SIZE to %s or more, or publish part of the collection (a smaller poems.json)",
			amount.Bytes(index), amount.Of(c.Len(), "poem"), amount.Bytes(b.MaxFileSize), amount.Bytes(index))
	}
	// A page of one entry: the chronology's largest chapter of one poem.
	if _, _, page := s.Of(Seq{Kind: Chrono}); page > b.MaxFileSize {
		return fmt.Sprintf("a page that holds the longest poem alone is %s, and one file may be %s: no chapter size changes that. Raise MAX_FILE_SIZE to %s or more, or leave that poem out",
			amount.Bytes(page), amount.Bytes(b.MaxFileSize), amount.Bytes(page))
	}
	return ""
}

// fit is the plan for s, keeping the most chapters that fit b when s does
// not say how many; it may not fit.
func fit(c *corpus.Corpus, s Settings, b budget.Budget) (Plan, error) {
	if !b.Limited() {
		l, err := New(c, s)
		return Plan{Layout: l, Budget: b}, err
	}
	entries := MeasureEntries(c)
	plan := func(s Settings) (Plan, error) {
		l, err := New(c, s)
		if err != nil {
			return Plan{}, err
		}
		return Plan{Layout: l, Size: l.sizes(entries).Project(l.Seqs(), true), Budget: b}, nil
	}
	p, err := plan(s)
	if err != nil || s.PerPage == 0 || s.Chapters > 0 {
		return p, err
	}
	// The most chapters that fit: what the site needs grows with the chapters kept.
	lo, hi := 0, p.count // lo chapters fit (0: none yet), hi+1 do not
	best, _ := plan(Settings{PerPage: s.PerPage, Chapters: 1})
	for lo < hi {
		m := (lo + hi + 1) / 2
		q, _ := plan(Settings{PerPage: s.PerPage, Chapters: m})
		if len(b.Over(q.Size.Need)) == 0 {
			lo, best = m, q
		} else {
			hi = m - 1
		}
	}
	if lo > 0 {
		best.Why = fmt.Sprintf("CHAPTERS=%d of %d: the most chapters of %s that fit %s (%s)",
			lo, p.count, amount.Of(p.per, "poem"), b, strings.Join(best.uses(), ", "))
		if lo < p.count {
			next, _ := plan(Settings{PerPage: s.PerPage, Chapters: lo + 1})
			best.Why += fmt.Sprintf("; %d would need %s", lo+1, strings.Join(b.Over(next.Size.Need), " and "))
		}
	}
	return best, nil
}

// uses is what the plan takes of its budget, for people.
func (p Plan) uses() []string {
	u := []string{fmt.Sprintf("%d files", p.Budget.Entries(p.Size.Need))}
	if p.Budget.CountDirs {
		u[0] = fmt.Sprintf("%d entries", p.Budget.Entries(p.Size.Need))
	}
	return append(u, amount.Bytes(p.Size.Bytes)+" with room to spare")
}

// options says what would fit b when s does not.
func options(c *corpus.Corpus, s Settings, b budget.Budget) string {
	var fits []string
	for _, per := range []int{500, 200, 100, 50, 20, 10} {
		p, err := fit(c, Settings{PerPage: per}, b)
		if err == nil && len(b.Over(p.Size.Need)) == 0 {
			fits = append(fits, fmt.Sprintf("PER_PAGE=%d (then CHAPTERS=%d is chosen)", per, p.kept))
		}
		if len(fits) == 3 {
			break
		}
	}
	switch {
	case len(fits) > 0 && s.PerPage == 0:
		return "Split the pages into chapters, e.g. " + strings.Join(fits, ", or ") + "."
	case len(fits) > 0:
		return "What would fit: " + strings.Join(fits, ", or ") + "."
	}
	var hosts []string
	for _, h := range budget.Hosts {
		if p, err := fit(c, Settings{PerPage: 100}, h.Budget); err == nil && len(h.Budget.Over(p.Size.Need)) == 0 {
			hosts = append(hosts, "HOST="+h.Name)
		}
	}
	n := c.Len()
	msg := fmt.Sprintf("No chapter size fits: %d poems need at least %d pages (a similar and a different page each, the index and the chronology).", n, 2*n+2)
	if len(hosts) > 0 {
		msg += " With PER_PAGE=100 the collection fits " + strings.Join(hosts, ", ") + "."
	}
	return msg + " Or publish part of the collection (a smaller poems.json)."
}

// DiskNeed is the space that writing the stale sequences takes beyond what
// their old files hold: a file rewritten over an older one needs only its
// growth, but up to jobs sequences exist beside the old files as temporary
// files while they are written.
func (s Sizes) DiskNeed(stale []Seq, out string, jobs int) int64 {
	var need, largest int64
	for _, q := range stale {
		expected, spared, _ := s.Of(q)
		var old int64
		for _, name := range s.l.Files(q) {
			if fi, err := os.Stat(filepath.Join(out, name)); err == nil {
				old += fi.Size()
			}
		}
		need += max(0, expected-old)
		largest = max(largest, spared)
	}
	return need + int64(min(jobs, len(stale)))*largest
}

// Free is the space available to an unprivileged writer in the file system
// that holds dir (or its nearest existing parent).
func Free(dir string) (int64, error) {
	for d := dir; ; d = filepath.Dir(d) {
		var st unix.Statfs_t
		err := unix.Statfs(d, &st)
		if err == nil {
			return int64(st.Bavail) * int64(st.Bsize), nil
		}
		if !os.IsNotExist(err) || d == filepath.Dir(d) {
			return 0, fmt.Errorf("checking free space for %s: %w", dir, err)
		}
	}
}

// Measure is what the site's files in out take now: those of the layout that
// exist, the stamp and the record, and the site's folders.
func (l Layout) Measure(out string) budget.Need {
	var n budget.Need
	names := []string{StampName, BuildingName, lock.Name}
	for _, q := range l.Seqs() {
		names = append(names, l.Files(q)...)
	}
	sizes := make([]int64, len(names))             // -1: not there
	workers.Run(len(names), 4, func(i int) error { // a stat each: from several goroutines
		sizes[i] = -1
		if fi, err := os.Stat(filepath.Join(out, names[i])); err == nil {
			sizes[i] = fi.Size()
		}
		return nil
	})
	for _, size := range sizes {
		if size >= 0 {
			n.Files++
			n.Bytes += size
			n.Largest = max(n.Largest, size)
		}
	}
	for _, d := range Dirs[1:] {
		if fi, err := os.Stat(filepath.Join(out, d)); err == nil && fi.IsDir() {
			n.Dirs++
		}
	}
	return n
}
