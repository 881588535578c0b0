package site

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/render"
)

// StampName is the file in the site directory that says what its pages are
// made of: the corpus's contents, the settings that shape the pages and the
// page format. Every page depends on it and on nothing else, so it is
// rewritten only when one of those changes, and then every page is checked.
const StampName = ".pagegen-site"

// Stamp is the stamp's content for this layout.
func (l Layout) Stamp() string {
	d := l.c.Digest()
	per := "whole"
	if l.count > 1 {
		per = fmt.Sprint(l.per)
	}
	return fmt.Sprintf("pagegen site\nformat %d\ncorpus %s\nper-page %s\nchapters %d\n",
		render.FormatVersion, hex.EncodeToString(d[:]), per, l.kept)
}

// Outdated returns the sequences of seqs that make will write: all of them
// when the site's stamp says something else than this layout's, else those
// with a file missing or older than the stamp, exactly make's rule for them.
func (l Layout) Outdated(seqs []Seq, out string) ([]Seq, error) {
	stamp := filepath.Join(out, StampName)
	b, err := os.ReadFile(stamp)
	if err != nil || string(b) != l.Stamp() {
		return seqs, nil
	}
	fi, err := os.Stat(stamp)
	if err != nil {
		return nil, fmt.Errorf("checking which pages are up to date: %w", err)
	}
	var stale []Seq
	for _, q := range seqs {
		for _, name := range l.Files(q) {
			pf, err := os.Stat(filepath.Join(out, name))
			if err != nil || pf.ModTime().Before(fi.ModTime()) {
				stale = append(stale, q)
				break
			}
		}
	}
	return stale, nil
}

// Dirs are the folders that hold the site's files, relative to the site.
var Dirs = []string{"", render.Similar.Name(), render.Different.Name()}

// Prune removes the files of the site that this layout no longer has: the
// pages of poems taken out of the collection, chapters past those now kept
// or a shorter chronology. It touches only names the site's files are given,
// and returns how many it removed.
func (l Layout) Prune(out string) (int, error) {
	removed := 0
	for _, dir := range Dirs {
		entries, err := os.ReadDir(filepath.Join(out, dir))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("pruning the site: %w", err)
		}
		for _, e := range entries {
			name := strings.TrimPrefix(dir+"/"+e.Name(), "/")
			if _, _, ours := parseName(name); !ours || !e.Type().IsRegular() {
				continue
			}
			if _, _, kept := l.Parse(name); kept {
				continue
			}
			if err := os.Remove(filepath.Join(out, name)); err != nil {
				return removed, fmt.Errorf("removing %s, which the site no longer has: %w", name, err)
			}
			removed++
		}
	}
	return removed, nil
}

// Restamp writes the site's stamp in out when it says something new, and
// then dates back every file of the site that is not older than it: a page
// dated in the future (a clock set wrong, a copy from elsewhere) would
// otherwise be taken by make as newer than the stamp, and keep bytes of
// another corpus or format.
func (l Layout) Restamp(out string) error {
	stamp := filepath.Join(out, StampName)
	wrote, err := atomicfile.Update(stamp, [][]byte{[]byte(l.Stamp())})
	if err != nil || !wrote {
		return err
	}
	fi, err := os.Stat(stamp)
	if err != nil {
		return fmt.Errorf("reading the site's stamp: %w", err)
	}
	past := fi.ModTime().Add(-time.Second)
	for _, q := range l.Seqs() {
		for _, name := range l.Files(q) {
			path := filepath.Join(out, name)
			if pf, err := os.Stat(path); err == nil && !pf.ModTime().Before(fi.ModTime()) {
				if err := os.Chtimes(path, past, past); err != nil {
					return fmt.Errorf("dating back %s, dated in the future: %w", path, err)
				}
			}
		}
	}
	return nil
}
