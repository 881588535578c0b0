package lock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// waits records the calls of the waiting callback.
type waits struct {
	mu      sync.Mutex
	dirs    []string
	holders []string
}

func (w *waits) waiting(dir, holder string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dirs = append(w.dirs, dir)
	w.holders = append(w.holders, holder)
}

func (w *waits) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.dirs)
}

func noWait(t *testing.T) func(string, string) {
	return func(dir, _ string) { t.Errorf("waiting for %s, which no one holds", dir) }
}

// hangLimit bounds every wait of these tests, so that a lock never got
// fails the test instead of hanging it: it tells a hang, not speed.
const hangLimit = time.Minute

// bounded is a context that ends after hangLimit.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	t.Cleanup(cancel)
	return ctx
}

// onWait is a waiting callback that records its calls in w and then does
// then: what the test does once Dirs waits (release the lock, give up),
// at that moment and not after a guess of a delay.
func onWait(w *waits, then func()) func(string, string) {
	return func(dir, holder string) {
		w.waiting(dir, holder)
		then()
	}
}

func TestDirs(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "site", "b") // b does not exist yet
	held, err := Dirs(context.Background(), noWait(t), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 {
		t.Errorf("Dirs locked %d directories, want 2", len(held))
	}
	for _, d := range []string{a, b} {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("Dirs did not create %s: %v", d, err)
		}
	}

	// Another build (another open file, even in this process) waits for
	// each, and gives up when its context ends (here, once it waits).
	for _, d := range []string{a, b} {
		var w waits
		ctx, cancel := context.WithCancel(bounded(t))
		_, err := Dirs(ctx, onWait(&w, cancel), d)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Dirs(%s) while held = %v, want context.Canceled", d, err)
		}
		if got := w.list(); !slices.Equal(got, []string{d}) {
			t.Errorf("waiting was called with %q, want once with %s", got, d)
		}
	}

	held.Release()
	again, err := Dirs(context.Background(), noWait(t), b, a)
	if err != nil {
		t.Fatalf("Dirs after Release: %v", err)
	}
	again.Release()
}

