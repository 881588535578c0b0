// Package filesig tells whether files may have changed since they were last
// read, without reading them, as git's index does: a record keeps each
// file's size, modification and change times, inode and device next to a key
// (a hash of what was read). A file whose signature still matches need not be
// hashed again; any write, rename or touch changes its change time, which no
// user can set, so a clock or a touch -d cannot make a changed file look old.
package filesig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"pagegen/internal/atomicfile"
)

// Sig is what a file's metadata says of its contents.
type Sig struct {
	Size, Mtime, Ctime int64 // times in nanoseconds
	Ino, Dev           uint64
}

// Of is the signature of the file at path; ok is false when path is not a
// regular file (a pipe can be read only once, so it never matches).
func Of(path string) (s Sig, ok bool) {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return s, false
	}
	return Sig{
		Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(),
		Ino: st.Ino, Dev: st.Dev,
	}, true
}

// Racy is how close to its reading a file's times may be and still be
// trusted: file systems stamp times with a coarse clock (a tick of a few ms,
// a second or two on some), so a write in the same tick as the reading would
// leave the same times behind. Such a file is read again next time.
const Racy = 2 * time.Second

// Record is the signatures of files known to hold what Key was made from.
type Record struct {
	Key   string
	files map[string]Sig
}

// Mark begins every record file, so that one is never written over a file
// the build did not make.
const Mark = "# pagegen: files as they were when checked; safe to delete\n"

// New is an empty record for key.
func New(key string) *Record { return &Record{Key: key, files: map[string]Sig{}} }

// Add records path's signature if it can be trusted for what was read from
// it at readAt (the zero time: written by the build itself, under its lock).
// A file changed near readAt, or dated in the future, is left out, and so
// is read again next time.
func (r *Record) Add(path string, readAt time.Time) {
	s, ok := Of(path)
	if !ok {
		return
	}
	if !readAt.IsZero() {
		limit := readAt.Add(-Racy).UnixNano()
		if s.Mtime >= limit || s.Ctime >= limit {
			return
		}
	}
	r.files[path] = s
}

// Unchanged reports whether every path still has its recorded signature.
func (r *Record) Unchanged(paths ...string) bool {
	for _, p := range paths {
		want, ok := r.files[p]
		if !ok {
			return false
		}
		if s, ok := Of(p); !ok || s != want {
			return false
		}
	}
	return true
}

// maxRecord bounds what is read of a record: a few lines, one a file.
const maxRecord = 1 << 20

// Load reads the record at path; a missing or unreadable record is empty,
// which only means the files are read again.
func Load(path string) *Record {
	r := New("")
	b, err := atomicfile.ReadSmall(path, maxRecord)
	if err != nil || !bytes.HasPrefix(b, []byte(Mark)) {
		return r
	}
	sc := bufio.NewScanner(bytes.NewReader(b[len(Mark):]))
	for sc.Scan() {
		if k, ok := strings.CutPrefix(sc.Text(), "key "); ok {
			r.Key = k
			continue
		}
		f := strings.SplitN(sc.Text(), " ", 6)
		if len(f) != 6 {
			return New("")
		}
		var s Sig
		var n [5]int64
		for i := range n {
			if n[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
				return New("")
			}
		}
		s.Size, s.Mtime, s.Ctime, s.Ino, s.Dev = n[0], n[1], n[2], uint64(n[3]), uint64(n[4])
		path, err := strconv.Unquote(f[5])
		if err != nil {
			return New("")
		}
		r.files[path] = s
	}
	return r
}

// Save writes the record to path (only when it changed), refusing to
// replace a file that is not a record.
func (r *Record) Save(path string) error {
	if err := atomicfile.CheckOurs(path, []byte(Mark)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder", err)
	}
	var b strings.Builder
	b.WriteString(Mark)
	fmt.Fprintf(&b, "key %s\n", r.Key)
	for _, p := range slices.Sorted(maps.Keys(r.files)) {
		s := r.files[p]
		fmt.Fprintf(&b, "%d %d %d %d %d %s\n", s.Size, s.Mtime, s.Ctime, int64(s.Ino), int64(s.Dev), strconv.Quote(p))
	}
	_, err := atomicfile.Update(path, [][]byte{[]byte(b.String())})
	if errors.Is(err, os.ErrPermission) {
		return nil // a read-only folder: the files are read again next time, nothing worse
	}
	return err
}
