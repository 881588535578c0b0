package site

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/order"
	"pagegen/internal/orderings"
	"pagegen/internal/render"
)

// Pages computes q's entries once and gives each chapter's pieces (from 1),
// ready to be written in order; nil when q's poem is not in the corpus.
func (l Layout) Pages(q Seq) func(c int) [][]byte {
	c := l.c
	switch q.Kind {
	case Index:
		return func(int) [][]byte { return render.Index(c, l.Name(Seq{Kind: Chrono}, 1)) }
	case Chrono:
		return func(ch int) [][]byte {
			lo, hi := l.Span(q, ch)
			return render.Chronological(c, c.Chrono()[lo:hi], l.Part(q, ch))
		}
	}
	anchor, ok := c.Index(q.N)
	if !ok {
		return nil
	}
	seq := l.Ordering(q.Ordering(), anchor)
	return func(ch int) [][]byte {
		lo, hi := l.Span(q, ch)
		return render.Ordering(q.Ordering(), c, anchor, seq[lo:hi], l.Part(q, ch))
	}
}

// Ordering is as much of the ordering of kind k from the poem at index
// anchor as the site shows: from the record of the site's orderings when the
// layout has one (see UseRecord), else computed.
func (l Layout) Ordering(k render.Kind, anchor int) []int32 {
	if r := l.record; r != nil {
		picks := r.Similar(anchor)
		if k == render.Different {
			picks, _ = r.Walk(anchor)
		}
		seq := make([]int32, len(picks))
		for i, p := range picks {
			seq[i] = int32(min(p, uint32(l.c.Len()-1))) // Verify checked them; a page never reads out of range
		}
		return seq
	}
	if k == render.Similar {
		return order.Similar(l.gram(), anchor, l.Limit())
	}
	return order.Different(l.gram(), anchor, l.Limit())
}

// UseRecord has l read its orderings from the record at path, written by
// the build for this corpus and layout, instead of computing them: a page
// process then reads a few kB instead of hundreds of Gram rows. A record of
// another corpus or layout, or none, is not used.
func (l Layout) UseRecord(path string) Layout {
	r, err := orderings.Open(path)
	if err != nil {
		return l
	}
	if r.Corpus() != l.c.Digest() || r.Limit() == 0 || r.Limit() != l.Limit() || r.Len() != l.c.Len() {
		r.Close()
		return l
	}
	l.record = r
	return l
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
// the site's stamp, as make wants.
func (l Layout) Write(ctx context.Context, out string, q Seq) (Written, error) {
	var w Written
	chapters := l.Pages(q)
	if chapters == nil {
		c := l.c
		return w, fmt.Errorf("poem %d is not in the corpus (its poems are numbered %d to %d; see the index page)",
			q.N, c.N(0), c.N(c.Len()-1))
	}
	for ch := 1; ch <= l.Chapters(q); ch++ {
		if ctx.Err() != nil {
			return w, ErrStopped
		}
		pieces := chapters(ch)
		path := filepath.Join(out, l.Name(q, ch))
		wrote, err := atomicfile.Update(path, pieces)
		if err != nil {
			return w, err
		}
		w.Files++
		if !wrote {
			now := time.Now()
			if err := os.Chtimes(path, now, now); err != nil {
				return w, fmt.Errorf("marking %s as up to date: %w", path, err)
			}
			w.Same++
			continue
		}
		for _, p := range pieces {
			w.Bytes += int64(len(p))
		}
	}
	return w, nil
}
