package site

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"pagegen/internal/order"
	"pagegen/internal/site/orderings"
	"pagegen/internal/workers"
)

// A build decides here, and only here, which of the site's sequences are
// stale. A sequence is up to date when its files are all there, newer than
// the site's stamp (make's own rule, by which an interrupted build resumes),
// and the record of the last build's orderings (package orderings) shows
// that what its pages hold has not changed since: after an edit of the
// inputs, the record tells exactly which orderings the edit changes, and
// only those run. Decide finds them, writing nothing; Commit marks them, by
// dating their files back before the stamp, and writes the record, before
// make runs them.

// Decision is what a build must write to bring a site up to date.
type Decision struct {
	// Run is the stale sequences among the build's goals, which make runs.
	Run []Seq
	// Orderings and Skipped count the similar and different orderings the
	// goals cover and those of them that need not run.
	Orderings, Skipped int
	// Why says why every ordering runs, when it does for want of a record
	// of the last build's orderings to trust.
	Why string
	// Edit is what changed in the collection since the record.
	Edit Edit

	p      Plan
	stale  []Seq             // every stale sequence of the site, goals or not
	record *orderings.Record // the record to write; nil when the one there holds
	// What an edit changed, for the chapters it changes: the orderings
	// written before, as the record had them (by kind and anchor index, in
	// this corpus's indices, -1 for a poem gone), the poems now shown
	// otherwise, and the stale orderings whose files were all written.
	prev    [2][]orderings.Ordering
	reshown []bool
	written map[Seq]bool
}

// Edit counts what changed in the collection between two builds: poems
// new, gone, with a new embedding (moved), and shown otherwise (their text,
// date or colour).
type Edit struct {
	Added, Removed, Moved, Reshown int
}

// Decide finds what the site in out needs of goals (sequences of the site),
// given the record of its orderings at record. It reads, and writes nothing.
func (p Plan) Decide(ctx context.Context, out, record string, goals []Seq) (Decision, error) {
	d := Decision{p: p}
	stamp, restamp := p.stampTime(out)
	whole := len(goals) == len(p.Seqs())
	hd, why := p.recordHeader(out, record)
	var stale []Seq
	switch {
	case why == "" && hd.Corpus == p.c.Digest():
		// The orderings are those of the record: what is stale is what
		// was not written since (a build stopped, a page removed).
	case why == "":
		rec, err := orderings.Read(record)
		if err != nil {
			return d, err
		}
		if stale, d.record, d.Edit, err = p.delta(ctx, rec, &d); err != nil {
			return d, err
		}
	case whole:
		// Every ordering runs, and its page process records it.
		d.Why, stale, d.record = why, p.Seqs(), p.newRecord()
	default:
		// Without a record to say which of them changed, a build of some
		// pages writes them all; it leaves the record to a whole build.
		d.Why, stale = why, goals
	}
	inGoals := make(map[Seq]bool, len(goals))
	for _, q := range goals {
		inGoals[q] = true
	}
	isStale := make(map[Seq]bool, len(stale))
	for _, q := range stale {
		isStale[q] = true
		if inGoals[q] {
			d.Run = append(d.Run, q)
		}
	}
	d.stale = stale
	if d.prev[0] != nil && !restamp {
		d.written = map[Seq]bool{}
		for i, ok := range p.written(stale, out, stamp) {
			if q := stale[i]; ok && (q.Kind == Similar || q.Kind == Different) {
				d.written[q] = true
			}
		}
	}
	// The goals the record does not make stale: stale still if not written since the stamp.
	rest := slices.DeleteFunc(slices.Clone(goals), func(q Seq) bool { return isStale[q] })
	var fresh []bool
	if !restamp {
		fresh = p.written(rest, out, stamp)
	}
	for i, q := range rest {
		if restamp || !fresh[i] {
			d.Run = append(d.Run, q)
			d.stale = append(d.stale, q)
		}
	}
	slices.SortFunc(d.Run, compareSeqs)
	d.Orderings, d.Skipped = countOrderings(goals), countOrderings(goals)-countOrderings(d.Run)
	return d, nil
}

