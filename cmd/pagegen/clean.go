package main

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"

	"pagegen/internal/amount"
	"pagegen/internal/atomicfile"
	"pagegen/internal/corpus"
	"pagegen/internal/filesig"
	"pagegen/internal/lock"
	"pagegen/internal/quote"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// CleanCmd removes the site and the build's files beside the packed corpus,
// each only if the build made it.
type CleanCmd struct {
	Out      string `required:"" help:"Site directory (OUT)."`
	Makefile string `help:"The site's make fragment beside the corpus (PAGES_MK)."`
	Only     string `enum:",similar,different" default:"" help:"Remove only the similar or the different pages (make clean-similar), so that they are built again; the rest stays."`
	Programs string `placeholder:"DIR" help:"Remove the programs the build made in DIR (BIN) too, and their records: only programs built from this module's commands."`
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
	locks, err := lock.Dirs(ctx, lock.SayWaiting, dirs...)
	if err != nil {
		return err
	}
	defer locks.Release()
	if c.Only != "" {
		k := map[string]site.Kind{"similar": site.Similar, "different": site.Different}[c.Only]
		n, err := site.CleanKind(c.Out, k)
		if n > 0 {
			fmt.Printf("pagegen: removed the %s pages in %s (%s)\n", c.Only, quote.Name(c.Out), amount.Of(n, "file"))
		}
		return err
	}
	n, err := site.Clean(c.Out)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Printf("pagegen: removed the site in %s (%s)\n", quote.Name(c.Out), amount.Of(n, "file"))
	}
	if site.IsSite(c.Out) {
		fmt.Printf("pagegen: %s keeps files of yours, and so its stamp (%s), which makes it a site pagegen builds into\n", quote.Name(c.Out), site.StampName)
	}
	for _, f := range []struct{ path, mark string }{
		{cli.Corpus, corpus.Magic},
		{corpus.RecordPath(cli.Corpus), filesig.Mark},
		{corpus.MissingListPath(cli.Corpus), corpus.MissingMark},
		{orderings.Path(cli.Corpus), orderings.Magic},
		{c.Makefile, site.MakefileMark},
		{corpus.HashesPath(cli.Corpus), corpus.HashesMark},
		{filepath.Join(filepath.Dir(cli.Corpus), lock.Name), ""}, // held by this clean until it ends
	} {
		if f.path == "" {
			continue
		}
		if err := atomicfile.CheckOurs(f.path, []byte(f.mark)); err != nil {
			fmt.Printf("pagegen: %s: it is left as it is\n", quote.Lines(err.Error()))
			continue
		}
		if err := removeOurs(f.path, f.mark != ""); err != nil {
			return err
		}
	}
	if c.Programs != "" {
		return cleanPrograms(c.Programs)
	}
	return nil
}

// removeOurs removes path, a file of the build's, saying so if say.
func removeOurs(path string, say bool) error {
	switch err := os.Remove(path); {
	case err == nil && say:
		fmt.Printf("pagegen: removed %s\n", quote.Name(path))
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("cleaning: %w", err)
	}
	return nil
}

// programs are the programs the build makes in BIN.
var programs = []string{"corpus-pack", "pagegen", "embed", "deploy", "bench"}

// toolMarks begin the records make keeps beside a program (bin/.pagegen.cmd,
// the command it was built with, and bin/.pagegen.stamp); earlier records of
// the command began with its first variable.
var toolMarks = []string{"pagegen built ", "GOEXPERIMENT="}

// cleanPrograms removes from bin the programs the build made there, and
// their records: a program is the build's when Go built it from this
// module's command of its name (its build information says so), so a
// program or a folder of the poet's of that name, in a BIN they share with
// their own, stays.
func cleanPrograms(bin string) error {
	for _, name := range programs {
		path := filepath.Join(bin, name)
		switch ours, err := builtHere(path, name); {
		case errors.Is(err, os.ErrNotExist):
		case !ours:
			fmt.Printf("pagegen: %s is not a program pagegen built: it is left as it is\n", quote.Name(path))
			continue
		default:
			if err := removeOurs(path, true); err != nil {
				return err
			}
		}
		for _, rec := range []string{"." + name + ".cmd", "." + name + ".stamp"} {
			rec = filepath.Join(bin, rec)
			if !slices.ContainsFunc(toolMarks, func(m string) bool { return atomicfile.CheckOurs(rec, []byte(m)) == nil }) {
				continue
			}
			if err := removeOurs(rec, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// builtHere reports whether the file at path is the program cmd/name of
// this module, as Go records it in the programs it builds.
func builtHere(path, name string) (bool, error) {
	f, err := atomicfile.OpenRegular(path, false)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := buildinfo.Read(f)
	self, ok := debug.ReadBuildInfo()
	return err == nil && ok && info.Path == self.Main.Path+"/cmd/"+name, nil
}
