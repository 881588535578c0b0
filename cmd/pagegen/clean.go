package main

import (
	"errors"
	"fmt"
	"os"

	"pagegen/internal/atomicfile"
	"pagegen/internal/filesig"
	"pagegen/internal/packed"
	"pagegen/internal/site"
)

// CleanCmd removes the site and the build's files beside the packed corpus,
// each only if the build made it.
type CleanCmd struct {
	Out      string `required:"" help:"Site directory (OUT)."`
	Makefile string `help:"The site's make fragment beside the corpus (PAGES_MK)."`
}

// Run cleans the site (refusing a folder that is not one) and then each of
// the corpus's files, leaving in place, with a word, one that is not ours.
func (c *CleanCmd) Run(cli *CLI) error {
	n, err := site.Clean(c.Out)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Printf("pagegen: removed the site in %s (%d %s)\n", c.Out, n, plural(n, "file"))
	}
	for _, f := range []struct{ path, mark string }{
		{cli.Corpus, packed.Magic},
		{packed.RecordPath(cli.Corpus), filesig.Mark},
		{packed.MissingListPath(cli.Corpus), packed.MissingMark},
		{c.Makefile, site.MakefileMark},
	} {
		if f.path == "" {
			continue
		}
		if err := atomicfile.CheckOurs(f.path, []byte(f.mark)); err != nil {
			fmt.Printf("pagegen: %v: it is left as it is\n", err)
			continue
		}
		if err := os.Remove(f.path); err == nil {
			fmt.Printf("pagegen: removed %s\n", f.path)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cleaning: %w", err)
		}
	}
	return nil
}
