// Package lock keeps two builds off the same files: a build holds an
// exclusive lock on a file of its own in each folder it writes (Name: in
// the packed corpus's, the site's, the embeddings') until it ends, and the
// kernel drops it if the build is killed.
//
// The lock file is the user's, mode 0600, so that no other user can open
// it, and so none can hold it to stop every build (any user who can read a
// folder can flock the folder itself). A lock counts only while it is the
// lock of its path: one removed or replaced while a build waited for it
// (make clean removes the site) is dropped, and the file there now is
// locked instead.
package lock

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"pagegen/internal/quote"
)

// Name is the lock file a build keeps in each folder it writes.
const Name = ".pagegen-lock"

// Locks are held locks, each an open lock file (or, in a folder the user
// cannot write, the folder itself).
type Locks []*os.File

// id is a file's device and inode.
type id [2]uint64

// SayWaiting is the waiting of Dirs for every command of the build: a line
// that a folder is in use by another build (or a clean), and by whom.
func SayWaiting(dir, holder string) {
	fmt.Printf("pagegen: %s is in use by %s: waiting for it to finish (Ctrl+C to give up)\n", dir, cmp.Or(holder, "another build"))
}

// Dirs locks each directory (creating it if needed), waiting while another
// build holds one; waiting calls before each wait, with who holds the lock
// (see Holder). It gives up when ctx ends.
func Dirs(ctx context.Context, waiting func(dir, holder string), dirs ...string) (Locks, error) {
	var held Locks
	seen := map[id]bool{}
	for _, dir := range dirs {
		f, err := lockDir(ctx, dir, waiting, seen)
		if err != nil {
			held.Release()
			return nil, err
		}
		if f != nil {
			held = append(held, f)
		}
	}
	return held, nil
}

// lockDir locks dir, unless its lock is in seen (the same folder twice):
// then it returns nil.
func lockDir(ctx context.Context, dir string, waiting func(dir, holder string), seen map[id]bool) (*os.File, error) {
	for {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", quote.Name(dir), err)
		}
		f, fid, err := open(dir)
		if err != nil {
			return nil, err
		}
		if seen[fid] {
			f.Close()
			return nil, nil
		}
		if err := wait(ctx, f, func() { waiting(dir, Holder(fid[0], fid[1])) }); err != nil {
			f.Close()
			return nil, err
		}
		if f.Name() == dir || current(f.Name(), fid) {
			seen[fid] = true
			return f, nil
		}
		f.Close() // removed or replaced while waited for: lock what is there now
	}
}

// open opens dir's lock file, making it if need be, and refuses one that
// is not the user's own regular file. In a folder the user cannot write
// (which the build then only reads), it opens the folder itself.
func open(dir string) (*os.File, id, error) {
	path := filepath.Join(dir, Name)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o600)
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EROFS) {
		if _, lerr := os.Lstat(path); errors.Is(lerr, fs.ErrNotExist) {
			return openDir(dir)
		}
	}
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, id{}, fmt.Errorf("%s is a symbolic link, not the build's lock: remove it", quote.Name(path))
	case err != nil:
		return nil, id{}, fmt.Errorf("locking %s: %w", quote.Name(dir), &fs.PathError{Op: "open", Path: path, Err: err})
	}
	f := os.NewFile(uintptr(fd), path)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, id{}, fmt.Errorf("locking %s: %w", quote.Name(dir), err)
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		f.Close()
		return nil, id{}, fmt.Errorf("%s is not a regular file, not the build's lock: remove it", quote.Name(path))
	case int(st.Uid) != os.Geteuid():
		f.Close()
		return nil, id{}, fmt.Errorf("%s belongs to another user (%s): it is not your build's lock, and its owner could hold it to stop every build here: remove it", quote.Name(path), userName(int(st.Uid)))
	case st.Mode&0o077 != 0:
		// Only the user may open it, or another could hold it.
		if err := unix.Fchmod(fd, 0o600); err != nil {
			f.Close()
			return nil, id{}, fmt.Errorf("locking %s: %w", quote.Name(dir), err)
		}
	}
	return f, id{st.Dev, st.Ino}, nil
}

