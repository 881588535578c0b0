package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"pagegen/internal/atomicfile"
	"pagegen/internal/filesig"
	"pagegen/internal/lock"
	"pagegen/internal/orderings"
	"pagegen/internal/packed"
	"pagegen/internal/plural"
	"pagegen/internal/quote"
	"pagegen/internal/site"
)

// CleanCmd removes the site and the build's files beside the packed corpus,
// each only if the build made it.
type CleanCmd struct {
	Out      string `required:"" help:"Site directory (OUT)."`
	Makefile string `help:"The site's make fragment beside the corpus (PAGES_MK)."`
	Only     string `enum:",similar,different" default:"" help:"Remove only the similar or the different pages (make clean-similar), so that they are built again; the rest stays."`
}

// Run cleans the site (refusing a folder that is not one) and then each of
// the corpus's files, leaving in place, with a word, one that is not ours.
// A build running there is waited for, as another build would.
func (c *CleanCmd) Run(cli *CLI, ctx context.Context) error {
	var dirs []string
	for _, d := range []string{filepath.Dir(cli.Corpus), c.Out} {
		if _, err := os.Stat(d); err == nil {
			dirs = append(dirs, d)
		}
	}
	locks, err := lock.Dirs(ctx, waiting, dirs...)
	if err != nil {
		return err
	}
	defer locks.Release()
	if c.Only != "" {
		k := map[string]site.Kind{"similar": site.Similar, "different": site.Different}[c.Only]
		n, err := site.CleanKind(c.Out, k)
		if n > 0 {
			fmt.Printf("pagegen: removed the %s pages in %s (%s)\n", c.Only, quote.Name(c.Out), plural.Of(n, "file"))
		}
		return err
	}
	n, err := site.Clean(c.Out)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Printf("pagegen: removed the site in %s (%s)\n", quote.Name(c.Out), plural.Of(n, "file"))
	}
	for _, f := range []struct{ path, mark string }{
		{cli.Corpus, packed.Magic},
		{packed.RecordPath(cli.Corpus), filesig.Mark},
		{packed.MissingListPath(cli.Corpus), packed.MissingMark},
		{orderings.Path(cli.Corpus), orderings.Magic},
		{c.Makefile, site.MakefileMark},
		{filepath.Join(filepath.Dir(cli.Corpus), lock.Name), ""}, // held by this clean until it ends
	} {
		if f.path == "" {
			continue
		}
		if err := atomicfile.CheckOurs(f.path, []byte(f.mark)); err != nil {
			fmt.Printf("pagegen: %s: it is left as it is\n", quote.Lines(err.Error()))
			continue
		}
		switch err := os.Remove(f.path); {
		case err == nil && f.mark != "":
			fmt.Printf("pagegen: removed %s\n", quote.Name(f.path))
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("cleaning: %w", err)
		}
	}
	return nil
}
