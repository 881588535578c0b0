package main

import (
	"bytes"
	"context"
	"os"

	"pagegen/internal/packed"
	"pagegen/internal/site"
)

// StampCmd writes the site's stamp (site.StampName): the fingerprint of the
// packed corpus. Pages depend on it, so building a site from another corpus
// (another CORPUS, other settings) rebuilds every page, even pages that are
// newer than that corpus.
type StampCmd struct {
	Out string `short:"o" required:"" help:"Stamp file to write."`
}

// Run rewrites the stamp only when it names another corpus.
func (s *StampCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		want := []byte(site.Stamp(c))
		if old, err := os.ReadFile(s.Out); err == nil && bytes.Equal(old, want) {
			return nil
		}
		_, err := writeFile(ctx, s.Out, [][]byte{want})
		return err
	})
}
