package site

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"pagegen/internal/atomicfile"
	"pagegen/internal/quote"
	"pagegen/internal/render"
)

// StampName is the file in the site directory that says what its pages are
// made of: the corpus's contents, the settings that shape the pages and the
// page format. Every page depends on it and on nothing else, so it is
// rewritten only when one of those changes, and then every page is checked.
const StampName = ".pagegen-site"

// Dirs are the folders that hold the site's files, relative to the site.
var Dirs = []string{"", render.Similar.Name(), render.Different.Name()}

// Prune removes the files of the site that this layout no longer has: the
// pages of poems taken out of the collection, chapters past those now kept
// or a shorter chronology. It touches only names the site's files are given,
// and returns how many it removed.
func (l Layout) Prune(out string) (int, error) {
	removed := 0
	err := pages(out, Dirs, func(name string, _ fs.DirEntry) error {
		if _, _, kept := l.Parse(name); kept || !isPage(filepath.Join(out, name)) {
			return nil // the site's, or the poet's, named like a page
		}
		if err := os.Remove(filepath.Join(out, name)); err != nil {
			return fmt.Errorf("removing %s, which the site no longer has: %w", quote.Name(name), err)
		}
		removed++
		return nil
	})
	return removed, err
}

// isPage reports whether the file at path is a page pagegen wrote (see
// render.IsPage), reading no more than its head, and never through a link.
func isPage(path string) bool {
	f, err := atomicfile.OpenRegular(path, false)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, render.PageHead)
	n, _ := io.ReadFull(f, head)
	return render.IsPage(head[:n])
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
func (p Plan) Restamp(out string) (bool, error) {
	stamp := filepath.Join(out, StampName)
	wrote, err := atomicfile.Update(stamp, [][]byte{[]byte(p.Stamp())})
	if err != nil || !wrote {
		return false, err
	}
	// An earlier version's stamp is of no more use, and hosts would count it.
	if err := os.Remove(filepath.Join(out, legacyStamp)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true, fmt.Errorf("removing the old stamp: %w", err)
	}
	_, err = p.dateBack(out, p.Seqs())
	return true, err
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

// Recover marks for writing again the pages that may not have reached the
// disk whole. Pages are not synced one by one (that would cost a disk flush
// each), so a build's record in out (see BeginBuild) means that pages
// written since its time may not be on the disk yet: its build did not end,
// or ended without a sync (see EndBuild). If the machine went down since (a
// power cut, a crash, a reboot: another boot id), such a page may not be
// whole, and is dated back so that it is written again; on the same boot
// the pages renamed into place are whole (in the page cache) and are kept.
// It returns how many pages it dated back.
func Recover(out string) (int, error) {
	record := filepath.Join(out, BuildingName)
	fi, err := os.Lstat(record)
	if err != nil {
		return 0, nil
	}
	if b, err := readSmall(record); err == nil && sameBoot(b) {
		return 0, nil
	}
	since, dated := fi.ModTime(), 0
	return dated, pages(out, Dirs, func(name string, e fs.DirEntry) error {
		if info, err := e.Info(); err != nil || info.ModTime().Before(since) {
			return nil
		}
		if err := setTime(filepath.Join(out, name), time.Unix(0, 0)); err != nil {
			return fmt.Errorf("marking %s, written by an unfinished build, to be written again: %w", quote.Name(name), err)
		}
		dated++
		return nil
	})
}

// sameBoot reports whether a build's record was written since the machine
// last started.
func sameBoot(record []byte) bool {
	boot := bootID()
	return boot != "" && strings.Contains(string(record), "boot "+boot+"\n")
}

// BeginBuild records in out that a build starts writing pages, unless an
// earlier build of this boot's record is there: it stays, older, for the
// pages written since and this build's.
func BeginBuild(out string) error {
	record := filepath.Join(out, BuildingName)
	if b, err := readSmall(record); err == nil && sameBoot(b) {
		return nil
	}
	f, err := atomicfile.Create(record)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "pagegen builds write pages here, not all on the disk yet, since %s\nboot %s\n", time.Now().Format(time.RFC3339), bootID())
	return f.Commit(true)
}

// recordSize and stampSize bound the record's and the stamp's sizes, for the
// site's projection.
const (
	recordSize = 128
	stampSize  = 512
)

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
	if err := syncFS(out); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(out, BuildingName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", BuildingName, err)
	}
	return nil
}

// dateBack dates the files of seqs in out that are not older than the
// site's stamp back before it, so that make takes them for stale, and
// returns how many it dated.
func (l Layout) dateBack(out string, seqs []Seq) (int, error) {
	fi, err := os.Stat(filepath.Join(out, StampName))
	if err != nil {
		return 0, fmt.Errorf("reading the site's stamp: %w", err)
	}
	past, dated := fi.ModTime().Add(-time.Second), 0
	for _, q := range seqs {
		for _, name := range l.Files(q) {
			path := filepath.Join(out, name)
			if pf, err := os.Lstat(path); err == nil && !pf.ModTime().Before(fi.ModTime()) {
				if err := setTime(path, past); err != nil {
					return dated, fmt.Errorf("marking %s to be written again: %w", quote.Name(path), err)
				}
				dated++
			}
		}
	}
	return dated, nil
}

// setTime dates the file at path t, or the link itself if it is one: the
// build never follows a link inside the site.
func setTime(path string, t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, path, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "utimes", Path: path, Err: err}
	}
	return nil
}
