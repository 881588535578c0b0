package main

import (
	"context"

	"pagegen/internal/packed"
	"pagegen/internal/render"
	"pagegen/internal/site"
)

// IndexCmd writes index.html.
type IndexCmd struct {
	Out string `short:"o" required:"" help:"Index file to write."`
}

// Run writes the index.
func (x *IndexCmd) Run(cli *CLI, ctx context.Context) error {
	return writePage(ctx, site.IndexPage, x.Out, func() ([][]byte, error) {
		c, err := packed.Open(cli.Corpus)
		if err != nil {
			return nil, err
		}
		return render.Index(c), nil
	})
}