// countOrderings is how many of seqs are similar or different orderings.
func countOrderings(seqs []Seq) int {
	n := 0
	for _, q := range seqs {
		if q.Kind == Similar || q.Kind == Different {
			n++
		}
	}
	return n
}

// Left is the sequences of d.Run whose files are not all written now, after
// make ran them.
func (d Decision) Left(out string) []Seq {
	stamp, restamp := d.p.stampTime(out)
	if restamp {
		return d.Run
	}
	var left []Seq
	for i, ok := range d.p.written(d.Run, out, stamp) {
		if !ok {
			left = append(left, d.Run[i])
		}
	}
	return left
}

func compareSeqs(a, b Seq) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	return a.N - b.N
}

// stampTime is the time of the site's stamp, and whether the stamp will be
// written anew (it says something else than this plan's, or is missing):
// then every file of the site is older than it.
func (p Plan) stampTime(out string) (time.Time, bool) {
	path := filepath.Join(out, StampName)
	b, err := readSmall(path)
	if err != nil || string(b) != p.Stamp() {
		return time.Time{}, true
	}
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}, true
	}
	return fi.ModTime(), false
}

// written reports, for each of seqs, whether all its files are in out and
// newer than the stamp's time: make's rule for them. The files are looked
// at from several goroutines: a site of tens of thousands of files takes a
// stat each.
func (p Plan) written(seqs []Seq, out string, stamp time.Time) []bool {
	ok := make([]bool, len(seqs))
	workers.Run(len(seqs), 4, func(i int) error {
		ok[i] = true
		for _, name := range p.Files(seqs[i]) {
			fi, err := os.Lstat(filepath.Join(out, name)) // a link there is not a page written
			if err != nil || !fi.Mode().IsRegular() || fi.ModTime().Before(stamp) {
				ok[i] = false
				break
			}
		}
		return nil
	})
	return ok
}

// siteKey names the site in out and its layout, for the record of its
// orderings: a record of another site, or of another layout, is not used.
func (p Plan) siteKey(out string) [32]byte {
	abs, err := filepath.Abs(out)
	if err != nil {
		abs = out
	}
	return sha256.Sum256(fmt.Appendf(nil, "%s\x00%s", p.Stamp(), abs))
}

// keptLimit is the entries of each ordering the record keeps: those the
// site shows, when they are not the whole collection (a new poem then
// enters every ordering, and nothing is worth keeping but the poems).
func (l Layout) keptLimit() int {
	if l.Limit() < l.c.Len() {
		return l.Limit()
	}
	return 0
}

// recordHeader reads the header of the record of the site's orderings at
// path; why says why it is not one to use: none, damaged, or of another
// site or layout.
func (p Plan) recordHeader(out, path string) (hd orderings.Header, why string) {
	hd, err := orderings.ReadHeader(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return hd, fmt.Sprintf("there is no record of the last build's orderings (%s)", path)
	case err != nil:
		return hd, fmt.Sprintf("the record of the last build's orderings is damaged (%v)", err)
	case hd.Site != p.siteKey(out):
		return hd, fmt.Sprintf("the record of the last build's orderings (%s) is of another site, or of other settings", path)
	case hd.Limit != p.keptLimit():
		return hd, fmt.Sprintf("the record of the last build's orderings (%s) keeps %d entries of each, the site %d", path, hd.Limit, p.keptLimit())
	}
	return hd, ""
}

// newRecord is the record of this corpus's poems, with no ordering kept yet.
func (p Plan) newRecord() *orderings.Record {
	r := &orderings.Record{Header: orderings.Header{Corpus: p.c.Digest(), Limit: p.keptLimit()}, Poems: make([]orderings.Poem, p.c.Len())}
	for i := range r.Poems {
		s := p.c.Sums(i)
		r.Poems[i] = orderings.Poem{N: uint32(p.c.N(i)), Vector: s.Vector, Shown: s.Shown}
	}
	if r.Limit > 0 {
		r.Kept = [2][]orderings.Ordering{make([]orderings.Ordering, p.c.Len()), make([]orderings.Ordering, p.c.Len())}
	}
	return r
}

