//go:build linux

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestConcurrentMakes runs two makes at once on the same corpus and site:
// the second waits for the first, says so, and the site ends up exactly a
// clean build with the settings of the one that ran last, never a mix. The
// first is paused while it holds its locks until the second says that it
// waits (a first that finished before the second started would test
// nothing).
func TestConcurrentMakes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the sample site several times")
	}
	tl := newTally(t)
	want := reference(t)
	wantCorpus := corpusSize(t, want)
	b := newBuild(t)
	b.mustMake("tools") // so that neither make spends its time in go build
	// ends waits for the makes, checks what they said, and counts the faults.
	ends := func(runs ...*run) {
		t.Helper()
		for i, r := range runs {
			tl.fault()
			err := r.wait(t, hangLimit)
			out := r.out.String()
			tl.noTrace(t, fmt.Sprintf("make %d", i+1), out)
			if err != nil {
				t.Errorf("make %d: %v\n%s", i+1, err, out)
			}
		}
	}

	t.Run("same settings, started together", func(t *testing.T) {
		r1, r2 := b.startRun(nil, "-j2", "all"), b.startRun(nil, "-j2", "all")
		// Whichever took the locks first is held until the other waits.
		first := pauseFirst(t, []*run{r1, r2}, (*run).holdsLock)
		second := map[*run]*run{r1: r2, r2: r1}[first]
		waits(t, second)
		first.resume()
		ends(r1, r2)
		if out := first.out.String(); strings.Contains(out, "waiting for it to finish") {
			t.Errorf("the make that took the locks first says it waited:\n%s", out)
		}
		if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
	})

	t.Run("different settings, one while the other builds", func(t *testing.T) {
		// The first rebuilds every page without colours; the second, with
		// colours, starts while the first writes pages, so it runs last.
		first := b.startRun(nil, "-j2", "all", "COLOR_EMBEDDINGS=")
		second := whileWriting(t, first, "-j2", "all")
		ends(first, second)
		if out := first.out.String(); !strings.Contains(out, "every poem is gray") {
			t.Errorf("the first make did not pack without colours:\n%s", out)
		}
		if out := second.out.String(); !regexp.MustCompile(`in use by pagegen \(process \d+ of root, running since [-\d]+ [:\d]+\): waiting for it to finish`).MatchString(out) {
			t.Errorf("the second make does not say it waits for the first, whose, and since when:\n%s", out)
		}
		if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
	})

	t.Run("another corpus for the same site", func(t *testing.T) {
		// A corpus packed before the pages of another one: the site's stamp
		// names the corpus, so every page of the other is rebuilt, and the
		// site ends as the last make's, never a mix.
		gray := reference(t, "COLOR_EMBEDDINGS=")
		other := "CORPUS=" + b.path("other/corpus.bin")
		b.mustMake("corpus", other, "COLOR_EMBEDDINGS=")
		if err := os.RemoveAll(b.path("site/different")); err != nil {
			t.Fatal(err)
		}
		first := b.startRun(nil, "-j2", "all")
		ends(first, whileWriting(t, first, "-j2", "all", other, "COLOR_EMBEDDINGS="))
		if temps := checkSite(t, tl, gray, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
	})

	t.Run("make clean while a build waits, then a build of another corpus", func(t *testing.T) {
		cleanWhileWaited(t, tl, b, want)
		b.mustMake("tools") // make clean removed them
	})

	t.Run("make clean all, and a make all queued behind a make clean", func(t *testing.T) {
		// In one make, the build comes after the clean, with the programs.
		tl.fault()
		out, err := b.make("-j2", "clean", "all")
		tl.noTrace(t, "make -j2 clean all", out)
		if err != nil {
			t.Fatalf("make -j2 clean all: %v\n%s", err, out)
		}
		checkSite(t, tl, want, b, true)
		// Two makes: a build waits for a clean, which removes the programs
		// it is about to run.
		if err := os.RemoveAll(b.path("site/different")); err != nil {
			t.Fatal(err)
		}
		first := b.startRun(nil, "-j2", "all")
		if !first.pauseWhen(hangLimit, first.holdsLock) {
			t.Fatalf("the first make never held its locks:\n%s", first.out.String())
		}
		clean := b.startRun(nil, "clean")
		waits(t, clean)
		if !clean.stopAll() {
			t.Fatalf("make clean ended:\n%s", clean.out.String())
		}
		queued := b.startRun(nil, "-j2", "all")
		waits(t, queued)
		if !queued.stopAll() {
			t.Fatalf("the queued make ended:\n%s", queued.out.String())
		}
		clean.resume()
		first.resume()
		for _, r := range []*run{first, clean} {
			if err := r.wait(t, hangLimit); err != nil {
				t.Fatalf("make: %v\n%s", err, r.out.String())
			}
		}
		queued.resume()
		tl.fault()
		ends(queued)
		if out := queued.out.String(); !strings.Contains(out, "the programs were removed while this build waited (by a make clean): building them again") {
			t.Errorf("the queued make does not say that it builds the programs again:\n%s", out)
		}
		checkSite(t, tl, want, b, true)
	})

	t.Run("a second make just after kill -9 of the first's supervisor", func(t *testing.T) {
		// The first's inner make and pages outlive its supervisor: the
		// second must still wait for them, not build beside them. (The
		// different pages go first, so that the first has pages to write:
		// the site may already be what it builds.)
		if err := os.RemoveAll(b.path("site/different")); err != nil {
			t.Fatal(err)
		}
		first := b.startRun(nil, "-j2", "all", "COLOR_EMBEDDINGS=")
		var sup proc
		if !first.pauseWhen(hangLimit, func() bool {
			var ok bool
			sup, ok = first.find("supervisor", false, rand.New(rand.NewPCG(3, 4)))
			return ok && first.has("page")
		}) {
			t.Fatalf("the first make wrote no page:\n%s", first.out.String())
		}
		if !kill(sup) {
			t.Fatalf("no supervisor to kill")
		}
		second := b.startRun(nil, "-j2", "all")
		waits(t, second)
		// What holds the lock now is the first's inner make, not its
		// supervisor, which is gone.
		if out := second.out.String(); !regexp.MustCompile(`in use by make \(process \d+ of root, running since [-\d]+ [:\d]+\): waiting`).MatchString(out) {
			t.Errorf("the second make does not name the first's inner make, which holds the lock:\n%s", out)
		}
		first.resume()
		tl.fault()
		first.wait(t, hangLimit)
		tl.noTrace(t, "the first make", first.out.String())
		ends(second)
		if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
	})
}

