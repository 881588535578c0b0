// Package atomicfile writes files so that they appear complete or not at all:
// the bytes go to a temporary file in the same directory, which is renamed
// over the target only once it is whole. An interrupted writer leaves at most
// a temporary file, never a truncated target that make would take as built.
package atomicfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"pagegen/internal/quote"
)

// TempPrefix, TempMark and TempSuffix frame the names of temporary files
// (.page.html.pagegen-123.tmp): hidden from
// listings, and easy to recognise after a kill -9.
const (
	TempPrefix = "."
	TempMark   = ".pagegen-"
	TempSuffix = ".tmp"
)

// File is a file being written; Commit puts it in place, Abort drops it.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path, creating its directory if needed.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating directory for %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, TempPrefix+base+TempMark+"*"+TempSuffix)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Commit closes the file, optionally flushing it to disk first, and renames
// it over the target. On error the temporary file is removed.
func (f *File) Commit(sync bool) error {
	if f.done {
		return fmt.Errorf("writing %s: already committed or aborted", f.path)
	}
	err := f.Chmod(mode())
	if err == nil && sync {
		err = f.Sync()
	} else if err == nil {
		// Start putting the bytes on the disk now, without waiting: a build
		// that ends with one sync then finds little left to write.
		unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err == nil && sync {
		err = syncDir(filepath.Dir(f.path)) // so that the rename survives a power cut
	}
	f.done = true
	if err != nil {
		os.Remove(f.Name())
		return failed(f.path, err)
	}
	return nil
}

// mode is what a new file gets: readable and writable by all, less the
// process's umask, as any program's files (CreateTemp made it 0600). The
// umask can only be read by setting it: the programs commit files one at a
// time, so no other file is created in between.
func mode() os.FileMode {
	umask := unix.Umask(0)
	unix.Umask(umask)
	return 0o666 &^ os.FileMode(umask)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// failed wraps a write error, saying what to do when the disk or the quota is full.
func failed(path string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("writing %s: %w: free some space (make size shows what the site needs) and run make again", path, err)
	}
	return fmt.Errorf("writing %s: %w", path, err)
}

// Failed is the error for a failed write to path, with the remedy when the disk is full.
func (f *File) Failed(err error) error { return failed(f.path, err) }

// Abort closes and removes the temporary file; it is a no-op after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// WriteBuffers writes the buffers in order, many per system call (writev), so
// that a page made of thousands of pieces is written without first being copied
// into one buffer. It returns the number of bytes written.
//
// One array of iovecs serves every call: a page's 15,600 pieces would
// otherwise take fresh memory for each writev, and on a small machine new
// memory costs more than the copying it saves.
func (f *File) WriteBuffers(bufs [][]byte) (int64, error) {
	var total int64
	iov := make([]unix.Iovec, 0, min(len(bufs), maxIovecs))
	for len(bufs) > 0 {
		iov = iov[:0]
		k := 0
		for ; k < len(bufs) && len(iov) < maxIovecs; k++ {
			if b := bufs[k]; len(b) > 0 {
				v := unix.Iovec{Base: &b[0]}
				v.SetLen(len(b))
				iov = append(iov, v)
			}
		}
		bufs = bufs[k:]
		for rest := iov; len(rest) > 0; {
			r, _, errno := unix.Syscall(unix.SYS_WRITEV, f.Fd(), uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)))
			if errno == unix.EINTR {
				continue
			}
			if errno != 0 {
				return total, failed(f.path, errno)
			}
			n := uint64(r)
			total += int64(n)
			// A short write: skip what was written and go on with the rest.
			for len(rest) > 0 && n >= rest[0].Len {
				n -= rest[0].Len
				rest = rest[1:]
			}
			if n > 0 {
				rest[0].Base = (*byte)(unsafe.Add(unsafe.Pointer(rest[0].Base), n))
				rest[0].Len -= n
			}
		}
	}
	return total, nil
}

// maxIovecs is the most buffers one writev takes (IOV_MAX on Linux).
const maxIovecs = 1024

// WriteFile writes data to path atomically (without forcing it to disk).
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return failed(path, err)
	}
	return f.Commit(false)
}

// IsTemp reports whether name is that of a temporary file of this package's.
func IsTemp(name string) bool {
	match, _ := filepath.Match(TempPrefix+"*"+TempMark+"*"+TempSuffix, name)
	return match
}

