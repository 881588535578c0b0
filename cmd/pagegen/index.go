package main

import (
	"context"

	"pagegen/internal/packed"
	"pagegen/internal/render"
)

// IndexCmd writes index.html.
type IndexCmd struct {
	Out string `short:"o" required:"" help:"Index file to write."`
}

// Run writes the index.
func (x *IndexCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		return writeFile(ctx, x.Out, render.Index(c))
	})
}
