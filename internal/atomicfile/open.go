package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"pagegen/internal/quote"
)

// ErrNotRegular says that a path the build reads one of its own files from
// holds something else: a pipe, a device, a folder, or (where links are not
// followed) a symbolic link.
var ErrNotRegular = errors.New("not a file the build wrote: move it away")

// OpenRegular opens path for reading only if it is a regular file. A pipe
// or a device there is refused without blocking (a FIFO would hold the
// open until some writer came, for ever), and, unless follow, so is a
// symbolic link: the build never follows a link to where its own file
// should be. The check is made on the file opened, not on a name that could
// change in between.
func OpenRegular(path string, follow bool) (*os.File, error) {
	flags := unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(path, flags, 0)
	if errors.Is(err, unix.ELOOP) && !follow {
		return nil, fmt.Errorf("%s is a symbolic link, %w", quote.Name(path), ErrNotRegular)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is %s, %w", quote.Name(path), Kind(fi.Mode()), ErrNotRegular)
	}
	// Reads of a regular file never block anyway; the flag only kept the
	// open from waiting on a FIFO.
	if err := unix.SetNonblock(fd, false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadSmall reads the build's small file at path (a stamp, a record) whole,
// refusing anything but a regular file (see OpenRegular; a link is not
// followed) and a file of more than most bytes, which the build never
// writes: a huge file there would otherwise be read into memory.
func ReadSmall(path string, most int64) ([]byte, error) {
	f, err := OpenRegular(path, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > most {
		return nil, fmt.Errorf("%s is %d bytes, far more than the build writes there, %w", quote.Name(path), fi.Size(), ErrNotRegular)
	}
	// The size again as it is read: the file may grow in between.
	b, err := io.ReadAll(io.LimitReader(f, most+1))
	if err == nil && int64(len(b)) > most {
		return nil, fmt.Errorf("%s is more than %d bytes, far more than the build writes there, %w", quote.Name(path), most, ErrNotRegular)
	}
	return b, err
}
