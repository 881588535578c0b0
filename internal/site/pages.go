package site

import (
	"pagegen/internal/order"
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
// anchor as the site shows.
func (l Layout) Ordering(k render.Kind, anchor int) []int32 {
	g := order.Gram{N: l.c.Len(), Cos: l.c.Gram(), Norms: l.c.Norms()}
	if k == render.Similar {
		return order.Similar(g, anchor, l.Limit())
	}
	return order.Different(g, anchor, l.Limit())
}
