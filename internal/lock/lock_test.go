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
	"sync"
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
	re := regexp.MustCompile(fmt.Sprintf(`^lock\.test \(process %d, running since (.+)\)$`, cmd.Process.Pid))
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
