package deploy

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"pagegen/internal/atomicfile"
	"pagegen/internal/filesig"
)

// Local is a file of the site on this machine, to be published.
type Local struct {
	Name string // relative to the site, slash-separated: its name on the host under Dir
	Path string // on this machine
	Size int64
	SHA1 string // lower-case hex, once hashed
	sig  filesig.Sig
}

// Scan lists the files of the site in out that are published: every
// regular file (or link to one) in it and its folders, but hidden ones and
// those in hidden folders: the site's stamp and build record, temporary
// files, a .git. skipped names what else was left out, and why.
func Scan(out string) (files []Local, skipped []string, err error) {
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading the site: %w", err)
		}
		if path == out {
			return nil
		}
		rel, err := filepath.Rel(out, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".") || atomicfile.IsTemp(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() {
				skipped = append(skipped, name+" (a symbolic link, not to a file)")
				return nil
			}
			mode = fi.Mode().Type()
		}
		switch {
		case d.IsDir():
			return nil
		case !mode.IsRegular():
			skipped = append(skipped, fmt.Sprintf("%s (%s)", name, atomicfile.Kind(mode)))
			return nil
		}
		sig, ok := filesig.Of(path)
		if !ok {
			skipped = append(skipped, name+" (gone, or not a file)")
			return nil
		}
		files = append(files, Local{Name: name, Path: path, Size: sig.Size, sig: sig})
		return nil
	})
	return files, skipped, err
}
