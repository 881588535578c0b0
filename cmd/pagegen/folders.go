package main

import (
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"slices"

	"pagegen/internal/atomicfile"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// madeElsewhere reports whether make runs in another folder than the shell
// that started it (make -C), where the relative paths of the settings are
// taken from: wd.
func madeElsewhere() (wd string, moved bool) {
	wd, err := os.Getwd()
	if err != nil || os.Getenv("PWD") == "" {
		return wd, false
	}
	here, err1 := os.Stat(".")
	shell, err2 := os.Stat(os.Getenv("PWD"))
	return wd, err1 == nil && err2 == nil && !os.SameFile(here, shell)
}

// checkPaths refuses a site folder, or a file beside the corpus, that the
// build could damage (see site.CheckOut, atomicfile.CheckOurs).
func (b *BuildCmd) checkPaths(corpus string) error {
	keep := b.Keep
	for _, f := range []string{b.Poems, b.Embeddings, b.Colors, corpus} {
		if f != "" {
			keep = append(keep, filepath.Dir(f))
		}
	}
	if err := site.CheckOut(b.Out, keep...); err != nil {
		return err
	}
	if err := checkPagesMK(b.PagesMK); err != nil {
		return err
	}
	return orderings.CheckOurs(orderings.Path(corpus))
}

// missing is the folders among dirs, and their parents, that do not exist
// (yet), the deepest first.
func missing(dirs ...string) []string {
	var m []string
	for _, d := range dirs {
		for d := filepath.Clean(d); d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Lstat(d); !errors.Is(err, os.ErrNotExist) || slices.Contains(m, d) {
				break
			}
			m = append(m, d)
		}
	}
	slices.SortFunc(m, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return m
}

// removeMade removes the folders made, the deepest first, each only if it
// is empty.
func removeMade(made []string) {
	for _, d := range made {
		os.Remove(d)
	}
}

// sweep removes temporary files left by killed writers beside the corpus
// and, if inSite, in the site's folders.
func sweep(corpus, out string, inSite bool) error {
	dirs := []string{filepath.Dir(corpus)}
	if inSite {
		for _, d := range site.Dirs {
			dirs = append(dirs, filepath.Join(out, d))
		}
	}
	for _, dir := range dirs {
		if _, err := atomicfile.Sweep(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
