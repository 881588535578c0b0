//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHangs: a build waiting for what never comes (a pipe nobody writes, a
// lock another build holds), reading what never ends, or with a clock that
// is off must still end within its limit: within a second of Ctrl+C
// (SIGINT to its process group, as a terminal sends it) or SIGTERM, by itself
// otherwise. A scenario that does not end is killed, its whole process
// group, and counted as hung. After each, no process of the build is left and
// no temporary file.
func TestHangs(t *testing.T) {
	tl := newTally(t)
	for _, c := range []struct {
		name string
		slow bool // builds the sample site: skipped by go test -short
		test func(t *testing.T, tl *tally)
	}{
		{"SIGINT while corpus-pack waits for a pipe nobody writes", false, func(t *testing.T, tl *tally) {
			stopPacking(t, tl, syscall.SIGINT, true)
		}},
		{"SIGTERM while corpus-pack waits for a pipe nobody writes", false, func(t *testing.T, tl *tally) {
			stopPacking(t, tl, syscall.SIGTERM, true)
		}},
		{"SIGINT while corpus-pack reads /dev/zero", false, func(t *testing.T, tl *tally) {
			stopPacking(t, tl, syscall.SIGINT, false)
		}},
		{"SIGINT to a make waiting for another's lock, then to the other", false, stopWaiting},
		{"SIGTERM to pagegen opening a pipe for its corpus", false, stopPagegen},
		{"SIGINT while pages are written, then a make that finishes", true, stopWritingPages},
		{"a corpus dated an hour ahead", true, corpusAhead},
		{"a page dated an hour ahead, then its poem changed", true, pageAhead},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.slow && testing.Short() {
				tl.skip()
				t.Skip("slow: builds the sample site")
			}
			tl.input()
			c.test(t, tl)
		})
	}
}

// signalLimit is how long a build may take to end after Ctrl+C or SIGTERM.
const signalLimit = time.Second

// stop sends sig to the run's process group and checks that all of it ends
// within signalLimit, with a non-zero exit status. A run that has already
// ended gets no signal: then it need only have ended.
func stop(t *testing.T, tl *tally, r *run, sig syscall.Signal) {
	t.Helper()
	procs := alive(group(r.pgid))
	if !r.signal(sig) {
		t.Logf("%v: the run had already ended", sig)
		ends(t, tl, r, 0, "the run")
		return
	}
	tl.fault()
	tl.checkedN(len(procs))
	if ends(t, tl, r, signalLimit, fmt.Sprint(sig)) && r.err == nil {
		t.Errorf("%v: the run exited 0:\n%s", sig, r.out.String())
	}
}

// ends checks that the run, with every process of its group, ends within
// limit, killing them and counting a hang if not, and that it shows no Go
// trace and leaves no temporary file in the build. It reports whether the
// run ended.
func ends(t *testing.T, tl *tally, r *run, limit time.Duration, what string) bool {
	t.Helper()
	start := time.Now()
	if left := r.end(limit); len(left) > 0 {
		tl.hang(t, "%s: still running %v later, killed: %v\n%s", what, limit, left, r.out.String())
		return false
	}
	t.Logf("%s: ended in %v (%v)", what, time.Since(start).Round(time.Millisecond), r.err)
	tl.noTrace(t, what, r.out.String())
	if tmp := r.b.leftovers(); len(tmp) > 0 {
		t.Errorf("%s: temporary files left: %v", what, tmp)
	}
	return true
}

// finishes runs make on b and checks that it ends within limit and
// succeeds; the scenario stops here if not.
func finishes(t *testing.T, tl *tally, b *build, limit time.Duration, args ...string) {
	t.Helper()
	what := "make " + strings.Join(args, " ")
	r := b.startRun(nil, args...)
	if !ends(t, tl, r, limit, what) {
		t.FailNow()
	}
	if r.err != nil {
		t.Fatalf("%s: %v\n%s", what, r.err, r.out.String())
	}
}