// whileWriting pauses first once it writes a page, starts a second make
// with args, and lets the first go on once the second waits for it.
func whileWriting(t *testing.T, first *run, args ...string) *run {
	t.Helper()
	if !first.pauseWhen(hangLimit, func() bool { return first.has("page") }) {
		t.Fatalf("the first make wrote no page:\n%s", first.out.String())
	}
	second := first.b.startRun(nil, args...)
	waits(t, second)
	first.resume()
	return second
}

// waits checks that r says it waits for another build.
func waits(t *testing.T, r *run) {
	t.Helper()
	if !r.until(hangLimit, func() bool { return strings.Contains(r.out.String(), "waiting for it to finish") }) {
		t.Fatalf("the second make does not wait for the first:\n%s", r.out.String())
	}
}

// pauseFirst pauses runs, again and again, until cond holds for one of
// them, which it returns paused, the others going on.
func pauseFirst(t *testing.T, runs []*run, cond func(*run) bool) *run {
	t.Helper()
	for deadline := time.Now().Add(hangLimit); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		var found *run
		for _, r := range runs {
			if r.stopAll() && found == nil && cond(r) {
				found = r
			}
		}
		for _, r := range runs {
			if r != found {
				r.resume()
			}
		}
		if found != nil {
			return found
		}
	}
	t.Fatalf("none of the makes came to hold its locks")
	return nil
}

