// Package lock keeps two builds off the same files: a build holds an
// exclusive lock on each directory it writes (the packed corpus's and the
// site's) until it ends, and the kernel drops it if the build is killed.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Locks are held directory locks.
type Locks []*os.File

// Dirs locks each directory (creating it if needed), waiting while another
// build holds one; waiting calls once before the first wait. It gives up
// when ctx ends.
func Dirs(ctx context.Context, waiting func(dir string), dirs ...string) (Locks, error) {
	var held Locks
	seen := map[[2]uint64]bool{}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			held.Release()
			return nil, fmt.Errorf("creating %s: %w", dir, err)
		}
		f, err := os.Open(dir)
		if err != nil {
			held.Release()
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			f.Close()
			held.Release()
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		if id := [2]uint64{st.Dev, st.Ino}; seen[id] {
			f.Close() // the same directory twice: one lock
			continue
		} else {
			seen[id] = true
		}
		if err := wait(ctx, f, func() { waiting(dir) }); err != nil {
			f.Close()
			held.Release()
			return nil, err
		}
		held = append(held, f)
	}
	return held, nil
}

func wait(ctx context.Context, f *os.File, waiting func()) error {
	for told := false; ; {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", f.Name(), err)
		}
		if !told {
			waiting()
			told = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Release drops the locks.
func (l Locks) Release() {
	for _, f := range l {
		f.Close()
	}
}
