package main

import (
	"context"
	"fmt"

	"pagegen/internal/order"
	"pagegen/internal/packed"
	"pagegen/internal/render"
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
	return withCorpus(corpus, func(c *packed.Corpus) error {
		i, ok := c.Index(p.N)
		if !ok {
			return fmt.Errorf("poem %d is not in %s (its poems are numbered %d to %d; see the index page)",
				p.N, corpus, c.N(0), c.N(c.Len()-1))
		}
		g := order.Gram{N: c.Len(), Cos: c.Gram(), Norms: c.Norms()}
		var seq []int32
		if kind == render.Similar {
			seq = order.Similar(g, i)
		} else {
			seq = order.Different(g, i)
		}
		return writeFile(ctx, p.Out, render.Page(kind, c, seq))
	})
}