// TestDirsWaitsThenGets: a build waiting for a lock gets it once the
// holder releases it (here, once it waits), having said once that it waits.
func TestDirsWaitsThenGets(t *testing.T) {
	dir := t.TempDir()
	held, err := Dirs(context.Background(), noWait(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	var w waits
	got, err := Dirs(bounded(t), onWait(&w, held.Release), dir)
	if err != nil {
		t.Fatalf("Dirs after the holder released: %v", err)
	}
	defer got.Release()
	if n := len(w.list()); n != 1 {
		t.Errorf("waiting was called %d times, want 1", n)
	}
}

// TestDirsPartial: giving up on the second directory releases the first.
func TestDirsPartial(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	holder, err := Dirs(context.Background(), noWait(t), b)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Release()
	var w waits
	ctx, cancel := context.WithCancel(bounded(t))
	if _, err := Dirs(ctx, onWait(&w, cancel), a, b); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dirs(a, b) with b held = %v, want context.Canceled", err)
	}
	if got := w.list(); !slices.Equal(got, []string{b}) {
		t.Errorf("waited for %q, want only %s", got, b)
	}
	got, err := Dirs(bounded(t), noWait(t), a)
	if err != nil {
		t.Fatalf("a is still locked after Dirs gave up: %v", err)
	}
	got.Release()
}

// TestDirsSameTwice: one directory named twice, however spelled, is locked
// once rather than waiting for itself.
func TestDirsSameTwice(t *testing.T) {
	root := t.TempDir()
	a := filepath.Join(root, "a")
	if err := os.Mkdir(a, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink("a", link); err != nil {
		t.Fatal(err)
	}
	for _, names := range [][]string{
		{a, a},
		{a, a + "/"},
		{a, filepath.Join(root, "b", "..", "a")},
		{a, link},
		{link, a, a},
	} {
		if err := os.MkdirAll(filepath.Join(root, "b"), 0o755); err != nil {
			t.Fatal(err)
		}
		held, err := Dirs(bounded(t), noWait(t), names...)
		if err != nil {
			t.Errorf("Dirs(%q): %v", names, err)
			continue
		}
		if len(held) != 1 {
			t.Errorf("Dirs(%q) holds %d locks, want 1", names, len(held))
		}
		held.Release()
	}
}

func TestDirsErrors(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(root, "ok")
	for _, dirs := range [][]string{{file}, {filepath.Join(file, "sub")}, {ok, filepath.Join(file, "sub")}} {
		if _, err := Dirs(context.Background(), noWait(t), dirs...); err == nil {
			t.Errorf("Dirs(%q) succeeded", dirs)
		}
	}
	// The failed call left ok unlocked.
	held, err := Dirs(bounded(t), noWait(t), ok)
	if err != nil {
		t.Fatal(err)
	}
	held.Release()
	Locks(nil).Release()
}

const envHold = "PAGEGEN_LOCK_TEST_HOLD"

// startTolerance is how far a process's start as Holder tells it may be
// from the clock around it: the boot time Linux gives is in whole seconds,
// and so is the time Holder shows.
const startTolerance = 2 * time.Second

// TestHelperHold is the other build: it locks the directory in $envHold,
// says so, and holds it until killed.
func TestHelperHold(t *testing.T) {
	dir := os.Getenv(envHold)
	if dir == "" {
		t.Skip("the child process of TestLockedByAnotherProcess")
	}
	if _, err := Dirs(context.Background(), func(string, string) {}, dir); err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestLockedByAnotherProcess: a build killed with SIGKILL drops its lock.
// The child is killed once Dirs waits for it.
func TestLockedByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHold$")
	cmd.Env = append(os.Environ(), envHold+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("the child said %q, %v", line, err)
	}
	after := time.Now()
	var w waits
	held, err := Dirs(bounded(t), onWait(&w, func() { cmd.Process.Kill() }), dir)
	if err != nil {
		t.Fatalf("Dirs after the holder was killed: %v", err)
	}
	held.Release()
	if got := w.list(); !slices.Equal(got, []string{dir}) {
		t.Errorf("waiting was called with %q, want once with %s", got, dir)
	}
	// Who held it, and since when: the child, started a moment ago.
	re := regexp.MustCompile(fmt.Sprintf(`^lock\.test \(process %d of \S+, running since (.+)\)$`, cmd.Process.Pid))
	m := re.FindStringSubmatch(w.holders[0])
	if m == nil {
		t.Fatalf("the holder was named %q, want the child, %s", w.holders[0], re)
	}
	// Between its start and its "locked", give or take startTolerance.
	since, err := time.ParseInLocation("2006-01-02 15:04:05", m[1], time.Local)
	if err != nil || since.Before(before.Add(-startTolerance)) || since.After(after.Add(startTolerance)) {
		t.Errorf("the child started at %s (%v), not between %s and %s", m[1], err, before.Format(time.TimeOnly), after.Format(time.TimeOnly))
	}
	cmd.Wait()
}

// TestLockFile: the lock is a file of the user's, 0600, in the folder; a
// lock file of another mode is made the user's alone; a link, a FIFO or
// another user's file there is refused, naming it.
func TestLockFile(t *testing.T) {
	dir := t.TempDir()
	held, err := Dirs(bounded(t), noWait(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(dir, Name))
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("the lock file: %v, %v; want a regular file, 0600", fi.Mode(), err)
	}
	held.Release()
	os.Chmod(filepath.Join(dir, Name), 0o644)
	held, err = Dirs(bounded(t), noWait(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	held.Release()
	if fi, _ := os.Stat(filepath.Join(dir, Name)); fi.Mode().Perm() != 0o600 {
		t.Errorf("a lock file of mode 0644 was left %v", fi.Mode().Perm())
	}
	for _, c := range []struct {
		name string
		make func(path string) error
		want string
		root bool
	}{
		{"a link", func(p string) error { return os.Symlink("/etc/passwd", p) }, "is a symbolic link", false},
		{"a FIFO", func(p string) error { return syscall.Mkfifo(p, 0o600) }, "is not a regular file", false},
		{"another user's", func(p string) error {
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				return err
			}
			return os.Chown(p, 65534, 65534)
		}, "belongs to another user", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.root && os.Geteuid() != 0 {
				t.Skip("needs root, to give a file to another user")
			}
			dir := t.TempDir()
			if err := c.make(filepath.Join(dir, Name)); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				held, err := Dirs(bounded(t), noWait(t), dir)
				held.Release()
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Join(dir, Name)) {
					t.Errorf("Dirs = %v, want %q naming the file", err, c.want)
				}
			case <-time.After(hangLimit):
				t.Fatal("Dirs did not return")
			}
		})
	}
}