// delta compares the corpus with the one the record rec is of, and finds
// the sequences whose pages change: the orderings that show a poem gone,
// moved (a new embedding) or shown otherwise, or that a new poem enters, the
// new poems' own, the chronology and the index, and the orderings the
// record lacks. It makes the record of the new corpus: the orderings that
// do not change, whether their pages do or not, are kept; the others are
// left to their page processes.
func (p Plan) delta(ctx context.Context, rec *orderings.Record, d *Decision) ([]Seq, *orderings.Record, Edit, error) {
	c := p.c
	n, on := c.Len(), len(rec.Poems)
	var e Edit
	// from[i] is the index in the record of poem i when its vector is the
	// same, -1 when it is new or moved; gone and reshown are by the record's index.
	from := make([]int, n)
	gone, reshown := make([]bool, on), make([]bool, on)
	var added []int
	for i, oi := 0, 0; i < n || oi < on; {
		switch {
		case oi < on && (i >= n || int(rec.Poems[oi].N) < c.N(i)):
			gone[oi] = true
			oi++
			continue
		case i < n && (oi >= on || c.N(i) < int(rec.Poems[oi].N)):
			from[i] = -1
		default: // the same poem number
			old, s := rec.Poems[oi], c.Sums(i)
			from[i] = oi
			if old.Vector != s.Vector {
				from[i], gone[oi] = -1, true
				e.Moved++
			} else if old.Shown != s.Shown {
				reshown[oi] = true
			}
			oi++
		}
		if from[i] < 0 {
			added = append(added, i)
		}
		i++
	}
	// A moved poem counts as one taken out and one added, but not for people.
	e.Added = len(added) - e.Moved
	for oi := range on {
		if gone[oi] {
			e.Removed++
		}
		if reshown[oi] {
			e.Reshown++
		}
	}
	e.Removed -= e.Moved
	r := p.newRecord()
	// The corpus changed: the chronology and the index show every poem.
	stale := []Seq{{Kind: Chrono}, {Kind: Index}}
	if rec.Limit == 0 {
		// Every ordering shows every poem: any edit shows in all of them.
		if e != (Edit{}) {
			stale = p.Seqs()
		}
		return stale, r, e, nil
	}
	g := p.gram()
	to := make([]int32, on) // from the record's indices to the corpus's, -1 for a poem gone
	for i := range to {
		to[i] = -1
	}
	for i, oi := range from {
		if oi >= 0 {
			to[oi] = int32(i)
		}
	}
	d.reshown = make([]bool, n)
	for i, oi := range from {
		d.reshown[i] = oi >= 0 && reshown[oi]
	}
	d.prev = [2][]orderings.Ordering{make([]orderings.Ordering, n), make([]orderings.Ordering, n)}
	// kept: the ordering of the poem at index a is the record's, the same
	// poems in the same order (no new poem enters it); shown: so are its
	// pages' bytes.
	var kept, shown [2][]bool
	for k := range kept {
		kept[k], shown[k] = make([]bool, n), make([]bool, n)
	}
	err := workers.Run(n, runtime.GOMAXPROCS(0), func(a int) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		oa := from[a]
		if oa < 0 {
			return nil
		}
		for k := range rec.Kept {
			o := rec.Kept[k][oa]
			if o.Seq == nil {
				continue
			}
			seq := make([]int32, len(o.Seq))
			for j, oi := range o.Seq {
				seq[j] = to[oi]
			}
			d.prev[k][a] = orderings.Ordering{Seq: seq}
			if slices.Contains(seq, -1) {
				continue // it showed a poem gone
			}
			enters := func(x int) bool { return order.Enters(g, seq, x) }
			if orderings.Kind(k) == orderings.Walk {
				enters = func(x int) bool { _, took := order.WouldTake(g, seq, o.Wins, x); return took }
			}
			if slices.ContainsFunc(added, enters) {
				continue
			}
			r.Kept[k][a] = orderings.Ordering{Seq: seq, Wins: o.Wins}
			kept[k][a] = true
			shown[k][a] = !slices.ContainsFunc(o.Seq, func(oi int32) bool { return reshown[oi] })
		}
		return nil
	})
	for k, kind := range []Kind{Similar, Different} {
		for a := range n {
			if !kept[k][a] || !shown[k][a] {
				stale = append(stale, Seq{Kind: kind, N: c.N(a)})
			}
		}
	}
	return stale, r, e, err
}

