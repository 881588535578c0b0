package deploy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/corpus"
	"pagegen/internal/filesig"
	"pagegen/internal/workers"
)

// hashes is the SHA-1 of the site's files as they were when last hashed,
// each with its file's signature (size, times, inode, device: see
// filesig), so that a deploy reads again only the files that may have
// changed since: a site of 93,693 files and 17.5 GB is otherwise read
// whole at every deploy.
type hashes struct {
	path, site string
	known      map[string]hashed // by name in the site
}

type hashed struct {
	sig  filesig.Sig
	sha1 string
}

// loadHashes reads the cache at path for the site in site (an absolute
// path); a missing, damaged or other site's cache is empty, which only
// means that the files are read again.
func loadHashes(path, site string) *hashes {
	h := &hashes{path: path, site: site, known: map[string]hashed{}}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte(corpus.HashesMark)) {
		return h
	}
	sc := bufio.NewScanner(bytes.NewReader(b[len(corpus.HashesMark):]))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() || sc.Text() != "site "+strconv.Quote(site) {
		return h
	}
	for sc.Scan() {
		// sha1 size mtime ctime ino dev "name"
		f := strings.SplitN(sc.Text(), " ", 7)
		if len(f) != 7 || len(f[0]) != 2*sha1.Size {
			return &hashes{path: path, site: site, known: map[string]hashed{}}
		}
		var n [5]int64
		for i := range n {
			if n[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
				return &hashes{path: path, site: site, known: map[string]hashed{}}
			}
		}
		name, err := strconv.Unquote(f[6])
		if err != nil {
			return &hashes{path: path, site: site, known: map[string]hashed{}}
		}
		h.known[name] = hashed{sha1: f[0], sig: filesig.Sig{Size: n[0], Mtime: n[1], Ctime: n[2], Ino: uint64(n[3]), Dev: uint64(n[4])}}
	}
	return h
}

// lookup sets the SHA-1 of the files whose signature is the one the
// cache recorded, and returns the others (by index in files): those to read.
func (h *hashes) lookup(files []Local) (todo []int) {
	for i := range files {
		if k, ok := h.known[files[i].Name]; ok && k.sig == files[i].sig {
			files[i].SHA1 = k.sha1
			continue
		}
		todo = append(todo, i)
	}
	return todo
}

// hash sets the SHA-1 of the files todo by reading them, jobs at a time;
// read is told the bytes of each file read.
func hash(ctx context.Context, files []Local, todo []int, jobs int, read func(bytes int64)) error {
	return workers.Run(len(todo), jobs, func(k int) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := &files[todo[k]]
		start := time.Now()
		sum, err := sha1Of(ctx, f.Path)
		if err != nil {
			return err
		}
		f.SHA1 = sum
		read(f.Size)
		// Kept only if the file was the same before and after its reading,
		// and not changed so close to it that its times could not tell.
		if after, ok := filesig.Of(f.Path); !ok || after != f.sig || racy(after, start) {
			f.sig = filesig.Sig{} // matches no file: read again next time
		}
		return nil
	})
}

// racyWindow is filesig.Racy; tests that cannot wait shorten it.
var racyWindow = filesig.Racy

// racy reports whether a file's times are too close to its reading at
// start (see filesig.Racy), or in the future, to vouch for what was read.
func racy(s filesig.Sig, start time.Time) bool {
	limit := start.Add(-racyWindow).UnixNano()
	return s.Mtime >= limit || s.Ctime >= limit
}

// buffers are for reading files, used again: a fresh one for each of
// 93,693 files kept the garbage collector busier than the hashing.
var buffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// sha1Of is the SHA-1 of the file at path, in lower-case hex.
func sha1Of(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the site: %w", err)
	}
	defer f.Close()
	h := sha1.New()
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	for {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		n, err := f.Read(*buf)
		h.Write((*buf)[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", fmt.Errorf("reading the site: %w", err)
		}
	}
}

// unchanged reports whether the cache already holds exactly files, when
// none of them was read (by lookup's todo): then save has nothing to write.
func (h *hashes) unchanged(files []Local, todo []int) bool {
	return len(todo) == 0 && len(h.known) == len(files)
}

// save writes the cache with the signatures of files (those that can vouch
// for their SHA-1), only when it changed, and never over a file that is
// not a cache.
func (h *hashes) save(files []Local) error {
	if err := atomicfile.CheckOurs(h.path, []byte(corpus.HashesMark)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (make deploy keeps its hashes beside it)", err)
	}
	var b strings.Builder
	b.Grow(len(files) * 128)
	b.WriteString(corpus.HashesMark)
	fmt.Fprintf(&b, "site %s\n", strconv.Quote(h.site))
	for _, f := range files {
		if f.sig == (filesig.Sig{}) || f.SHA1 == "" {
			continue
		}
		s := f.sig
		fmt.Fprintf(&b, "%s %d %d %d %d %d %s\n", f.SHA1, s.Size, s.Mtime, s.Ctime, int64(s.Ino), int64(s.Dev), strconv.Quote(f.Name))
	}
	_, err := atomicfile.Update(h.path, [][]byte{[]byte(b.String())})
	if errors.Is(err, os.ErrPermission) {
		return nil // a read-only folder: the files are read again next time, nothing worse
	}
	return err
}