// TestOtherUserCannotHold: another user who can read the folder cannot
// hold its lock, nor stop a build by locking the folder itself (flock -s
// dir). Runs the other user's flock as uid 65534, which needs root.
func TestOtherUserCannotHold(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a command as another user")
	}
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("flock(1) is not installed")
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("pagegen-lock-test-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	held, err := Dirs(bounded(t), noWait(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	held.Release()
	asNobody := func(args ...string) *exec.Cmd {
		cmd := exec.Command(flock, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
		return cmd
	}
	if out, err := asNobody("-n", filepath.Join(dir, Name), "true").CombinedOutput(); err == nil {
		t.Errorf("another user locked the lock file:\n%s", out)
	}
	// The other user holds the folder itself, as long as the test needs.
	hold := asNobody("-s", dir, "sleep", "600")
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { hold.Process.Kill(); hold.Wait() }()
	for deadline := time.Now().Add(hangLimit); ; time.Sleep(10 * time.Millisecond) {
		if locks, _ := os.ReadFile("/proc/locks"); strings.Contains(string(locks), fmt.Sprintf(" %d ", hold.Process.Pid)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("flock -s did not take its lock")
		}
	}
	held, err = Dirs(bounded(t), noWait(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	held.Release()
}

// TestLockRemovedWhileWaited: the lock file is removed (make clean removes
// the site) while a build waits for it; the build then holds the lock of
// the file made in its place, and a third build waits for it, instead of
// two builds holding two locks of one path.
func TestLockRemovedWhileWaited(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	holder, err := Dirs(bounded(t), noWait(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	var w waits
	got, err := Dirs(bounded(t), onWait(&w, func() {
		os.RemoveAll(dir) // as make clean, which holds the lock, removes the site
		holder.Release()
	}), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if !current(filepath.Join(dir, Name), fileID(t, got[0])) {
		t.Fatal("the lock held is not the lock file of the site's path")
	}
	var third waits
	ctx, cancel := context.WithCancel(bounded(t))
	if _, err := Dirs(ctx, onWait(&third, cancel), dir); !errors.Is(err, context.Canceled) {
		t.Errorf("a third build did not wait for the lock (%v): two builds hold the site", err)
	}
}

func fileID(t *testing.T, f *os.File) id {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return id{st.Dev, st.Ino}
}

// TestRemoveIfAlone: a lock file alone in its folder goes; one beside the
// site's files stays.
func TestRemoveIfAlone(t *testing.T) {
	alone, beside := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(beside, "index.html"), nil, 0o644)
	held, err := Dirs(bounded(t), noWait(t), alone, beside)
	if err != nil {
		t.Fatal(err)
	}
	held.RemoveIfAlone()
	held.Release()
	if _, err := os.Lstat(filepath.Join(alone, Name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file alone in its folder is still there (%v)", err)
	}
	if _, err := os.Lstat(filepath.Join(beside, Name)); err != nil {
		t.Errorf("the lock file beside the site's files was removed: %v", err)
	}
}