// openDir opens a folder to lock it itself.
func openDir(dir string) (*os.File, id, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, id{}, fmt.Errorf("locking %s: %w", quote.Name(dir), err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, id{}, fmt.Errorf("locking %s: %w", quote.Name(dir), err)
	}
	return f, id{st.Dev, st.Ino}, nil
}

// current reports whether path is still the file fid.
func current(path string, fid id) bool {
	var st unix.Stat_t
	return unix.Lstat(path, &st) == nil && (id{st.Dev, st.Ino}) == fid
}

// wait takes the lock of f, calling waiting once if it has to wait.
func wait(ctx context.Context, f *os.File, waiting func()) error {
	for told := false; ; {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", quote.Name(f.Name()), err)
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

// RemoveIfAlone removes the lock files that are alone in their folder:
// a build that wrote nothing leaves nothing. A build waiting for one makes
// it again.
func (l Locks) RemoveIfAlone() {
	for _, f := range l {
		if filepath.Base(f.Name()) != Name {
			continue // a folder locked itself
		}
		if names, err := os.ReadDir(filepath.Dir(f.Name())); err == nil && len(names) == 1 && names[0].Name() == Name {
			os.Remove(f.Name())
		}
	}
}

// Holder names the process that holds the lock on the file (dev, ino), and
// its user, and since when it runs, e.g. "pagegen (process 4242 of alice,
// running since 2026-11-29 21:40:07)"; "" when it cannot tell. The lock is
// held by every process that has the file open (a build's inner make and
// its pages inherit it, and keep it after a kill -9 of the build): the
// first of them, whose parent does not hold it, is named.
func Holder(dev, ino uint64) string {
	pids := openers(dev, ino)
	if len(pids) == 0 {
		// Another user's processes do not show their files: Linux names
		// the process that took the lock, if it still runs.
		if pid := locker(dev, ino); pid > 0 {
			pids = []int{pid}
		}
	}
	for _, pid := range pids {
		if !slices.Contains(pids, parent(pid)) {
			return describe(pid)
		}
	}
	return ""
}

// openers are the other processes that have the file (dev, ino) open, in
// the order /proc lists them (by pid).
func openers(dev, ino uint64) []int {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			var st unix.Stat_t
			if unix.Stat(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()), &st) == nil && st.Dev == dev && st.Ino == ino {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// locker is the process that took a lock on the file (dev, ino) and still
// runs, from /proc/locks; 0 when none.
func locker(dev, ino uint64) int {
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0
	}
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), ino)
	for _, line := range strings.Split(string(locks), "\n") {
		// 1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF (waiters show "->")
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != want {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil && unix.Kill(pid, 0) != unix.ESRCH {
			return pid
		}
	}
	return 0
}

// describe names process pid, its user and when it started.
func describe(pid int) string {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return fmt.Sprintf("process %d", pid)
	}
	name := quote.Name(strings.TrimSpace(string(comm)))
	who := ""
	if uid := procUID(pid); uid >= 0 {
		who = " of " + userName(uid)
	}
	if start, ok := started(pid); ok {
		return fmt.Sprintf("%s (process %d%s, running since %s)", name, pid, who, start.Format("2006-01-02 15:04:05"))
	}
	return fmt.Sprintf("%s (process %d%s)", name, pid, who)
}

// userName names user id uid: its name, else its number.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return quote.Name(u.Username)
	}
	return fmt.Sprintf("uid %d", uid)
}

// procUID is the real user id of process pid, -1 when unknown.
func procUID(pid int) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				if uid, err := strconv.Atoi(f[0]); err == nil {
					return uid
				}
			}
		}
	}
	return -1
}

// stat is the fields of /proc/PID/stat after the command's name (which,
// in parentheses, may hold spaces): state, ppid, ...
func stat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
}

// parent is the parent of process pid, 0 when unknown.
func parent(pid int) int {
	f := stat(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// started is when process pid started: its start in clock ticks after boot
// (field 22 of /proc/PID/stat, USER_HZ = 100 on Linux) plus the boot time.
func started(pid int) (time.Time, bool) {
	f := stat(pid)
	if len(f) < 20 {
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
