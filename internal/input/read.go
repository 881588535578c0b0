package input

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"time"

	"pagegen/internal/atomicfile"
)

const (
	// chunk is how much is read between two looks at the context.
	chunk = 4 << 20
	// maxStream caps what is read from a pipe or a device, whose size is not
	// known beforehand: far above any collection that can be packed, so that
	// an endless source fails instead of filling the memory.
	maxStream = 2 << 30
)

// readFile reads a whole input file, saying which input it is when that
// fails. It reads regular files, pipes (POEMS=<(…)) and devices alike, in
// chunks, and stops when ctx is cancelled, even while it waits for a pipe's
// writer. It refuses text that is not UTF-8 and skips a UTF-8 byte order mark.
func readFile(ctx context.Context, path, what string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, stopped(ctx, path, what)
	}
	// O_NONBLOCK: opening a pipe that has no writer yet must not block
	// (where no context could stop it); the reads then wait in the poller,
	// which a deadline interrupts.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %s not found: give its path (see make help)", path, what)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w: check the path and the file's permissions (see make help)", what, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w: check the path and the file's permissions (see make help)", what, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory: give the path of the %s (see make help)", path, what)
	}
	regular := st.Mode().IsRegular()

	// A cancelled context unblocks a read waiting in the poller (a pipe, a
	// terminal); reads of regular files and of devices such as /dev/zero
	// return at once, and the loop below looks at ctx between chunks.
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	if st.Mode()&fs.ModeNamedPipe != 0 {
		if err := waitForWriter(ctx, f); err != nil {
			return nil, readError(ctx, path, what, err)
		}
	}

	buf := make([]byte, 0, 64<<10)
	checked := false
	for {
		if ctx.Err() != nil {
			return nil, stopped(ctx, path, what)
		}
		if len(buf) == cap(buf) {
			grow := chunk
			if regular {
				// The size is known (after the first look): one allocation.
				grow = max(int(min(st.Size(), maxStream))+512-len(buf), 512)
			}
			buf = slices.Grow(buf, grow)
		}
		n, err := f.Read(buf[len(buf):min(cap(buf), len(buf)+chunk)])
		buf = buf[:len(buf)+n]
		if !checked && (len(buf) >= 4 || err != nil) {
			// Look at the start once, before reading the rest: a UTF-16
			// file or a device of zeros is refused without reading it all.
			checked = true
			if msg := encodingProblem(buf); msg != "" {
				return nil, fmt.Errorf("%s: %s", path, msg)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readError(ctx, path, what, err)
		}
		if !regular && len(buf) > maxStream {
			return nil, fmt.Errorf("%s: more than %d GiB read and no end in sight: it is not a regular file (%s); save the %s to a file and give its path",
				path, maxStream>>30, atomicfile.Kind(st.Mode()), what)
		}
	}
	if len(buf) == 0 && !regular {
		why := "" // a pipe read twice is the usual cause: say so
		if st.Mode()&fs.ModeNamedPipe != 0 {
			why = ", and a pipe gives its data only once (was it read already?)"
		}
		return nil, fmt.Errorf("%s: nothing could be read: it is %s, not a regular file%s: save the %s to a file and give its path",
			path, atomicfile.Kind(st.Mode()), why, what)
	}
	return bytes.TrimPrefix(buf, utf8BOM), nil
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// readError reports a failed read: stopped when ctx was cancelled.
func readError(ctx context.Context, path, what string, err error) error {
	if ctx.Err() != nil {
		return stopped(ctx, path, what)
	}
	return fmt.Errorf("reading %s: %w: check the path and the file's permissions (see make help)", what, err)
}

// stopped is the error of a read that ctx cancelled; it wraps the cause, so
// that errors.Is(err, context.Canceled) holds.
func stopped(ctx context.Context, path, what string) error {
	return fmt.Errorf("%s: reading the %s stopped: %w", path, what, context.Cause(ctx))
}

// encodingProblem says why the text starting with b is not UTF-8 JSON, when
// it can tell from its first bytes: a UTF-16 or UTF-32 byte order mark, or the
// zero bytes that UTF-16 and UTF-32 put beside ASCII characters (RFC 4627
// §3), or nothing but zero bytes. "" when the start is fine.
func encodingProblem(b []byte) string {
	enc := ""
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}):
		enc = "UTF-32 (little-endian, with a byte order mark)"
	case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}):
		enc = "UTF-32 (big-endian, with a byte order mark)"
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		enc = "UTF-16 (little-endian, with a byte order mark)"
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		enc = "UTF-16 (big-endian, with a byte order mark)"
	case len(b) >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] != 0:
		enc = "UTF-32 (big-endian)"
	case len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[2] == 0 && b[3] == 0:
		enc = "UTF-32 (little-endian)"
	case len(b) >= 2 && b[0] == 0 && b[1] != 0:
		enc = "UTF-16 (big-endian)"
	case len(b) >= 2 && b[0] != 0 && b[1] == 0:
		enc = "UTF-16 (little-endian)"
	case len(b) > 0 && b[0] == 0:
		return "the file starts with zero bytes, not text: it holds no JSON (a file of zeros, or a device such as /dev/zero?): give the JSON file"
	default:
		return ""
	}
	return "the file is " + enc + " text, but the input must be UTF-8: save it as UTF-8 (in an editor, or with iconv -f " +
		iconvName(enc) + " -t UTF-8), without a byte order mark"
}

// iconvName is the iconv name of an encoding that encodingProblem names.
func iconvName(enc string) string {
	name := enc[:6] // UTF-16, UTF-32
	if bytes.Contains([]byte(enc), []byte("byte order mark")) {
		return name // iconv reads the order from the mark
	}
	if bytes.Contains([]byte(enc), []byte("little")) {
		return name + "LE"
	}
	return name + "BE"
}