// fifo makes a named pipe in the build, which nobody writes.
func fifo(t *testing.T, b *build) string {
	t.Helper()
	path := b.path("poems.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// settle is time for a process to reach a wait that never ends (it stays
// there, so a generous settle costs only time).
const settle = 300 * time.Millisecond

// stopPacking stops a make whose corpus-pack reads POEMS: a pipe nobody
// writes (fifo), or /dev/zero.
func stopPacking(t *testing.T, tl *tally, sig syscall.Signal, fifoPoems bool) {
	b := newBuild(t)
	poems := "/dev/zero"
	if fifoPoems {
		poems = fifo(t, b)
	}
	r := b.startRun(nil, "-j2", "all", "POEMS="+poems)
	if _, ok := r.poll("pack", false, rand.New(rand.NewPCG(1, 2)), time.Minute); !ok {
		t.Logf("corpus-pack was not seen running:\n%s", r.out.String())
	} else if fifoPoems {
		r.sleep(settle)
	}
	stop(t, tl, r, sig)
}

// stopWaiting: a make waits for the lock of another, which holds it as long
// as its corpus-pack waits for a pipe; Ctrl+C stops the one waiting, then
// the one holding the lock.
func stopWaiting(t *testing.T, tl *tally) {
	b := newBuild(t)
	holder := b.startRun(nil, "-j2", "all", "POEMS="+fifo(t, b))
	if _, ok := holder.poll("pack", false, rand.New(rand.NewPCG(3, 4)), time.Minute); !ok {
		t.Fatalf("the first make did not start packing:\n%s", holder.out.String())
	}
	waiter := b.startRun(nil, "-j2", "all")
	if !waiter.until(time.Minute, func() bool { return strings.Contains(waiter.out.String(), "waiting for it to finish") }) {
		t.Fatalf("the second make does not wait for the first:\n%s", waiter.out.String())
	}
	stop(t, tl, waiter, syscall.SIGINT)
	stop(t, tl, holder, syscall.SIGINT)
}

// stopPagegen: pagegen alone, its corpus a pipe nobody writes.
func stopPagegen(t *testing.T, tl *tally) {
	b := newBuild(t)
	finishes(t, tl, b, time.Minute, "tools")
	r := b.start(exec.Command(filepath.Join(binDir, "pagegen"), "--corpus", fifo(t, b), "similar", "1", "--out", b.path("site")))
	r.sleep(settle)
	stop(t, tl, r, syscall.SIGTERM)
}

// stopWritingPages: Ctrl+C once the first page is written; the pages left
// are whole, and the next make ends and finishes the site.
func stopWritingPages(t *testing.T, tl *tally) {
	want := reference(t)
	b := newBuild(t)
	r := b.startRun(nil, "-j2", "all")
	if !r.until(time.Minute, func() bool { return b.pageCount() > 0 }) {
		t.Fatalf("make wrote no page:\n%s", r.out.String())
	}
	stop(t, tl, r, syscall.SIGINT)
	checkSite(t, tl, want, b, false)
	finishes(t, tl, b, time.Minute, "-j2", "all")
	checkSite(t, tl, want, b, true)
}

// clockLimit is how long a make of the sample may take when a file is dated
// in the future: make warns of clock skew, and must not loop.
const clockLimit = 30 * time.Second

// corpusAhead: a packed corpus dated an hour ahead (this once looped forever).
func corpusAhead(t *testing.T, tl *tally) {
	b := newBuild(t)
	finishes(t, tl, b, time.Minute, "-j2", "corpus")
	ahead(t, tl, b.path("data/corpus.bin"))
	finishes(t, tl, b, clockLimit, "-j2", "all")
	checkSite(t, tl, reference(t), b, true)
}

// pageAhead: a page dated an hour ahead is still rewritten when its poem
// changes (every page shows every poem).
func pageAhead(t *testing.T, tl *tally) {
	const n = 3
	b := newBuild(t)
	finishes(t, tl, b, time.Minute, "-j2", fmt.Sprintf("similar/%d.html", n))
	page := b.path(fmt.Sprintf("site/similar/%d.html", n))
	ahead(t, tl, page)
	before, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	const edit = "A LINE ADDED TO THE POEM "
	b.editJSON("poems.json", func(d map[string]any) {
		p := item(d, "poems", n-1)
		p["content"] = edit + p["content"].(string)
	})
	finishes(t, tl, b, clockLimit, "-j2", "all")
	after, err := os.ReadFile(page)
	tl.checkedN(1)
	switch {
	case err != nil:
		tl.lose(t, "similar/%d.html: %v", n, err)
	case bytes.Equal(after, before) || !bytes.Contains(after, []byte(edit)):
		t.Errorf("similar/%d.html, dated ahead, was not rewritten with its poem changed", n)
	}
}

// ahead dates a file an hour in the future.
func ahead(t *testing.T, tl *tally, path string) {
	t.Helper()
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
	tl.fault()
}
