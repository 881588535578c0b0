package site

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"pagegen/internal/atomicfile"
	"pagegen/internal/lock"
	"pagegen/internal/quote"
)

// legacyStamp marked the sites of earlier versions of pagegen.
const legacyStamp = ".pagegen-corpus"

// CheckOut refuses a site folder that the build could damage: one that holds
// files but is not marked as a pagegen site (by its stamp), or that is, or
// holds, a folder the build reads from or keeps its own files in (the
// inputs', the packed corpus's, the repository) or the root; and one that
// another user could change under the build (see checkFolders).
func CheckOut(out string, keep ...string) error {
	abs, err := realPath(out)
	if err != nil {
		return fmt.Errorf("OUT=%s: %w", quote.Name(out), err)
	}
	if abs == string(filepath.Separator) {
		return fmt.Errorf("OUT=%s is the root of the file system: give the site a folder of its own, e.g. OUT=pages", quote.Name(out))
	}
	for _, k := range keep {
		ka, err := realPath(k)
		if err != nil {
			continue
		}
		switch {
		case ka == abs:
			return fmt.Errorf("OUT=%s is a folder the build reads or keeps its own files in (%s): give the site a folder of its own, e.g. OUT=pages", quote.Name(out), k)
		case strings.HasPrefix(ka, abs+string(filepath.Separator)):
			return fmt.Errorf("OUT=%s holds %s, a folder the build reads or keeps its own files in: give the site a folder of its own, e.g. OUT=pages", quote.Name(out), k)
		}
	}
	fi, err := os.Lstat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return checkAbove(out)
	case err != nil:
		return fmt.Errorf("OUT=%s: %w", quote.Name(out), err)
	case fi.Mode()&fs.ModeSymlink != 0:
		if fi, err = os.Stat(out); err != nil {
			return fmt.Errorf("OUT=%s is a symbolic link to nowhere (%w): make the folder it names, or give OUT another path", quote.Name(out), err)
		}
	}
	if !fi.IsDir() {
		return fmt.Errorf("OUT=%s is a file, not a folder: give the site a folder of its own, e.g. OUT=pages", quote.Name(out))
	}
	if err := checkFolders(out); err != nil {
		return err
	}
	if err := checkOurs(out); err != nil {
		return err
	}
	return checkRecords(out)
}

// IsSite reports whether out is a site pagegen made: it has a stamp.
func IsSite(out string) bool {
	_, err := os.Lstat(filepath.Join(out, StampName))
	return err == nil
}

// checkOurs refuses a folder that holds files but is not a site pagegen made.
func checkOurs(out string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("OUT=%s: %w", quote.Name(out), err)
	}
	// A build's temporary files and lock are its own (another build may be
	// starting).
	entries = slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return atomicfile.IsTemp(e.Name()) || e.Name() == lock.Name })
	if len(entries) == 0 || slices.ContainsFunc(entries, func(e fs.DirEntry) bool {
		return e.Name() == StampName || e.Name() == BuildingName || e.Name() == legacyStamp
	}) {
		return nil
	}
	var names []string
	for _, e := range entries[:min(3, len(entries))] {
		names = append(names, quote.Name(e.Name()))
	}
	if len(entries) > 3 {
		names = append(names, "…")
	}
	return fmt.Errorf("OUT=%s is not empty (it holds %s) and is not a site pagegen made (it has no %s), and the build never writes over files it did not make: give OUT a new or empty folder", quote.Name(out), strings.Join(names, ", "), StampName)
}

// Clean removes the site in out: its pages, its records and its
// leftovers, and then the folders they leave empty. Only a site pagegen
// made is cleaned, and only its pages (files named as its pages are, that
// begin as a page pagegen writes): a CNAME, a .git or a favicon of the
// poet's stays. A folder that keeps files of the poet's keeps a bare stamp
// too, so that it stays a site pagegen builds into and cleans; a link for
// OUT stays, and so does the folder it names. It returns how many files it
// removed.
func Clean(out string) (int, error) {
	return clean(out, Dirs, true)
}

// CleanKind removes the pages of one kind, similar or different, from the
// site in out, so that the next build writes them again; the rest of the
// site stays, and so does anything else in their folder.
func CleanKind(out string, k Kind) (int, error) {
	if k != Similar && k != Different {
		return 0, fmt.Errorf("only the similar or the different pages can be cleaned apart, not the %s", kindGoal(k))
	}
	return clean(out, []string{Seq{Kind: k}.Ordering().Name()}, false)
}

// clean removes the site's pages in out's folders dirs and their leftovers,
// and, if whole, the site's own records.
func clean(out string, dirs []string, whole bool) (int, error) {
	if _, err := os.Stat(out); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	for _, check := range []func(string) error{checkFolders, checkOurs, checkRecords} {
		if err := check(out); err != nil {
			return 0, fmt.Errorf("%w; it is left as it is", err)
		}
	}
	removed := 0
	remove := func(name string) error {
		err := os.Remove(filepath.Join(out, name))
		if err == nil {
			removed++
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cleaning the site: %w", err)
		}
		return nil
	}
	if err := pages(out, dirs, func(name string, _ fs.DirEntry) error {
		if !isPage(filepath.Join(out, name)) {
			return nil // the poet's, named like a page
		}
		return remove(name)
	}); err != nil {
		return removed, err
	}
	if whole {
		for _, name := range []string{BuildingName, legacyStamp} {
			if err := remove(name); err != nil {
				return removed, err
			}
		}
	}
	for _, dir := range slices.Backward(dirs) {
		n, err := atomicfile.Sweep(filepath.Join(out, dir))
		removed += n
		if err != nil {
			return removed, err
		}
		if dir != "" {
			os.Remove(filepath.Join(out, dir)) // only if empty; the poet's files stay
		}
	}
	if !whole {
		return removed, nil
	}
	if len(poetsFiles(out)) > 0 {
		// The poet's files stay: so does a stamp that says nothing more
		// than that this is a site, or the folder could be neither built
		// into nor cleaned.
		_, err := atomicfile.Update(filepath.Join(out, StampName), [][]byte{[]byte(stampHead)})
		return removed, err
	}
	for _, name := range []string{StampName, lock.Name} {
		if err := remove(name); err != nil {
			return removed, err
		}
	}
	if fi, err := os.Lstat(out); err == nil && fi.IsDir() {
		os.Remove(out) // only if empty; a link for OUT stays, and the folder it names
	}
	return removed, nil
}

// poetsFiles are the names in out that are not the site's own records or
// a build's leftovers.
func poetsFiles(out string) []string {
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		if n := e.Name(); !atomicfile.IsTemp(n) && !slices.Contains([]string{StampName, BuildingName, legacyStamp, lock.Name}, n) {
			names = append(names, n)
		}
	}
	return names
}

// realPath is path made absolute, its symbolic links resolved as far as it exists.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var rest []string
	for p := abs; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if p == filepath.Dir(p) {
			return abs, nil
		}
		rest = append([]string{filepath.Base(p)}, rest...)
	}
}
