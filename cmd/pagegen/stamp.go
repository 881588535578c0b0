package main

import (
	"context"

	"pagegen/internal/packed"
)

// StampCmd writes the site's stamp (site.StampName): what its pages are made
// of. Every page depends on it alone, so pages are rebuilt exactly when the
// corpus's contents, the settings or the page format change.
type StampCmd struct {
	Out string `required:"" help:"Site directory (OUT)."`
	SiteFlags
}

// Run rewrites the stamp only when its content changes (see site.Restamp).
func (s *StampCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		l, err := s.layout(c)
		if err != nil {
			return err
		}
		return l.Restamp(s.Out)
	})
}
