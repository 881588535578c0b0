//go:build linux

package e2e

import (
	"bytes"
	"fmt"
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
// is off must still end: after Ctrl+C (SIGINT to its process group, as a
// terminal sends it) or SIGTERM, by itself otherwise. A scenario that has
// not ended within hangLimit is killed, its whole process group, and
// counted as hung (a generous bound: it tells a hang, not speed; each run
// logs how long it took). The signal comes once the build is where the
// scenario says (blocked on the pipe, waiting for the lock, writing pages),
// never after a guess of a delay. After each, no process of the build is
// left and no temporary file.
func TestHangs(t *testing.T) {
	tl := newTally(t)
	for _, c := range []struct {
		name string
		slow bool // builds the sample site: skipped by go test -short
		test func(t *testing.T, tl *tally)
	}{
		{"SIGINT while corpus-pack waits for a pipe nobody writes", false, func(t *testing.T, tl *tally) {
			stopPacking(t, tl, syscall.SIGINT)
		}},
		{"SIGTERM while corpus-pack waits for a pipe nobody writes", false, func(t *testing.T, tl *tally) {
			stopPacking(t, tl, syscall.SIGTERM)
		}},
		{"corpus-pack reading /dev/zero", false, readZero},
		{"SIGINT to a make waiting for another's lock, then to the other", false, stopWaiting},
		{"pagegen given a pipe for its corpus", false, pagegenPipe},
		{"a FIFO where the build keeps a file of its own", false, fifoForOwnFile},
		{"SIGINT while pages are written, then a make that finishes", true, stopWritingPages},
		{"a corpus dated an hour ahead", true, corpusAhead},
		{"a page dated an hour ahead, then its poem changed", true, pageAhead},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.slow && testing.Short() {
				tl.skip(t, "slow: builds the sample site")
			}
			tl.input()
			c.test(t, tl)
		})
	}
}

// stop sends sig to the run's process group (paused or not: a paused run
// takes it as it goes on) and checks that all of it ends, with a non-zero
// exit status. A run that ended before the signal fails the scenario: it
// was to be stopped where it waits.
func stop(t *testing.T, tl *tally, r *run, sig syscall.Signal) {
	t.Helper()
	procs := alive(group(r.pgid))
	sent := r.signal(sig)
	r.resume()
	if !sent {
		ends(t, tl, r, "the run")
		t.Fatalf("%v: the run had ended before the signal: the scenario tested nothing\n%s", sig, r.out.String())
	}
	tl.fault()
	tl.checkedN(len(procs))
	if ends(t, tl, r, fmt.Sprint(sig)) && r.err == nil {
		t.Errorf("%v: the run exited 0:\n%s", sig, r.out.String())
	}
}

// ends checks that the run, with every process of its group, ends within
// hangLimit, killing them and counting a hang if not, and that it shows no
// Go trace and leaves no temporary file in the build. It reports whether
// the run ended.
func ends(t *testing.T, tl *tally, r *run, what string) bool {
	t.Helper()
	start := time.Now()
	if left := r.end(hangLimit); len(left) > 0 {
		tl.hang(t, "%s: still running %v later, killed: %v\n%s", what, hangLimit, left, r.out.String())
		return false
	}
	t.Logf("%s: ended in %v (%v)", what, time.Since(start).Round(time.Millisecond), r.err)
	tl.noTrace(t, what, r.out.String())
	if tmp := r.b.leftovers(); len(tmp) > 0 {
		t.Errorf("%s: temporary files left: %v", what, tmp)
	}
	return true
}

