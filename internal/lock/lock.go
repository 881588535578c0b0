// Package lock keeps two builds off the same files: a build holds an
// exclusive lock on each directory it writes (the packed corpus's and the
// site's) until it ends, and the kernel drops it if the build is killed.
package lock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Locks are held directory locks.
type Locks []*os.File

// Dirs locks each directory (creating it if needed), waiting while another
// build holds one; waiting calls once before the first wait, with who holds
// it (see Holder). It gives up when ctx ends.
func Dirs(ctx context.Context, waiting func(dir, holder string), dirs ...string) (Locks, error) {
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
		if err := wait(ctx, f, func() { waiting(dir, Holder(st.Dev, st.Ino)) }); err != nil {
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

// Holder names the process that holds the lock of the directory (dev, ino)
// and since when it runs, e.g. "pagegen (process 4242, running since
// 21:40:07)", from what Linux shows in /proc; "" when it cannot tell. A
// lock is held only by a live process: the kernel drops it at its death.
func Holder(dev, ino uint64) string {
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return ""
	}
	id := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), ino)
	for _, line := range strings.Split(string(locks), "\n") {
		// 1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF (waiters show "->")
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != id {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil {
			continue
		}
		return describe(pid)
	}
	return ""
}

// describe names process pid and when it started.
func describe(pid int) string {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return fmt.Sprintf("process %d", pid)
	}
	name := strconv.Quote(strings.TrimSpace(string(comm)))
	name = name[1 : len(name)-1] // escaped, in case of control characters
	if start, ok := started(pid); ok {
		return fmt.Sprintf("%s (process %d, running since %s)", name, pid, start.Format("2006-01-02 15:04:05"))
	}
	return fmt.Sprintf("%s (process %d)", name, pid)
}

// started is when process pid started: its start in clock ticks after boot
// (field 22 of /proc/PID/stat, USER_HZ = 100 on Linux) plus the boot time.
func started(pid int) (time.Time, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return time.Time{}, false
	}
	// The command name, in parentheses, may hold spaces: count after it.
	_, rest, ok := strings.Cut(string(stat[bytes.LastIndexByte(stat, ')')+1:]), " ")
	f := strings.Fields(rest)
	if !ok || len(f) < 20 {
		return time.Time{}, false
	}
	ticks, err := strconv.ParseInt(f[19], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	sys, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range strings.Split(string(sys), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			boot, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.Unix(boot, 0).Add(time.Duration(ticks) * 10 * time.Millisecond), true
		}
	}
	return time.Time{}, false
}