// LayOut lays out the orderings that an edit's build runs and the record
// does not keep, in parallel, into the record that Commit writes: their
// page processes then read them instead of each laying its own out, which
// in a process of its own costs twice as much (a walk faults hundreds of
// Gram rows in). A build of the whole site without a record leaves them to
// the page processes: it writes gigabytes, and their walks run while the
// disk takes them, where laying them all out first would keep the disk
// idle. It reports how many of how many are done as it goes.
func (d Decision) LayOut(ctx context.Context, report func(done, total int)) error {
	if d.record == nil || d.record.Limit == 0 || d.prev[0] == nil {
		return nil
	}
	type job struct {
		q Seq
		a int
	}
	var jobs []job
	for _, q := range d.Run {
		if q.Kind != Similar && q.Kind != Different {
			continue
		}
		if a, _ := d.p.c.Index(q.N); d.record.Kept[q.Kind][a].Seq == nil {
			jobs = append(jobs, job{q, a})
		}
	}
	var done atomic.Int64
	return workers.Run(len(jobs), runtime.GOMAXPROCS(0), func(j int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		q, a := jobs[j].q, jobs[j].a
		d.record.Kept[q.Kind][a] = d.p.ordering(q, a)
		if n := done.Add(1); report != nil && (n%64 == 0 || int(n) == len(jobs)) {
			report(int(n), len(jobs))
		}
		return nil
	})
}

// Chapters is the chapters of q that d may change: those that show a poem
// shown otherwise, and all from the first entry where its ordering changed;
// the others hold the same bytes as before, and need only be dated anew. It
// is nil, for all of them, when d does not know what q's files hold (they
// were not all written since the record), or when q's anchor, in every
// chapter's head, is shown otherwise. Call it after LayOut.
func (d Decision) Chapters(q Seq) []int {
	if !d.written[q] {
		return nil
	}
	a, _ := d.p.c.Index(q.N)
	now, was := d.record.Kept[q.Kind][a].Seq, d.prev[q.Kind][a].Seq
	if now == nil || was == nil || d.reshown[a] {
		return nil
	}
	marked := make([]bool, d.p.Chapters(q))
	for j := range now {
		if j >= len(was) || now[j] != was[j] { // and every entry after it
			for c := j / d.p.per; c < len(marked); c++ {
				marked[c] = true
			}
			break
		}
		if d.reshown[now[j]] {
			marked[j/d.p.per] = true
		}
	}
	var chapters []int
	for c, m := range marked {
		if m {
			chapters = append(chapters, c+1)
		}
	}
	if len(chapters) == 0 {
		return nil
	}
	return chapters
}

// Commit prepares the site in out for make to run d: it dates the stale
// sequences' files back before the stamp (so that make, and the next build
// if this one stops, take them for stale), and writes the record of the
// orderings, with the marks on the disk first so that a record is never
// there without them. Call it once the stamp is written (Restamp).
func (d Decision) Commit(out, record string) error {
	if d.record == nil && len(d.stale) == 0 {
		return nil
	}
	dated, err := d.p.dateBack(out, d.stale)
	if err != nil || d.record == nil {
		return err
	}
	if dated > 0 {
		if err := syncFS(out); err != nil {
			return err
		}
	}
	d.record.Site = d.p.siteKey(out)
	return orderings.Write(record, d.record)
}

// syncFS puts everything written in out's file system on the disk.
func syncFS(out string) error {
	f, err := os.Open(out)
	if err != nil {
		return fmt.Errorf("syncing the site: %w", err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncing the site: %w", err)
	}
	return nil
}

// gram is the corpus's cosines, as the orderings read them.
func (l Layout) gram() order.Gram {
	return order.Gram{N: l.c.Len(), Cos: l.c.Gram(), Norms: l.c.Norms()}
}