// finishes runs make on b and checks that it ends and succeeds; the
// scenario stops here if not.
func finishes(t *testing.T, tl *tally, b *build, args ...string) {
	t.Helper()
	what := "make " + strings.Join(args, " ")
	r := b.startRun(nil, args...)
	if !ends(t, tl, r, what) {
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

// stopPacking stops a make whose corpus-pack waits for a pipe nobody
// writes, once it waits there.
func stopPacking(t *testing.T, tl *tally, sig syscall.Signal) {
	b := newBuild(t)
	pipe := fifo(t, b)
	r := b.startRun(nil, "-j2", "all", "POEMS="+pipe)
	if !r.until(hangLimit, func() bool { return r.waitsOnPipe("pack", pipe) }) {
		t.Fatalf("corpus-pack was not seen waiting for its pipe:\n%s", r.out.String())
	}
	stop(t, tl, r, sig)
}

// readZero: corpus-pack given /dev/zero, which never ends, stops by itself
// at its first bytes, saying so.
func readZero(t *testing.T, tl *tally) {
	b := newBuild(t)
	r := b.startRun(nil, "-j2", "all", "POEMS=/dev/zero")
	if ends(t, tl, r, "make with POEMS=/dev/zero") {
		tl.checkedN(1)
		if out := r.out.String(); r.err == nil || !strings.Contains(out, "/dev/zero: the file starts with zero bytes") {
			t.Errorf("make with POEMS=/dev/zero: %v\n%s", r.err, out)
		}
	}
}

// stopWaiting: a make waits for the lock of another, which holds it as long
// as its corpus-pack waits for a pipe; Ctrl+C stops the one waiting, then
// the one holding the lock.
func stopWaiting(t *testing.T, tl *tally) {
	b := newBuild(t)
	pipe := fifo(t, b)
	holder := b.startRun(nil, "-j2", "all", "POEMS="+pipe)
	if !holder.until(hangLimit, func() bool { return holder.waitsOnPipe("pack", pipe) }) {
		t.Fatalf("the first make's corpus-pack does not wait for its pipe:\n%s", holder.out.String())
	}
	waiter := b.startRun(nil, "-j2", "all")
	if !waiter.until(hangLimit, func() bool { return strings.Contains(waiter.out.String(), "waiting for it to finish") }) {
		t.Fatalf("the second make does not wait for the first:\n%s", waiter.out.String())
	}
	stop(t, tl, waiter, syscall.SIGINT)
	stop(t, tl, holder, syscall.SIGINT)
}

// pagegenPipe: pagegen alone, its corpus a pipe nobody writes, refuses it
// at once (it waited in open() for a writer, until a signal).
func pagegenPipe(t *testing.T, tl *tally) {
	b := newBuild(t)
	finishes(t, tl, b, "tools")
	pipe := fifo(t, b)
	r := b.start(exec.Command(filepath.Join(binDir, "pagegen"), "--corpus", pipe, "similar", "1", "--out", b.path("site")))
	tl.fault()
	if ends(t, tl, r, "pagegen with a pipe for its corpus") {
		tl.checkedN(1)
		if out := r.out.String(); r.err == nil || !strings.Contains(out, pipe+" is a pipe") {
			t.Errorf("pagegen with a pipe for its corpus: %v\n%s", r.err, out)
		}
	}
}

// stopWritingPages: Ctrl+C once the first page is written, the build
// paused there; the pages left are whole, and the next make ends and
// finishes the site.
func stopWritingPages(t *testing.T, tl *tally) {
	want := reference(t)
	b := newBuild(t)
	r := b.startRun(nil, "-j2", "all")
	if !r.pauseWhen(hangLimit, func() bool { return b.pageCount() > 0 }) {
		t.Fatalf("make wrote no page:\n%s", r.out.String())
	}
	stop(t, tl, r, syscall.SIGINT)
	checkSite(t, tl, want, b, false)
	finishes(t, tl, b, "-j2", "all")
	checkSite(t, tl, want, b, true)
}

// corpusAhead: a packed corpus dated an hour ahead (this once looped forever).
func corpusAhead(t *testing.T, tl *tally) {
	b := newBuild(t)
	finishes(t, tl, b, "-j2", "corpus")
	ahead(t, tl, b.path("data/corpus.bin"))
	finishes(t, tl, b, "-j2", "all")
	checkSite(t, tl, reference(t), b, true)
}

// pageAhead: a page dated an hour ahead is still rewritten when its poem
// changes (every page shows every poem).
func pageAhead(t *testing.T, tl *tally) {
	const n = 3
	b := newBuild(t)
	finishes(t, tl, b, "-j2", fmt.Sprintf("similar/%d.html", n))
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
	finishes(t, tl, b, "-j2", "all")
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

// fifoForOwnFile: a FIFO where the build keeps a file of its own (the
// site's stamp and build record, the corpus's record and list of poems left
// out, the make fragment, the record of the orderings) is never opened to
// wait for a writer: the build ends by itself, refusing the file, naming
// it, when it would write it, and leaves the FIFO where it is.
func fifoForOwnFile(t *testing.T, tl *tally) {
	b := newBuild(t)
	finishes(t, tl, b, "-j2", "corpus")
	for _, name := range []string{"site/.pagegen-site", "site/.pagegen-building", "data/.corpus.bin.checked",
		"data/missing-embeddings.txt", "data/pages.mk", "data/.corpus.bin.orderings"} {
		t.Run(name, func(t *testing.T) {
			path := b.path(name)
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.Rename(path, path+".aside"); err == nil {
				defer os.Rename(path+".aside", path)
			}
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(path)
			tl.fault()
			r := b.startRun(nil, "-j2", "all")
			if !ends(t, tl, r, "make all with a FIFO for "+name) {
				return
			}
			out := r.out.String()
			if r.err != nil && !strings.Contains(out, path) {
				t.Errorf("the build failed without naming %s:\n%s", path, out)
			}
			tl.checkedN(1)
			if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
				tl.lose(t, "the FIFO %s was replaced or removed (%v)", name, err)
			}
		})
	}
}
