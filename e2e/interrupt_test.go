//go:build linux

package e2e

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptAndResume stops real builds with SIGINT and SIGTERM to the
// process group (what Ctrl+C and a stopping service manager do) at several
// points, and checks after each stop that the build ended (hangLimit), left no
// temporary file and no partial page, and that every page present is exactly
// the uninterrupted build's; then that the next make finishes the rest.
func TestInterruptAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site twice")
	}
	ref := newBuild(t)
	ref.mustMake("-j2", "all")
	total := ref.pageCount()

	b := newBuild(t)
	stops := []struct {
		sig   syscall.Signal
		after int // pages built before the signal
	}{
		{syscall.SIGINT, 0}, {syscall.SIGINT, total / 4}, {syscall.SIGTERM, total / 2}, {syscall.SIGINT, total * 3 / 4},
	}
	for _, stop := range stops {
		r := b.startRun(nil, "-j2", "all")
		// Paused there, so that the signal comes with the pages counted.
		if !r.pauseWhen(hangLimit, func() bool { return b.pageCount() >= stop.after }) {
			t.Fatalf("make ended, or did not reach %d pages, before the %v:\n%s", stop.after, stop.sig, r.out.String())
		}
		sent := time.Now()
		r.signal(stop.sig)
		r.resume()
		err := r.wait(t, hangLimit)
		t.Logf("%v after %d pages: stopped in %v with %v; %d pages now", stop.sig, stop.after, time.Since(sent).Round(time.Millisecond), err, b.pageCount())
		if err == nil && b.pageCount() < total {
			t.Errorf("%v: make exited 0 without finishing", stop.sig)
		}
		if out := r.out.String(); strings.Contains(out, "goroutine ") || strings.Contains(out, "panic:") {
			t.Errorf("%v: a Go stack trace reached the user:\n%s", stop.sig, out)
		}
		if tmp := b.leftovers(); len(tmp) > 0 {
			t.Errorf("%v after %d pages: temporary files left: %v", stop.sig, stop.after, tmp)
		}
		comparePages(t, ref, b, false)
	}
	out := b.mustMake("-j2", "all")
	if b.pageCount() != total {
		t.Fatalf("the resumed build has %d pages, want %d:\n%s", b.pageCount(), total, out)
	}
	comparePages(t, ref, b, true)
}

// comparePages checks that every page of got is byte-identical to ref's,
// and with all, that got has every page ref has.
func comparePages(t *testing.T, ref, got *build, all bool) {
	t.Helper()
	for name := range ref.files() {
		if !strings.HasPrefix(name, "site") {
			continue
		}
		g, err := os.ReadFile(got.path(name))
		if os.IsNotExist(err) && !all {
			continue
		}
		r, _ := os.ReadFile(ref.path(name))
		if err != nil || !bytes.Equal(g, r) {
			t.Errorf("%s is not the uninterrupted build's page (%v; %d bytes vs %d)", name, err, len(g), len(r))
		}
	}
}

// TestProgressPlainOutput: progress in a log (not a terminal) is plain
// periodic lines without escape codes, then a summary.
func TestProgressPlainOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site")
	}
	b := newBuild(t)
	cmd := b.command("-j2", "all")
	cmd.Env = append(os.Environ(), "PROGRESS_INTERVAL=100ms")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("\x1b")) {
		t.Errorf("escape codes in non-terminal output:\n%q", out)
	}
	var progress int
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "pagegen: ") && strings.Contains(line, "/414 pages") && strings.Contains(line, "pages/s") {
			progress++
		}
	}
	if progress == 0 {
		t.Errorf("no progress lines (pagegen: N/414 pages, … pages/s):\n%s", out)
	}
	if !strings.Contains(string(out), "pagegen: updated 414 of 414 files") {
		t.Errorf("no summary:\n%s", out)
	}
}

// TestKeepGoing: with make -k a failing page does not stop the others, and
// the summary names it with its error.
func TestKeepGoing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site")
	}
	b := newBuild(t)
	b.mustMake("index") // a site of pagegen's, so that the build takes the folder
	// A directory where a page should go makes that page fail (dated back,
	// so that make takes it as a page to build).
	if err := os.MkdirAll(b.path("site/similar/5.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(b.path("site/similar/5.html"), time.Unix(0, 0), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	out, err := b.make("-k", "-j2", "all")
	if err == nil {
		t.Fatalf("make -k succeeded with a page that cannot be written:\n%s", out)
	}
	if want := 2*206 - 1; b.pageCount() != want {
		t.Errorf("%d similar and different pages built, want every one but one (%d)", b.pageCount(), want)
	}
	for _, want := range []string{"1 failed", "similar/5: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary does not say %q:\n%s", want, out)
		}
	}
}