// holdsLock reports whether a process of the run holds a lock (flock) on a
// file, as a build holds its directories'.
func (r *run) holdsLock() bool {
	locks, _ := os.ReadFile("/proc/locks")
	ps := alive(group(r.pgid))
	// "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"
	for _, line := range strings.Split(string(locks), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[1] == "FLOCK" && slices.ContainsFunc(ps, func(p proc) bool { return strconv.Itoa(p.pid) == f[4] }) {
			return true
		}
	}
	return false
}

// cleanWhileWaited: make clean removes the site while a build waits for
// its lock, and another build, with another corpus, starts on the same
// site once it is gone. The waiting build must wait for that one in turn,
// not build beside it holding the lock of a site that is no more: the site
// ends as one corpus's, the last to build. Each make is paused where the
// case needs it, so that the moments are the case's, not the machine's.
func cleanWhileWaited(t *testing.T, tl *tally, b *build, want *ref) {
	corpus := func(dir string) string { return "CORPUS=" + b.path(dir+"/corpus.bin") }
	// A first build, of its own corpus, holds the site's lock, paused,
	// while a build (with the sample's corpus, whose lock it takes) and a
	// clean (of the first's corpus) wait for it.
	first := b.startRun(nil, "-j2", "all", corpus("first"), "COLOR_EMBEDDINGS=")
	if !first.pauseWhen(hangLimit, func() bool { return first.holdsLockOf(b.path("site")) }) {
		t.Fatalf("the first make never held the site's lock:\n%s", first.out.String())
	}
	waiter := b.startRun(nil, "-j2", "all")
	if !waiter.until(hangLimit, func() bool { return strings.Contains(waiter.out.String(), b.path("site")+" is in use") }) {
		t.Fatalf("the second make does not wait for the site:\n%s", waiter.out.String())
	}
	if !waiter.stopAll() {
		t.Fatalf("the waiting make ended:\n%s", waiter.out.String())
	}
	clean := b.startRun(nil, "clean", corpus("first"))
	waits(t, clean)
	// The first ends, the clean removes the site, and another corpus's
	// build starts on it, paused once it holds the site's lock.
	first.resume()
	if err := clean.wait(t, hangLimit); err != nil {
		t.Fatalf("make clean: %v\n%s", err, clean.out.String())
	}
	other := b.startRun(nil, "-j2", "all", corpus("other"), "COLOR_EMBEDDINGS=")
	if !other.pauseWhen(hangLimit, func() bool { return other.holdsLockOf(b.path("site")) }) {
		t.Fatalf("the other corpus's make never held the site's lock:\n%s", other.out.String())
	}
	// The waiting build goes on: it must wait for the other, not build.
	waiter.resume()
	tl.fault()
	if !waiter.until(hangLimit, func() bool { return strings.Count(waiter.out.String(), "waiting for it to finish") >= 2 }) {
		tl.lose(t, "the make that waited while the site was removed did not wait for the build that holds the site now:\n%s", waiter.out.String())
	}
	other.resume()
	for _, r := range []*run{first, waiter, other} {
		tl.noTrace(t, "make", r.out.String())
		if err := r.wait(t, hangLimit); err != nil {
			t.Errorf("make: %v\n%s", err, r.out.String())
		}
	}
	if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
		tl.lose(t, "temporary files left: %v", temps)
	}
}

// holdsLockOf reports whether a process of the run holds the lock of the
// folder dir: a lock (flock) on the folder, or on its lock file.
func (r *run) holdsLockOf(dir string) bool {
	ps := alive(group(r.pgid))
	var ids []string
	for _, p := range []string{dir, filepath.Join(dir, lockFile)} {
		var st syscall.Stat_t
		if syscall.Stat(p, &st) == nil {
			ids = append(ids, fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino))
		}
	}
	locks, _ := os.ReadFile("/proc/locks")
	for _, line := range strings.Split(string(locks), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[1] == "FLOCK" && slices.Contains(ids, f[5]) && slices.ContainsFunc(ps, func(p proc) bool { return strconv.Itoa(p.pid) == f[4] }) {
			return true
		}
	}
	return false
}
