package main

import (
	"context"
	"fmt"

	"pagegen/internal/order"
	"pagegen/internal/packed"
	"pagegen/internal/render"
	"pagegen/internal/site"
)

// PageArgs are the arguments of the similar and different commands.
type PageArgs struct {
	N   int    `arg:"" help:"Poem number (poem_index, or position in poems.json)."`
	Out string `short:"o" required:"" help:"Page file to write."`
}

// SimilarCmd writes similar/N.html.
type SimilarCmd struct{ PageArgs }

// Run writes the page.
func (s *SimilarCmd) Run(cli *CLI, ctx context.Context) error {
	return s.write(ctx, cli.Corpus, render.Similar)
}

// DifferentCmd writes different/N.html.
type DifferentCmd struct{ PageArgs }

// Run writes the page.
func (d *DifferentCmd) Run(cli *CLI, ctx context.Context) error {
	return d.write(ctx, cli.Corpus, render.Different)
}

func (p *PageArgs) write(ctx context.Context, corpus string, kind render.Kind) error {
	return writePage(ctx, site.PageOf(kind, p.N), p.Out, func() ([][]byte, error) {
		c, err := packed.Open(corpus)
		if err != nil {
			return nil, err
		}
		// The pieces point into the mapping, which stays until the process exits.
		i, ok := c.Index(p.N)
		if !ok {
			return nil, fmt.Errorf("poem %d is not in %s (its poems are numbered %d to %d; see the index page)",
				p.N, corpus, c.N(0), c.N(c.Len()-1))
		}
		g := order.Gram{N: c.Len(), Cos: c.Gram(), Norms: c.Norms()}
		var seq []int32
		if kind == render.Similar {
			seq = order.Similar(g, i)
		} else {
			seq = order.Different(g, i)
		}
		return render.Page(kind, c, seq), nil
	})
}
