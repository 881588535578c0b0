package site

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/order"
	"pagegen/internal/render"
	"pagegen/internal/site/orderings"
)

// Pages computes q's entries once and gives each chapter's pieces (from 1),
// ready to be written in order; nil when q's poem is not in the corpus.
func (l Layout) Pages(q Seq) func(c int) [][]byte {
	anchor, ok := l.c.Index(q.N)
	if (q.Kind == Similar || q.Kind == Different) && !ok {
		return nil
	}
	return l.pages(q, l.ordering(q, anchor))
}

// pages gives each chapter's pieces of q, whose ordering (for Similar and
// Different) is o.
func (l Layout) pages(q Seq, o orderings.Ordering) func(c int) [][]byte {
	c := l.c
	switch q.Kind {
	case Index:
		return func(int) [][]byte { return render.Index(c, l.Name(Seq{Kind: Chrono}, 1), q.poems()) }
	case Chrono:
		return func(ch int) [][]byte {
			lo, hi := l.Span(q, ch)
			return render.Chronological(c, c.Chrono()[lo:hi], l.Part(q, ch))
		}
	}
	anchor, _ := c.Index(q.N)
	return func(ch int) [][]byte {
		lo, hi := l.Span(q, ch)
		return render.Ordering(q.Ordering(), c, anchor, o.Seq[lo:hi], l.Part(q, ch))
	}
}

// ordering lays out as much of the ordering q from the poem at index anchor
// as the site shows, with a walk's winning scores.
func (l Layout) ordering(q Seq, anchor int) orderings.Ordering {
	switch q.Kind {
	case Similar:
		return orderings.Ordering{Seq: order.Similar(l.gram(), anchor, l.Limit())}
	case Different:
		seq, wins := order.Walk(l.gram(), anchor, l.Limit())
		return orderings.Ordering{Seq: seq, Wins: wins}
	}
	return orderings.Ordering{}
}

// Written counts what Write did: the files of a sequence, those of them
// that already held their bytes and were left as they were, and the bytes
// of the others, written.
type Written struct {
	Files, Same int
	Bytes       int64
}

// ErrStopped is what Write returns when ctx ends between two files.
var ErrStopped = errors.New("stopped")

// Write writes q's files into out, each only when its bytes change (see
// atomicfile.Update): a page left as it was is only dated now, newer than
// the site's stamp, as make wants. An ordering is taken from the record of
// the site's orderings at record when it is there (the build keeps those an
// edit leaves as they were), else laid out, and recorded once its pages are
// written; record "" is none. When only is not nil, the build knows that the
// other chapters already hold their bytes: they are dated anew, not read.
func (l Layout) Write(ctx context.Context, out, record string, q Seq, only []int) (Written, error) {
	var w Written
	anchor, ok := l.c.Index(q.N)
	if (q.Kind == Similar || q.Kind == Different) && !ok {
		c := l.c
		return w, fmt.Errorf("poem %d is not in the corpus (its poems are numbered %d to %d; see the index page)",
			q.N, c.N(0), c.N(c.Len()-1))
	}
	var slot *orderings.Slot
	if record != "" && (q.Kind == Similar || q.Kind == Different) {
		slot = orderings.OpenSlot(record, l.c.Digest(), l.keptLimit(), orderings.Kind(q.Kind), anchor, uint32(q.N))
		defer slot.Close()
	}
	o, recorded := slot.Get()
	if !recorded {
		o = l.ordering(q, anchor)
	}
	chapters := l.pages(q, o)
	for ch := 1; ch <= l.Chapters(q); ch++ {
		if ctx.Err() != nil {
			return w, ErrStopped
		}
		path := filepath.Join(out, l.Name(q, ch))
		var pieces [][]byte
		var wrote bool
		if only == nil || slices.Contains(only, ch) || !exists(path) {
			pieces = chapters(ch)
			var err error
			if wrote, err = atomicfile.Update(path, pieces); err != nil {
				return w, err
			}
		}
		w.Files++
		if !wrote {
			if err := setTime(path, time.Now()); err != nil {
				return w, fmt.Errorf("marking %s as up to date: %w", path, err)
			}
			w.Same++
			continue
		}
		for _, p := range pieces {
			w.Bytes += int64(len(p))
		}
	}
	if !recorded {
		return w, slot.Fill(o)
	}
	return w, nil
}

// exists reports whether a regular file is at path.
func exists(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().IsRegular()
}
