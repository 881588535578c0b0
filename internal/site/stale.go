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

	"golang.org/x/sys/unix"

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
	err := pages(out, Dirs, func(name string, _ fs.DirEntry) error {
		if _, _, kept := l.Parse(name); kept {
			return nil
		}
		if err := os.Remove(filepath.Join(out, name)); err != nil {
			return fmt.Errorf("removing %s, which the site no longer has: %w", name, err)
		}
		removed++
		return nil
	})
	return removed, err
}

// pages calls fn with each regular file in out's folders dirs named as the
// site's pages are (whatever the corpus and settings), by its name relative
// to out.
func pages(out string, dirs []string, fn func(name string, e fs.DirEntry) error) error {
	for _, dir := range dirs {
		entries, err := os.ReadDir(filepath.Join(out, dir))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading the site: %w", err)
		}
		for _, e := range entries {
			name := strings.TrimPrefix(dir+"/"+e.Name(), "/")
			if _, _, ours := parseName(name); !ours || !e.Type().IsRegular() {
				continue
			}
			if err := fn(name, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Restamp writes the site's stamp in out when it says something new, and
// then dates back every file of the site that is not older than it: a page
// dated in the future (a clock set wrong, a copy from elsewhere) would
// otherwise be taken by make as newer than the stamp, and keep bytes of
// another corpus or format. It reports whether the stamp changed.
func (l Layout) Restamp(out string) (bool, error) {
	stamp := filepath.Join(out, StampName)
	wrote, err := atomicfile.Update(stamp, [][]byte{[]byte(l.Stamp())})
	if err != nil || !wrote {
		return false, err
	}
	// An earlier version's stamp is of no more use, and hosts would count it.
	if err := os.Remove(filepath.Join(out, legacyStamp)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true, fmt.Errorf("removing the old stamp: %w", err)
	}
	fi, err := os.Stat(stamp)
	if err != nil {
		return true, fmt.Errorf("reading the site's stamp: %w", err)
	}
	past := fi.ModTime().Add(-time.Second)
	for _, q := range l.Seqs() {
		for _, name := range l.Files(q) {
			path := filepath.Join(out, name)
			if pf, err := os.Stat(path); err == nil && !pf.ModTime().Before(fi.ModTime()) {
				if err := os.Chtimes(path, past, past); err != nil {
					return true, fmt.Errorf("dating back %s, dated in the future: %w", path, err)
				}
			}
		}
	}
	return true, nil
}

// BuildingName is the file in the site directory that says a build is
// writing pages there: removed once the build's pages are safe on the disk.
const BuildingName = ".pagegen-building"

// bootID names this boot of the machine (Linux); "" when unknown.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// BeginBuild records in out that a build starts writing pages, unless an
// earlier build's record is there. Pages are not synced one by one (that
// would cost a disk flush each), so a record means that pages written since
// its time may not be on the disk yet: its build did not end, or ended
// without a sync (see EndBuild). If the machine went down since (a power
// cut, a crash, a reboot: another boot id), such a page may not be whole,
// and is dated back so that it is written again; on the same boot the pages
// renamed into place are whole (in the page cache) and are kept, and the
// record stays, older, for them and this build's pages. It returns how many
// pages it dated back.
func BeginBuild(out string) (int, error) {
	record := filepath.Join(out, BuildingName)
	boot := bootID()
	dated := 0
	if fi, err := os.Stat(record); err == nil {
		b, _ := os.ReadFile(record)
		if boot != "" && strings.Contains(string(b), "boot "+boot+"\n") {
			return 0, nil
		}
		since := fi.ModTime()
		err := pages(out, Dirs, func(name string, e fs.DirEntry) error {
			if info, err := e.Info(); err != nil || info.ModTime().Before(since) {
				return nil
			}
			if err := os.Chtimes(filepath.Join(out, name), time.Unix(0, 0), time.Unix(0, 0)); err != nil {
				return fmt.Errorf("marking %s, written by an unfinished build, to be written again: %w", name, err)
			}
			dated++
			return nil
		})
		if err != nil {
			return dated, err
		}
	}
	f, err := atomicfile.Create(record)
	if err != nil {
		return dated, err
	}
	fmt.Fprintf(f, "pagegen builds write pages here, not all on the disk yet, since %s\nboot %s\n", time.Now().Format(time.RFC3339), boot)
	return dated, f.Commit(true)
}

// recordSize bounds the record's size, for the site's projection.
const recordSize = 128

// FewFiles is how many files a build may write and leave to the kernel to
// put on the disk: a small build (make similar/12.html) ends at once, and
// its record stays until a larger build syncs the file system.
const FewFiles = 256

// EndBuild ends a build that wrote files pages. A larger build syncs the
// file system once, which puts every page written since the record on the
// disk, and removes the record; a small one leaves both to later.
func EndBuild(out string, files int) error {
	if files <= FewFiles {
		return nil
	}
	d, err := os.Open(out)
	if err != nil {
		return fmt.Errorf("syncing the site: %w", err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("syncing the site: %w", err)
	}
	if err := os.Remove(filepath.Join(out, BuildingName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", BuildingName, err)
	}
	return nil
}

// Stamped is the settings the site in out was last laid out with, read from
// its stamp; ok is false when it has none.
func Stamped(out string) (s Settings, ok bool) {
	b, err := os.ReadFile(filepath.Join(out, StampName))
	if err != nil {
		return s, false
	}
	var per string
	var chapters int
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "per-page":
			per = v
		case "chapters":
			if _, err := fmt.Sscan(v, &chapters); err != nil {
				return s, false
			}
		}
	}
	if per == "whole" {
		return Settings{}, true
	}
	if _, err := fmt.Sscan(per, &s.PerPage); err != nil || s.PerPage < 1 || chapters < 1 {
		return Settings{}, false
	}
	s.Chapters = chapters
	return s, true
}