// Sweep removes the temporary files a killed writer left in dir (only safe
// while no writer runs there) and returns how many it removed.
//
// A site's folders hold thousands of pages, so the names are read straight
// from getdents, unsorted, and only those of temporary files are kept:
// os.ReadDir allocated and sorted them all, which was half of what make
// similar/N.html cost when every build swept the site.
func Sweep(dir string) (int, error) {
	d, err := os.Open(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sweeping %s: %w", dir, err)
	}
	defer d.Close()
	temps, err := tempNames(int(d.Fd()))
	if err != nil {
		return 0, fmt.Errorf("sweeping %s: %w", dir, err)
	}
	n := 0
	for _, t := range temps {
		// unlinkat without AT_REMOVEDIR leaves a directory of that name alone.
		switch err := unix.Unlinkat(int(d.Fd()), t, 0); err {
		case nil:
			n++
		case unix.ENOENT, unix.EISDIR:
		default:
			return n, fmt.Errorf("removing the leftover %s: %w", quote.Name(filepath.Join(dir, t)), err)
		}
	}
	return n, nil
}

// tempNames reads the directory fd and returns the names in it that are
// those of temporary files of this package's.
func tempNames(fd int) ([]string, error) {
	var temps []string
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return temps, nil
		}
		// struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				return nil, errors.New("getdents returned a malformed entry")
			}
			name := b[19:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			// Only this package's own names: another program's .x.tmp is not ours.
			if bytes.HasPrefix(name, []byte(TempPrefix)) && IsTemp(string(name)) {
				temps = append(temps, string(name))
			}
			b = b[reclen:]
		}
	}
}

// Same reports whether the file at path holds exactly the bytes of pieces,
// reading it only as far as the first difference. A missing or unreadable
// file is not the same.
//
// The file is mapped, not read: the comparison copies nothing, and faults
// in its pages a few dozen kilobytes at a time; a page process compares
// most of its chapters, and reading them into memory of its own faulted in
// more pages than the rest of the process did.
func Same(path string, pieces [][]byte) (same bool) {
	f, err := OpenRegular(path, false)
	if err != nil {
		return false
	}
	defer f.Close()
	var size int64
	for _, p := range pieces {
		size += int64(len(p))
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != size {
		return false
	}
	if size == 0 {
		return true
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return false
	}
	defer unix.Munmap(m)
	// A file cut short meanwhile faults in the mapping: not the same, not a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	for _, p := range pieces {
		if !bytes.Equal(m[:len(p)], p) {
			return false
		}
		m = m[len(p):]
	}
	return true
}

// Update writes pieces to path atomically unless the file already holds
// them, and then leaves it alone (as Kbuild's filechk): what depends on the
// file, and a copy of it elsewhere (a host, a backup), sees no change. It
// reports whether it wrote.
func Update(path string, pieces [][]byte) (wrote bool, err error) {
	if Same(path, pieces) {
		return false, nil
	}
	f, err := Create(path)
	if err != nil {
		return false, err
	}
	if _, err := f.WriteBuffers(pieces); err != nil {
		f.Abort()
		return false, err
	}
	return true, f.Commit(false)
}

// ErrNotOurs says a file is in the way that the build did not make.
var ErrNotOurs = errors.New("the build never replaces a file it did not make")

// CheckOurs returns nil if a file of the build's may be written at path:
// nothing is there, or a regular file beginning with mark, the first bytes
// of every file of that kind the build writes. Anything else (a user's
// file, a folder, a device, a link) is an error wrapping ErrNotOurs.
func CheckOurs(path string, mark []byte) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking %s before writing it: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, and %w", quote.Name(path), Kind(fi.Mode()), ErrNotOurs)
	}
	f, err := OpenRegular(path, false)
	if errors.Is(err, ErrNotRegular) {
		return fmt.Errorf("%s is not a regular file, and %w", quote.Name(path), ErrNotOurs) // changed since Lstat
	}
	if err != nil {
		return fmt.Errorf("checking %s before writing it: %w", quote.Name(path), err)
	}
	defer f.Close()
	head := make([]byte, len(mark))
	n, _ := io.ReadFull(f, head)
	// A file cut short while its first bytes were written is still ours.
	if n == 0 && fi.Size() > 0 || !bytes.Equal(head[:n], mark[:n]) {
		return fmt.Errorf("%s holds something the build did not write, and %w", quote.Name(path), ErrNotOurs)
	}
	return nil
}

// Kind names a file's type in words, for messages: "a directory", "a pipe".
func Kind(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "a file"
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m&os.ModeNamedPipe != 0:
		return "a pipe"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
