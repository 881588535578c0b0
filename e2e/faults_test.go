//go:build linux

package e2e

// Faults (issue #5, items 4 and 5): broken and hostile inputs through the
// real make, kill -9 of the build's processes at random moments, a full disk,
// and two builds at once on the same files. Every test adds to a tally that
// `make check-robustness` prints (mk/robustness.mk): inputs tried, faults
// injected, pages and files checked, pages or files lost or corrupted, and
// panics seen. The last two must be 0.
//
// Environment:
//
//	ROBUSTNESS_TRIALS  kill -9 trials on the sample site (default 5; the
//	                   packing trials are half as many, at least 2)
//	ROBUSTNESS_SEED    seed of the kill moments (default: the clock; logged)
//	ROBUSTNESS_POEMS   size of the large collection (default 12000; 20000
//	                   under make check-robustness)
//	ROBUSTNESS_REPORT  file each test appends its tally line to

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// ---------------------------------------------------------------- tally

// tally counts what one test tried and found, for the robustness table.
type tally struct {
	mu                                             sync.Mutex
	inputs, faults, checked, lost, panics, skipped int
	notes                                          []string
	start                                          time.Time
}

// newTally starts a test's tally; it is written when the test ends.
func newTally(t *testing.T) *tally {
	tl := &tally{start: time.Now()}
	t.Cleanup(func() { tl.report(t) })
	return tl
}

func (tl *tally) add(p *int, n int) {
	tl.mu.Lock()
	*p += n
	tl.mu.Unlock()
}

func (tl *tally) input()         { tl.add(&tl.inputs, 1) }
func (tl *tally) fault()         { tl.add(&tl.faults, 1) }
func (tl *tally) checkedN(n int) { tl.add(&tl.checked, n) }
func (tl *tally) skip()          { tl.add(&tl.skipped, 1) }

func (tl *tally) note(format string, args ...any) {
	tl.mu.Lock()
	tl.notes = append(tl.notes, fmt.Sprintf(format, args...))
	tl.mu.Unlock()
}

// lose records a page or file lost or corrupted.
func (tl *tally) lose(t *testing.T, format string, args ...any) {
	t.Helper()
	tl.add(&tl.lost, 1)
	t.Errorf(format, args...)
}

// traceRE finds what a Go panic or stack trace shows.
var traceRE = regexp.MustCompile(`panic|goroutine |\S\.go:\d+|runtime error`)

// noTrace checks that a command's output shows no Go panic or stack trace.
func (tl *tally) noTrace(t *testing.T, what, out string) {
	t.Helper()
	if m := traceRE.FindString(out); m != "" {
		tl.add(&tl.panics, 1)
		t.Errorf("%s: a Go panic or stack trace reached the user (%q):\n%s", what, m, out)
	}
}

// report logs the tally and appends it to $ROBUSTNESS_REPORT as one line:
// "TestName inputs=… faults=… checked=… lost=… panics=… failed=… skipped=… took=… # notes".
func (tl *tally) report(t *testing.T) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	line := fmt.Sprintf("%s inputs=%d faults=%d checked=%d lost=%d panics=%d failed=%d skipped=%d took=%.1f",
		t.Name(), tl.inputs, tl.faults, tl.checked, tl.lost, tl.panics, b2i(t.Failed()), tl.skipped+b2i(t.Skipped()),
		time.Since(tl.start).Seconds())
	if len(tl.notes) > 0 {
		line += " # " + strings.Join(tl.notes, "; ")
	}
	t.Log("tally: " + line)
	path := os.Getenv("ROBUSTNESS_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = fmt.Fprintln(f, line)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Errorf("writing the robustness report: %v", err)
	}
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a number", name, s)
	}
	return n
}

// ---------------------------------------------------------------- builds

// ref is a complete site built without any fault, shared by the tests.
type ref struct {
	dir   string
	took  time.Duration                // make -j2 all
	pack  time.Duration                // corpus-pack's part of it
	pages map[string][sha256.Size]byte // site-relative name → checksum
}

// refs holds the reference builds by their make arguments, in binDir,
// which TestMain removes at the end.
var refs struct {
	sync.Mutex
	m map[string]*ref
}

// reference builds (once per test binary) the sample site with extra make
// arguments, without any fault.
func reference(t *testing.T, args ...string) *ref {
	t.Helper()
	key := strings.Join(args, " ")
	refs.Lock()
	defer refs.Unlock()
	if r, ok := refs.m[key]; ok {
		return r
	}
	dir, err := os.MkdirTemp(binDir, "reference")
	if err != nil {
		t.Fatal(err)
	}
	b := &build{t: t, dir: dir}
	copySample(b)
	b.mustMake("tools") // time the build, not the go build
	start := time.Now()
	out := b.mustMake(append([]string{"-j2", "all"}, args...)...)
	r := &ref{dir: dir, took: time.Since(start), pack: packTime(t, out), pages: sums(t, b.path("site"))}
	if refs.m == nil {
		refs.m = map[string]*ref{}
	}
	refs.m[key] = r
	return r
}

func (r *ref) path(name string) string { return filepath.Join(r.dir, name) }

// packTime reads how long corpus-pack took from what it says.
func packTime(t *testing.T, out string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`corpus-pack: packed .* in ([0-9.]+)s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("corpus-pack did not say how long it took:\n%s", out)
	}
	secs, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(secs * float64(time.Second))
}

// sums checksums every file under dir, by its slash-separated relative name.
func sums(t *testing.T, dir string) map[string][sha256.Size]byte {
	t.Helper()
	m := map[string][sha256.Size]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == siteStamp {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		m[filepath.ToSlash(rel)] = sha256.Sum256(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// copySample puts the sample inputs in b's directory.
func copySample(b *build) {
	for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
		data, err := os.ReadFile(filepath.Join(root, "data", name))
		if err != nil {
			b.t.Fatal(err)
		}
		b.write(name, data)
	}
}

// run is a make started in its own process group.
type run struct {
	b    *build
	cmd  *exec.Cmd
	out  bytes.Buffer
	pgid int
	done chan struct{}
	err  error // once done
}

// startRun starts make with extra environment. Its temporary directory is
// in the build, where a killed supervisor leaves its progress socket.
func (b *build) startRun(env []string, args ...string) *run {
	b.t.Helper()
	r := &run{b: b, cmd: b.command(args...), done: make(chan struct{})}
	if err := os.MkdirAll(b.path("tmp"), 0o755); err != nil {
		b.t.Fatal(err)
	}
	r.cmd.Env = append(append(os.Environ(), "TMPDIR="+b.path("tmp")), env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	r.pgid = r.cmd.Process.Pid
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	return r
}

// wait waits for make and then for every process of its group (a killed
// supervisor leaves its inner make running), failing the test after timeout.
func (r *run) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	deadline := time.Now().Add(timeout)
	select {
	case <-r.done:
	case <-time.After(timeout):
		syscall.Kill(-r.pgid, syscall.SIGKILL)
		<-r.done
		t.Fatalf("make did not end within %v:\n%s", timeout, r.out.String())
	}
	for len(alive(group(r.pgid))) > 0 {
		if time.Now().After(deadline) {
			syscall.Kill(-r.pgid, syscall.SIGKILL)
			t.Fatalf("processes of the build still run %v after it started: %v", timeout, alive(group(r.pgid)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return r.err
}

// sleep waits d unless make ends first; it reports whether make still runs.
func (r *run) sleep(d time.Duration) bool {
	select {
	case <-r.done:
		return false
	case <-time.After(d):
		return true
	}
}

// ---------------------------------------------------------------- processes

// proc is a process, from /proc.
type proc struct {
	pid   int
	state string
	args  []string
}

func (p proc) String() string { return fmt.Sprintf("%d %q", p.pid, strings.Join(p.args, " ")) }

// role classifies a build's process: corpus-pack is "pack", `pagegen build`
// "supervisor", pagegen writing a page or the page list "page".
func (p proc) role() string {
	if len(p.args) == 0 {
		return ""
	}
	switch filepath.Base(p.args[0]) {
	case "corpus-pack":
		return "pack"
	case "pagegen":
		for _, a := range p.args[1:] {
			switch a {
			case "build":
				return "supervisor"
			case "similar", "different", "index", "makefile":
				return "page"
			case "size":
				return "size"
			}
		}
	}
	return ""
}

// group lists the processes of process group pgid.
func group(pgid int) []proc {
	entries, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		ps = append(ps, proc{pid: pid, state: f[0], args: strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")})
	}
	return ps
}

// alive drops zombies.
func alive(ps []proc) []proc {
	return slices.DeleteFunc(ps, func(p proc) bool { return p.state == "Z" || p.state == "X" })
}

// hasTemp reports whether the process has a temporary file open.
func hasTemp(pid int) bool {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && isTemp(filepath.Base(link)) {
			return true
		}
	}
	return false
}

// siteStamp is the file that says what a site's pages are made of
// (site.StampName); building records a build that has not ended, such as
// one killed (site.BuildingName).
const (
	siteStamp = ".pagegen-site"
	building  = ".pagegen-building"
)

// isTemp tells atomicfile's temporary files: .name.pagegen-random.tmp.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".pagegen-") && strings.HasSuffix(name, ".tmp")
}

// find picks at random a running process of the run with the role whose
// command line names the build's directory (writing: one with a temporary
// file open).
func (r *run) find(role string, writing bool, rng *rand.Rand) (proc, bool) {
	var found []proc
	for _, p := range alive(group(r.pgid)) {
		if p.role() == role && strings.Contains(strings.Join(p.args, " "), r.b.dir) && (!writing || hasTemp(p.pid)) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return proc{}, false
	}
	return found[rng.IntN(len(found))], true
}

// poll waits for a process that find finds, looking every millisecond.
func (r *run) poll(role string, writing bool, rng *rand.Rand, timeout time.Duration) (proc, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p, ok := r.find(role, writing, rng); ok {
			return p, true
		}
		if !r.sleep(time.Millisecond) {
			return proc{}, false
		}
	}
	return proc{}, false
}

// kill sends SIGKILL to p; it reports whether p was still there to get it.
func kill(p proc) bool { return syscall.Kill(p.pid, syscall.SIGKILL) == nil }

// ---------------------------------------------------------------- checks

// pageRE is what a site may hold: pages named by numbers only.
var pageRE = regexp.MustCompile(`^(?:(?:similar|different)/[1-9][0-9]*(?:-[1-9][0-9]*)?\.html|chronological(?:-[1-9][0-9]*)?\.html|index\.html)$`)

const pageEnd = "</html>\n"

// checkSite checks every file of got's site (OUT): a page of the reference,
// whole and byte-identical to it; with all, every reference page is there.
// It returns the temporary files it found, which it leaves to the caller.
func checkSite(t *testing.T, tl *tally, want *ref, got *build, all bool) (temps []string) {
	t.Helper()
	site := got.path("site")
	seen := map[string]bool{}
	err := filepath.WalkDir(site, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == site {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(site, path)
		rel = filepath.ToSlash(rel)
		if isTemp(d.Name()) {
			temps = append(temps, rel)
			return nil
		}
		if d.Name() == siteStamp || d.Name() == building {
			return nil
		}
		tl.checkedN(1)
		sum, ok := want.pages[rel]
		if !ok || !pageRE.MatchString(rel) {
			tl.lose(t, "%s: a file the site should not have", rel)
			return nil
		}
		seen[rel] = true
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case !bytes.HasSuffix(data, []byte(pageEnd)):
			tl.lose(t, "%s is a partial page (%d bytes, not ending in %q)", rel, len(data), pageEnd)
		case sha256.Sum256(data) != sum:
			tl.lose(t, "%s is not the reference build's page (%d bytes)", rel, len(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if all {
		for rel := range want.pages {
			if !seen[rel] {
				tl.lose(t, "%s is missing", rel)
			}
		}
	}
	return temps
}

// checkCorpus checks the packed corpus and page list of a build, if they
// exist: the corpus has the size of a whole one and pagegen opens it (its
// header, table and checksum), the page list is whole.
func checkCorpus(t *testing.T, tl *tally, b *build, corpus string, wantSize int64, poems int) {
	t.Helper()
	if fi, err := os.Stat(corpus); err == nil {
		tl.checkedN(1)
		if fi.Size() != wantSize {
			tl.lose(t, "%s is %d bytes, a whole one %d", corpus, fi.Size(), wantSize)
		}
		out, err := exec.Command(filepath.Join(binDir, "pagegen"), "--corpus", corpus, "size", "--out", b.path("site")).CombinedOutput()
		if err != nil {
			tl.lose(t, "pagegen cannot use %s: %v\n%s", corpus, err, out)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	list := filepath.Join(filepath.Dir(corpus), "pages.mk")
	if data, err := os.ReadFile(list); err == nil {
		tl.checkedN(1)
		_, files, ok := strings.Cut(string(data), "\nSIMILAR_FILES :=")
		files, _, _ = strings.Cut(files, "\n")
		if !ok || !strings.HasSuffix(string(data), "\n") || len(strings.Fields(files)) != poems {
			tl.lose(t, "%s is not a whole page list of %d poems:\n%.300s", list, poems, data)
		}
	}
}

// corpusSize is the size of a reference's packed corpus.
func corpusSize(t *testing.T, r *ref) int64 {
	t.Helper()
	fi, err := os.Stat(r.path("data/corpus.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// ---------------------------------------------------------------- kill -9

// TestKillNine kills pagegen and corpus-pack processes (a page, the page
// list, the corpus, the supervisor, or the whole build) with SIGKILL at random
// moments of real builds, and checks after each kill that every page present
// is whole and exactly the reference build's, that the packed corpus is absent
// or whole, and at the end that the next make sweeps the leftovers and
// finishes the site.
func TestKillNine(t *testing.T) {
	tl := newTally(t)
	trials := envInt(t, "ROBUSTNESS_TRIALS", 5)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ROBUSTNESS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ROBUSTNESS_SEED=%q: want a number", s)
		}
	}
	t.Logf("seed %d (ROBUSTNESS_SEED=%d picks the same moments again, as far as timing allows)", seed, seed)
	tl.note("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	t.Run("site", func(t *testing.T) { killSite(t, tl, rng, trials) })
	t.Run("packing", func(t *testing.T) { killPacking(t, tl, rng, max(2, trials/2)) })
}

// killSite kills parts of make -j2 all on the sample, one trial after another
// on the same build, which each next make resumes.
func killSite(t *testing.T, tl *tally, rng *rand.Rand, trials int) {
	want := reference(t)
	wantCorpus := corpusSize(t, want)
	poems := (len(want.pages) - 2) / 2 // and the index and the chronology
	b := newBuild(t)
	leftTemps := 0
	modes := []string{"page", "group", "pack", "supervisor", "writer"}
	for i := range trials {
		mode := modes[i%len(modes)]
		// Give the build work: a new corpus makes every page stale. The kill
		// comes at a random moment of what is left to build.
		left := float64(2*poems-b.pageCount()) / float64(2*poems)
		if mode == "pack" || rng.IntN(2) == 0 || left == 0 {
			os.Remove(b.path("data/corpus.bin"))
			left = 1
		}
		delay := time.Duration(rng.Int64N(int64(0.9*left*float64(want.took)) + 1))
		if mode == "pack" {
			delay = time.Duration(rng.Int64N(int64(want.pack) + 1))
		}
		r := b.startRun(nil, "-j2", "all")
		what, landed := inject(r, mode, delay, rng)
		err := r.wait(t, 2*time.Minute)
		t.Logf("trial %d (%s): %s; make: %v; %d pages now", i+1, mode, what, err, b.pageCount())
		out := r.out.String()
		tl.noTrace(t, fmt.Sprintf("trial %d", i+1), out)
		if landed {
			tl.fault()
		}
		// A make that exits 0 has built the whole site, whatever was killed (a
		// process killed as it exited, a zombie, takes the SIGKILL and exits 0).
		temps := checkSite(t, tl, want, b, err == nil)
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
		if len(temps) > 0 {
			leftTemps++
			t.Logf("trial %d: temporary files left for the next make: %v", i+1, temps)
		}
		if len(temps) > 0 && (mode == "page" || mode == "writer" || mode == "pack") {
			// The supervisor outlived the kill and holds the locks: nobody else
			// writes here, so it could have swept what the killed process left.
			t.Errorf("trial %d: %s left temporary files although the supervisor lived on: %v", i+1, what, temps)
		}
	}
	out := b.mustMake("-j2", "all")
	tl.note("site: %d of %d trials left temporary files, swept by the next make", leftTemps, trials)
	tl.noTrace(t, "the make after the kills", out)
	if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
		tl.lose(t, "the make after the kills left temporary files: %v", temps)
	}
	if tmp := b.leftovers(); len(tmp) > 0 {
		tl.lose(t, "the make after the kills left temporary files: %v", tmp)
	}
	checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
}

// inject kills per mode: "group" the whole build after delay; "supervisor"
// or "page" a random such process running after delay; "writer" a page
// process while it has its temporary file open; "pack" corpus-pack delay
// after it started. It says what it did, and whether a kill landed.
func inject(r *run, mode string, delay time.Duration, rng *rand.Rand) (string, bool) {
	switch mode {
	case "group":
		if !r.sleep(delay) {
			return "the build ended before the kill", false
		}
		return fmt.Sprintf("SIGKILL to the whole build after %v", delay.Round(time.Millisecond)),
			syscall.Kill(-r.pgid, syscall.SIGKILL) == nil
	case "pack":
		p, ok := r.poll("pack", false, rng, time.Minute)
		if !ok || !r.sleep(delay) {
			return "corpus-pack did not run", false
		}
		if !kill(p) {
			return fmt.Sprintf("corpus-pack ended before the kill %v after it started", delay.Round(time.Millisecond)), false
		}
		return fmt.Sprintf("SIGKILL to corpus-pack %v after it started", delay.Round(time.Millisecond)), true
	}
	if !r.sleep(delay) {
		return "the build ended before the kill", false
	}
	role, writing := mode, false
	if mode == "writer" {
		role, writing = "page", true
	}
	p, ok := r.poll(role, writing, rng, 10*time.Second)
	if !ok && writing {
		p, ok = r.poll(role, false, rng, 10*time.Second)
		mode = "page (no writer caught)"
	}
	if !ok {
		return fmt.Sprintf("no %s process to kill after %v", role, delay.Round(time.Millisecond)), false
	}
	return fmt.Sprintf("SIGKILL to %s %s after %v", mode, p, delay.Round(time.Millisecond)), kill(p)
}

// synthInputs generates (once per test binary, with the real corpus-synth)
// a collection large enough that packing takes a while.
func synthInputs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(binDir, "synth-3000x256")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir
	}
	synth := filepath.Join(binDir, "corpus-synth")
	cmd := exec.Command("go", "build", "-o", synth, "./cmd/corpus-synth")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/corpus-synth: %v\n%s", err, out)
	}
	if out, err := exec.Command(synth, "--poems", "3000", "--dim", "256", "--seed", "5", "-o", dir).CombinedOutput(); err != nil {
		t.Fatalf("corpus-synth: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// synthBuild is a build of the synthetic collection.
func synthBuild(t *testing.T, inputs string) *build {
	t.Helper()
	b := &build{t: t, dir: t.TempDir()}
	for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
		if err := os.Link(filepath.Join(inputs, name), b.path(name)); err != nil {
			data, err := os.ReadFile(filepath.Join(inputs, name))
			if err != nil {
				t.Fatal(err)
			}
			b.write(name, data)
		}
	}
	return b
}

// killPacking kills corpus-pack, or the whole build, while it packs a
// collection of 3,000 poems of 256 dimensions.
func killPacking(t *testing.T, tl *tally, rng *rand.Rand, trials int) {
	inputs := synthInputs(t)
	const poems = 3000
	pages := []string{"similar/1.html", "different/1.html"}
	want := synthBuild(t, inputs)
	packTook := packTime(t, want.mustMake("-j2", "corpus"))
	want.mustMake(append([]string{"-j2"}, pages...)...)
	wantRef := &ref{dir: want.dir, pages: sums(t, want.path("site"))}
	wantCorpus := corpusSize(t, wantRef)

	b := synthBuild(t, inputs)
	leftTemps := 0
	for i := range trials {
		os.Remove(b.path("data/corpus.bin"))
		r := b.startRun(nil, "-j2", "corpus")
		whole := i%2 == 1
		what, landed := "corpus-pack did not run", false
		if p, ok := r.poll("pack", false, rng, time.Minute); ok {
			var delay time.Duration
			moment := "after it started"
			if rng.IntN(2) == 0 {
				// While it writes: the temporary file is there, part written.
				if _, ok := r.poll("pack", true, rng, 2*packTook+5*time.Second); ok {
					moment = "into writing the corpus"
				}
				delay = time.Duration(rng.Int64N(int64(20 * time.Millisecond)))
			} else {
				delay = time.Duration(rng.Int64N(int64(packTook*9/10) + 1))
			}
			if r.sleep(delay) {
				if whole {
					landed = syscall.Kill(-r.pgid, syscall.SIGKILL) == nil
					what = fmt.Sprintf("SIGKILL to the whole build %v %s", delay.Round(time.Millisecond), moment)
				} else {
					landed = kill(p)
					what = fmt.Sprintf("SIGKILL to corpus-pack %v %s", delay.Round(time.Millisecond), moment)
				}
			}
			if !landed {
				what = "corpus-pack ended before the kill"
			}
		}
		err := r.wait(t, 2*time.Minute)
		t.Logf("packing trial %d: %s; make: %v; temporary files: %v", i+1, what, err, b.leftovers())
		tl.noTrace(t, fmt.Sprintf("packing trial %d", i+1), r.out.String())
		if landed {
			tl.fault()
		}
		if tmp := b.leftovers(); len(tmp) > 0 {
			leftTemps++
		}
		if _, serr := os.Stat(b.path("data/corpus.bin")); err == nil && serr != nil {
			tl.lose(t, "packing trial %d: make exited 0 without a corpus: %v", i+1, serr)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
	}
	out := b.mustMake("-j2", "corpus")
	tl.note("packing: %d of %d trials left a temporary corpus, swept by the next make", leftTemps, trials)
	tl.noTrace(t, "the make after the kills", out)
	if tmp := b.leftovers(); len(tmp) > 0 {
		tl.lose(t, "the make after the kills left temporary files: %v", tmp)
	}
	if _, err := os.Stat(b.path("data/corpus.bin")); err != nil {
		tl.lose(t, "the make after the kills made no corpus: %v\n%s", err, out)
	}
	checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
	if out := b.mustMake("corpus"); !strings.Contains(out, "is up to date") {
		t.Errorf("a second make corpus repacked a whole corpus:\n%s", out)
	}
	b.mustMake(append([]string{"-j2"}, pages...)...)
	checkSite(t, tl, wantRef, b, true)
}

// ---------------------------------------------------------------- disk full

// mountTmpfs mounts a tmpfs of the given size at dir until the test ends; it
// skips the test where mounting is not allowed.
func mountTmpfs(t *testing.T, tl *tally, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			tl.skip()
			t.Skipf("cannot mount a %s tmpfs to fill (%v): run the test as root (CAP_SYS_ADMIN)", size, err)
		}
		t.Fatalf("mount -t tmpfs -o size=%s tmpfs %s: %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
}

// TestDiskFull builds on a disk too small: the site on a 3 MB tmpfs (refused
// up front by the space check, and with SPACE_CHECK=0 hitting the full disk
// while writing pages), the packed corpus on a 1 MB one, and the page list on
// one that just holds the corpus. Each must fail with a clear message and
// leave no temporary file and no partial page or corpus.
func TestDiskFull(t *testing.T) {
	tl := newTally(t)
	want := reference(t)
	wantCorpus := corpusSize(t, want)
	poems := (len(want.pages) - 2) / 2 // and the index and the chronology

	for _, c := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"site, space check", nil, []string{"free some space"}},
		{"site, SPACE_CHECK=0", []string{"SPACE_CHECK=0"}, []string{"no space left on device", "free some space"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBuild(t)
			mountTmpfs(t, tl, b.path("site"), "3m")
			tl.fault()
			out, err := b.make(append([]string{"-j2", "all"}, c.args...)...)
			t.Logf("make -j2 all %s on a 3 MB disk: %v; %d pages written\n%s", strings.Join(c.args, " "), err, b.pageCount(), out)
			tl.noTrace(t, c.name, out)
			if err == nil {
				t.Fatalf("make -j2 all succeeded on a 3 MB disk")
			}
			for _, w := range append(c.wants, b.path("site")) {
				if !strings.Contains(out, w) {
					t.Errorf("the error does not say %q:\n%s", w, out)
				}
			}
			if temps := checkSite(t, tl, want, b, false); len(temps) > 0 {
				tl.lose(t, "temporary files left on the full disk: %v", temps)
			}
			checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
		})
	}

	t.Run("packed corpus", func(t *testing.T) {
		b := newBuild(t)
		small := b.path("small")
		mountTmpfs(t, tl, small, "1m")
		tl.fault()
		corpus := filepath.Join(small, "corpus.bin")
		out, err := b.make("-j2", "all", "CORPUS="+corpus)
		tl.noTrace(t, "corpus on a full disk", out)
		if err == nil {
			t.Fatalf("make -j2 all succeeded with the corpus on a 1 MB disk:\n%s", out)
		}
		for _, w := range []string{corpus, "no space left on device", "free some space"} {
			if !strings.Contains(out, w) {
				t.Errorf("the error does not say %q:\n%s", w, out)
			}
		}
		tl.checkedN(1)
		if _, err := os.Stat(corpus); !errors.Is(err, fs.ErrNotExist) {
			tl.lose(t, "a corpus was left on the full disk: %v", err)
		}
		if tmp := b.leftovers(); len(tmp) > 0 {
			tl.lose(t, "temporary files left: %v", tmp)
		}
		if n := b.pageCount(); n > 0 {
			t.Errorf("%d pages built without a corpus", n)
		}
	})

	t.Run("page list", func(t *testing.T) {
		b := newBuild(t)
		small := b.path("small")
		// Room for the corpus, not a byte (tmpfs: not a 4 KB block) more.
		mountTmpfs(t, tl, small, strconv.FormatInt((wantCorpus+4095)/4096*4096, 10))
		tl.fault()
		corpus := filepath.Join(small, "corpus.bin")
		out, err := b.make("-j2", "all", "CORPUS="+corpus)
		tl.noTrace(t, "page list on a full disk", out)
		if err == nil {
			t.Fatalf("make -j2 all succeeded with the page list on a full disk:\n%s", out)
		}
		for _, w := range []string{filepath.Join(small, "pages.mk"), "no space left on device", "free some space"} {
			if !strings.Contains(out, w) {
				t.Errorf("the error does not say %q:\n%s", w, out)
			}
		}
		checkCorpus(t, tl, b, corpus, wantCorpus, poems)
		if tmp := b.leftovers(); len(tmp) > 0 {
			tl.lose(t, "temporary files left: %v", tmp)
		}
		if n := b.pageCount(); n > 0 {
			t.Errorf("%d pages built without a page list", n)
		}
	})
}

// ---------------------------------------------------------------- two makes

// TestConcurrentMakes runs two makes at once on the same corpus and site:
// the second waits for the first, says so, and the site ends up exactly a
// clean build with the settings of the one that ran last, never a mix.
func TestConcurrentMakes(t *testing.T) {
	tl := newTally(t)
	want := reference(t)
	wantCorpus := corpusSize(t, want)
	poems := (len(want.pages) - 2) / 2 // and the index and the chronology
	b := newBuild(t)
	b.mustMake("tools") // so that neither make spends its time in go build

	t.Run("same settings, started together", func(t *testing.T) {
		r1, r2 := b.startRun(nil, "-j2", "all"), b.startRun(nil, "-j2", "all")
		tl.fault()
		tl.fault()
		waited := 0
		for i, r := range []*run{r1, r2} {
			err := r.wait(t, 2*time.Minute)
			out := r.out.String()
			tl.noTrace(t, fmt.Sprintf("make %d", i+1), out)
			if err != nil {
				t.Errorf("make %d: %v\n%s", i+1, err, out)
			}
			if strings.Contains(out, "waiting for it to finish") {
				waited++
			}
		}
		if waited != 1 {
			t.Errorf("%d of the two makes said they were waiting for the other, want 1:\n%s\n---\n%s", waited, r1.out.String(), r2.out.String())
		}
		if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
	})

	t.Run("different settings, one while the other builds", func(t *testing.T) {
		// The first rebuilds every page without colours; the second, with
		// colours, starts while the first writes pages, so it runs last.
		first := b.startRun(nil, "-j2", "all", "COLOR_EMBEDDINGS=")
		if _, ok := first.poll("page", false, rand.New(rand.NewPCG(1, 2)), time.Minute); !ok {
			first.wait(t, time.Minute)
			t.Fatalf("the first make wrote no page:\n%s", first.out.String())
		}
		second := b.startRun(nil, "-j2", "all")
		tl.fault()
		tl.fault()
		for i, r := range []*run{first, second} {
			err := r.wait(t, 2*time.Minute)
			out := r.out.String()
			tl.noTrace(t, fmt.Sprintf("make %d", i+1), out)
			if err != nil {
				t.Errorf("make %d: %v\n%s", i+1, err, out)
			}
		}
		if out := first.out.String(); !strings.Contains(out, "every poem is gray") {
			t.Errorf("the first make did not pack without colours:\n%s", out)
		}
		if out := second.out.String(); !regexp.MustCompile(`in use by pagegen \(process \d+, running since [-\d]+ [:\d]+\): waiting for it to finish`).MatchString(out) {
			t.Errorf("the second make does not say it waits for the first, and since when:\n%s", out)
		}
		if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
	})

	t.Run("another corpus for the same site", func(t *testing.T) {
		// A corpus packed before the pages of another one: the site's stamp
		// names the corpus, so every page of the other is rebuilt, and the
		// site ends as the last make's, never a mix.
		gray := reference(t, "COLOR_EMBEDDINGS=")
		other := "CORPUS=" + b.path("other/corpus.bin")
		b.mustMake("corpus", other, "COLOR_EMBEDDINGS=")
		os.RemoveAll(b.path("site/different"))
		first := b.startRun(nil, "-j2", "all")
		if _, ok := first.poll("page", false, rand.New(rand.NewPCG(5, 6)), time.Minute); !ok {
			first.wait(t, time.Minute)
			t.Fatalf("the first make wrote no page:\n%s", first.out.String())
		}
		second := b.startRun(nil, "-j2", "all", other, "COLOR_EMBEDDINGS=")
		tl.fault()
		tl.fault()
		for i, r := range []*run{first, second} {
			if err := r.wait(t, 2*time.Minute); err != nil {
				t.Errorf("make %d: %v\n%s", i+1, err, r.out.String())
			}
		}
		if temps := checkSite(t, tl, gray, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
	})

	t.Run("a second make just after kill -9 of the first's supervisor", func(t *testing.T) {
		// The first's inner make and pages outlive its supervisor: the
		// second must still wait for them, not build beside them. (The
		// different pages go first, so that the first has pages to write:
		// the site may already be what it builds.)
		rng := rand.New(rand.NewPCG(3, 4))
		if err := os.RemoveAll(b.path("site/different")); err != nil {
			t.Fatal(err)
		}
		first := b.startRun(nil, "-j2", "all", "COLOR_EMBEDDINGS=")
		if _, ok := first.poll("page", false, rng, time.Minute); !ok {
			first.wait(t, time.Minute)
			t.Fatalf("the first make wrote no page:\n%s", first.out.String())
		}
		sup, ok := first.find("supervisor", false, rng)
		if !ok || !kill(sup) {
			t.Fatalf("no supervisor to kill")
		}
		second := b.startRun(nil, "-j2", "all")
		tl.fault()
		tl.fault()
		first.wait(t, 2*time.Minute)
		tl.noTrace(t, "the first make", first.out.String())
		err := second.wait(t, 2*time.Minute)
		out := second.out.String()
		tl.noTrace(t, "the second make", out)
		if err != nil {
			t.Errorf("the second make: %v\n%s", err, out)
		}
		if !strings.Contains(out, "waiting for it to finish") {
			t.Errorf("the second make does not say it waits for the first's pages:\n%s", out)
		}
		if temps := checkSite(t, tl, want, b, true); len(temps) > 0 {
			tl.lose(t, "temporary files left: %v", temps)
		}
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus, poems)
	})
}

// ---------------------------------------------------------------- bad inputs

// editJSON rewrites one of the build's JSON inputs through fn (numbers kept
// as written).
func (b *build) editJSON(name string, fn func(doc map[string]any)) {
	b.t.Helper()
	data, err := os.ReadFile(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		b.t.Fatal(err)
	}
	fn(doc)
	if data, err = json.Marshal(doc); err != nil {
		b.t.Fatal(err)
	}
	b.write(name, data)
}

func list(doc map[string]any, key string) []any { return doc[key].([]any) }

func item(doc map[string]any, key string, i int) map[string]any {
	return list(doc, key)[i].(map[string]any)
}

// editLine rewrites line i of a file (the sample's embeddings have one entry a line).
func (b *build) editLine(name string, i int, fn func(string) string) {
	b.t.Helper()
	data, err := os.ReadFile(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[i] = fn(lines[i])
	b.write(name, []byte(strings.Join(lines, "\n")))
}

// embeddingLine is the line of the sample's embeddings.json that holds poem n's entry.
func embeddingLine(b *build, n int) int {
	b.t.Helper()
	data, err := os.ReadFile(b.path("embeddings.json"))
	if err != nil {
		b.t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, fmt.Sprintf(`"poem_index":%d,"embedding":[`, n)) {
			return i
		}
	}
	b.t.Fatalf("no line for poem %d in embeddings.json", n)
	return 0
}

var numberRE = regexp.MustCompile(`-?[0-9][0-9.eE+-]*`)

// remedyWords: an error says what to do with one of these.
var remedyWords = []string{"fix", "regenerate", "re-run", "give ", "add ", "set ", "embed every", "remove", "rebuild", "split", "free some space", "more memory", "should look like", "should hold", "check "}

// TestBadInputsThroughMake feeds broken and hostile inputs to the real make.
// A broken input fails with a message that names the file and the fix,
// without a Go trace, and leaves no page, no corpus and no temporary file;
// odd but valid inputs (a 10 MB poem, tens of thousands of poems, dirty text,
// labels that try to escape their place) build a correct site.
func TestBadInputsThroughMake(t *testing.T) {
	tl := newTally(t)
	s := readSample(t, newBuild(t))
	ref := func(n int) string { return fmt.Sprintf("%d %s", n, s.labels[n-1]) }
	setEmbedding := func(n int, fn func(values string) string) func(b *build) {
		return func(b *build) {
			b.editLine("embeddings.json", embeddingLine(b, n), func(l string) string {
				head, rest, _ := strings.Cut(l, `"embedding":[`)
				values, tail, _ := strings.Cut(rest, "]")
				return head + `"embedding":[` + fn(values) + "]" + tail
			})
		}
	}
	cases := []struct {
		name  string
		file  string // the input the message must name
		edit  func(b *build)
		wants []string
	}{
		{"poems.json missing", "poems.json", func(b *build) { os.Remove(b.path("poems.json")) }, []string{"not found"}},
		{"embeddings.json missing", "embeddings.json", func(b *build) { os.Remove(b.path("embeddings.json")) }, []string{"not found"}},
		{"colour file missing", "color_embeddings.json", func(b *build) { os.Remove(b.path("color_embeddings.json")) }, []string{"COLOR_EMBEDDINGS="}},
		{"poems.json a directory", "poems.json", func(b *build) {
			os.Remove(b.path("poems.json"))
			os.Mkdir(b.path("poems.json"), 0o755)
		}, nil},
		{"poems.json empty", "poems.json", func(b *build) { b.write("poems.json", nil) }, []string{"empty"}},
		{"poems.json not JSON", "poems.json", func(b *build) { b.write("poems.json", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) }, []string{"invalid JSON"}},
		{"poems.json truncated", "poems.json", func(b *build) {
			data, _ := os.ReadFile(b.path("poems.json"))
			b.write("poems.json", data[:len(data)*2/3])
		}, []string{"truncated"}},
		{"embeddings.json truncated", "embeddings.json", func(b *build) {
			data, _ := os.ReadFile(b.path("embeddings.json"))
			b.write("embeddings.json", data[:len(data)/2])
		}, []string{"truncated"}},
		{"poems.json a top-level array", "poems.json", func(b *build) {
			var doc map[string]json.RawMessage
			data, _ := os.ReadFile(b.path("poems.json"))
			json.Unmarshal(data, &doc)
			b.write("poems.json", doc["poems"])
		}, nil},
		{"poems an object", "poems.json", func(b *build) { b.write("poems.json", []byte(`{"poems": {"1": {"id": 1}}}`)) }, nil},
		{"embeddings a number", "embeddings.json", func(b *build) { b.write("embeddings.json", []byte(`{"embeddings": 5}`)) }, nil},
		{"id a string", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 16)["id"] = "17" })
		}, []string{"poems[16].id"}},
		{"id a path", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 2)["id"] = "../../etc" })
		}, []string{"poems[2].id"}},
		{"content missing", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { delete(item(d, "poems", 3), "content") })
		}, []string{`poems[3] has no "content"`}},
		{"date not a date", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 8)["creation_date"] = "2023-13-45" })
		}, []string{"2023-13-45", ref(9)}},
		{"count mismatch", "embeddings.json", func(b *build) {
			b.editJSON("embeddings.json", func(d map[string]any) { d["embeddings"] = list(d, "embeddings")[:len(s.labels)-1] })
		}, []string{fmt.Sprintf("%d entries", len(s.labels)-1), fmt.Sprintf("%d poems", len(s.labels))}},
		{"entries out of step", "embeddings.json", func(b *build) {
			b.editJSON("embeddings.json", func(d map[string]any) {
				e := list(d, "embeddings")
				e[0], e[1] = e[1], e[0]
			})
		}, []string{"does not line up", ref(1)}},
		{"wrong dimension in one entry", "embeddings.json", setEmbedding(10, func(v string) string {
			return strings.Join(strings.Split(v, ",")[:100], ",")
		}), []string{ref(10)}},
		{"a bare NaN", "embeddings.json", setEmbedding(43, func(v string) string {
			_, rest, _ := strings.Cut(v, ",")
			return "NaN," + rest
		}), []string{ref(43), "NaN"}},
		{"a bare -Infinity", "embeddings.json", setEmbedding(101, func(v string) string {
			_, rest, _ := strings.Cut(v, ",")
			return "-Infinity," + rest
		}), []string{ref(101)}},
		{"a zero vector", "embeddings.json", setEmbedding(44, func(v string) string {
			return numberRE.ReplaceAllString(v, "0")
		}), []string{ref(44), "zero"}},
		{"duplicate poem_index", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 20)["poem_index"] = 10 })
		}, []string{"poem_index 10", s.labels[9], s.labels[20]}},
		{"empty collection", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { d["poems"] = []any{} })
			b.editJSON("embeddings.json", func(d map[string]any) { d["embeddings"] = []any{} })
		}, []string{"empty"}},
		{"colour missing and colour extra", "color_embeddings.json", func(b *build) {
			b.editJSON("color_embeddings.json", func(d map[string]any) {
				e := d["embeddings"].(map[string]any)
				e["pink"] = e["red"]
				delete(e, "red")
			})
		}, []string{`"red" is missing`, `"pink" is not a palette colour`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tl.input()
			b := newBuild(t)
			c.edit(b)
			out, err := b.make("-j2", "all")
			checkRefused(t, tl, b, out, err, b.path(c.file), c.wants)
		})
	}

	t.Run("collection too large for memory", func(t *testing.T) {
		t.Parallel()
		tl.input()
		b := newBuild(t)
		b.mustMake("tools")
		out, err := exec.Command(filepath.Join(binDir, "corpus-pack"), "--max-memory-mb", "1",
			"--poems", b.path("poems.json"), "--embeddings", b.path("embeddings.json"),
			"--colors", b.path("color_embeddings.json"), "-o", b.path("data/corpus.bin")).CombinedOutput()
		checkRefused(t, tl, b, string(out), err, b.path("poems.json"),
			[]string{fmt.Sprintf("%d poems need", len(s.labels)), "MB", "available"})
	})

	t.Run("10 MB poem", func(t *testing.T) { bigPoem(t, tl) })
	t.Run("many tiny poems", func(t *testing.T) { manyPoems(t, tl) })
	t.Run("dirty text", func(t *testing.T) { dirtyText(t, tl) })
	t.Run("labels that try to escape", func(t *testing.T) { escapingLabels(t, tl) })
}

// checkRefused checks a refused input: make (or the command) failed with a
// message that names the file and the remedy and shows no Go trace, and left
// no page, no corpus and no temporary file.
func checkRefused(t *testing.T, tl *tally, b *build, out string, err error, file string, wants []string) {
	t.Helper()
	tl.noTrace(t, "the error", out)
	if err == nil {
		t.Fatalf("accepted:\n%s", out)
	}
	if !strings.Contains(out, file) {
		t.Errorf("the error does not name %s:\n%s", file, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("the error does not say %q:\n%s", w, out)
		}
	}
	lower := strings.ToLower(out)
	if !slices.ContainsFunc(remedyWords, func(w string) bool { return strings.Contains(lower, w) }) {
		t.Errorf("the error says nothing of what to do (none of %q):\n%s", remedyWords, out)
	}
	if n := b.pageCount(); n > 0 {
		t.Errorf("%d pages written", n)
	}
	for _, name := range []string{"site/index.html", "data/corpus.bin"} {
		if _, err := os.Stat(b.path(name)); err == nil {
			t.Errorf("%s written", name)
		}
	}
	if tmp := b.leftovers(); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("%s", out)
}

// tagRE matches an HTML tag.
var tagRE = regexp.MustCompile(`<[^>]*>`)

// columns is how many terminal columns s takes (East Asian wide characters
// 2, combining marks 0).
func columns(s string) int {
	w := 0
	for _, r := range s {
		switch k := width.LookupRune(r).Kind(); {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case k == width.EastAsianWide || k == width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
	}
	return w
}

// checkText checks the text of a page: whole, valid UTF-8 without control
// characters other than newline, and every line of its <pre> at most 80
// columns once tags are stripped.
func checkText(t *testing.T, tl *tally, name string, page []byte) {
	t.Helper()
	tl.checkedN(1)
	if !bytes.HasSuffix(page, []byte(pageEnd)) {
		tl.lose(t, "%s is a partial page", name)
		return
	}
	if !utf8.Valid(page) {
		t.Errorf("%s is not valid UTF-8", name)
	}
	if i := bytes.IndexFunc(page, func(r rune) bool { return r != '\n' && (unicode.IsControl(r) || r == '\u202e') }); i >= 0 {
		t.Errorf("%s has a control character at byte %d: %q", name, i, page[max(0, i-20):min(len(page), i+20)])
	}
	start, end := bytes.Index(page, []byte("<pre>")), bytes.LastIndex(page, []byte("</pre>"))
	if start < 0 || end < start {
		t.Errorf("%s has no <pre>", name)
		return
	}
	wide := 0
	for i, line := range strings.Split(string(page[start+len("<pre>"):end]), "\n") {
		plain := html.UnescapeString(tagRE.ReplaceAllString(line, ""))
		if w := columns(plain); w > 80 {
			if wide++; wide <= 3 {
				t.Errorf("%s: line %d of the text is %d columns: %.120q", name, i+1, w, plain)
			}
		}
	}
	if wide > 3 {
		t.Errorf("%s: %d lines wider than 80 columns in all", name, wide)
	}
}

// bigPoem: a poem of 10 MB, with a 3 MB line, a line of 1 MB of wide
// characters, a 500 KB word and thousands of indented lines, renders with
// every line in 80 columns. Only two pages are built: each holds the poem.
func bigPoem(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	var poem strings.Builder
	poem.WriteString("BEGIN-OF-BIG-POEM\n")
	words := []string{"the", "quiet", "river", "of", "evening", "carries", "lanterns", "déjà", "vu", "home"}
	for i := 0; poem.Len() < 3<<20; i++ {
		poem.WriteString(words[i%len(words)] + " ")
	}
	poem.WriteString("\n" + strings.Repeat("詩歌之河", 1<<20/12) + "\n")
	for i := 0; poem.Len() < 9<<20+512<<10; i++ {
		fmt.Fprintf(&poem, "\tverse %d,\tindented by a tab, and long enough to need a second line when the tab is expanded to eight columns\n", i)
	}
	poem.WriteString(strings.Repeat("x", 500<<10) + "\nEND-OF-BIG-POEM")
	const n = 5
	b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", n-1)["content"] = poem.String() })
	pages := []string{"similar/1.html", fmt.Sprintf("different/%d.html", n)}
	// A wrap that is quadratic in the length of a line takes hours here.
	r := b.startRun(nil, append([]string{"-j2"}, pages...)...)
	if err := r.wait(t, 3*time.Minute); err != nil {
		t.Fatalf("make: %v\n%s", err, r.out.String())
	}
	out := r.out.String()
	tl.noTrace(t, "a 10 MB poem", out)
	for _, p := range pages {
		page, err := os.ReadFile(b.path("site/" + p))
		if err != nil {
			tl.lose(t, "%s: %v", p, err)
			continue
		}
		checkText(t, tl, p, page)
		if len(page) < 10<<20 || !bytes.Contains(page, []byte("BEGIN-OF-BIG-POEM")) || !bytes.Contains(page, []byte("END-OF-BIG-POEM")) {
			t.Errorf("%s (%d bytes) does not show the whole 10 MB poem", p, len(page))
		}
	}
}

// manyPoems: tens of thousands of tiny poems with 4-d embeddings pack (the
// Gram matrix is n² × 4 bytes: 1.6 GB at 20,000) and one page builds.
func manyPoems(t *testing.T, tl *tally) {
	tl.input()
	n := envInt(t, "ROBUSTNESS_POEMS", 12000)
	if avail := memAvailable(); avail > 0 && int64(n)*int64(n)*4*3 > avail && n > 12000 {
		t.Logf("%d poems need %d MB for the Gram matrix; %d MB available: using 12,000", n, int64(n)*int64(n)*4>>20, avail>>20)
		n = 12000
	}
	tl.note("%d tiny poems", n)
	t.Logf("%d tiny poems (ROBUSTNESS_POEMS; make check-robustness uses 20,000, whose Gram matrix is 1.6 GB)", n)
	b := &build{t: t, dir: t.TempDir()}
	rng := rand.New(rand.NewPCG(uint64(n), 4))
	cats := []string{"fediverse", "messages", "notes"}
	var poems, emb bytes.Buffer
	poems.WriteString(`{"metadata": {"source": "faults_test"}, "poems": [`)
	emb.WriteString(`{"metadata": {"embedding_model": "test", "embedding_dimension": 4}, "embeddings": [`)
	vec := func() string {
		v := make([]string, 4)
		for k := range v {
			v[k] = strconv.FormatFloat(rng.Float64()*2-1, 'f', 5, 32)
		}
		v[0] = strconv.FormatFloat(rng.Float64()+0.01, 'f', 5, 32) // never all zero
		return "[" + strings.Join(v, ",") + "]"
	}
	for i := range n {
		if i > 0 {
			poems.WriteString(",\n")
			emb.WriteString(",\n")
		}
		fmt.Fprintf(&poems, `{"id": %d, "category": %q, "content": "tiny poem %d", "creation_date": "2020-01-%02dT10:00:00Z"}`, i/len(cats)+1, cats[i%len(cats)], i+1, i%28+1)
		fmt.Fprintf(&emb, `{"id": %d, "embedding": %s}`, i/len(cats)+1, vec())
	}
	poems.WriteString("]}\n")
	emb.WriteString("]}\n")
	b.write("poems.json", poems.Bytes())
	b.write("embeddings.json", emb.Bytes())
	var colors []string
	for _, c := range []string{"red", "blue", "green", "purple", "orange", "yellow", "gray"} {
		colors = append(colors, fmt.Sprintf("%q: %s", c, vec()))
	}
	b.write("color_embeddings.json", []byte(`{"embeddings": {`+strings.Join(colors, ", ")+"}}\n"))

	start := time.Now()
	out := b.mustMake("-j2", "corpus")
	t.Logf("make corpus: %v\n%s", time.Since(start).Round(time.Millisecond), out)
	tl.noTrace(t, "make corpus", out)
	page := fmt.Sprintf("similar/%d.html", n)
	out = b.mustMake("-j2", page)
	tl.noTrace(t, "make "+page, out)
	data, err := os.ReadFile(b.path("site/" + page))
	if err != nil {
		tl.lose(t, "%s: %v", page, err)
		return
	}
	checkText(t, tl, page, data)
	ns, _ := entries(t, data)
	if len(ns) != n || ns[0] != n {
		t.Errorf("%s has %d entries starting with poem %v, want %d starting with %d", page, len(ns), ns[:min(1, len(ns))], n, n)
	}
	// The corpus is n² × 4 bytes: do not keep it until the end of the test.
	os.RemoveAll(b.path("data"))
}

func memAvailable() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// dirtyText: invalid UTF-8, control characters, CR LF, lone CR, tabs and a
// bidirectional override in a poem and its content warning build, cleaned.
func dirtyText(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	const n = 7
	const invalid = "@INVALID@"
	b.editJSON("poems.json", func(d map[string]any) {
		p := item(d, "poems", n-1)
		p["content"] = "caf" + invalid + " broken\r\nCRLF line\rCR line\n\ttab\tstops\nbell\x07 esc\x1b[31m nul\x00 del\x7f bidi\u202eevil\u202c end"
		p["content_warning"] = "cw\twith\r\nbreaks\x07"
	})
	data, err := os.ReadFile(b.path("poems.json"))
	if err != nil {
		t.Fatal(err)
	}
	b.write("poems.json", bytes.Replace(data, []byte(invalid), []byte("\xe9\xff\xfe"), 1)) // raw invalid UTF-8 in the JSON string
	page := fmt.Sprintf("similar/%d.html", n)
	out := b.mustMake("-j2", page, "index")
	tl.noTrace(t, "dirty text", out)
	for _, p := range []string{page, "index.html"} {
		data, err := os.ReadFile(b.path("site/" + p))
		if err != nil {
			tl.lose(t, "%s: %v", p, err)
			continue
		}
		checkText(t, tl, p, data)
		if bytes.Contains(data, []byte("\r")) || bytes.Contains(data, []byte("\t")) {
			t.Errorf("%s has a CR or a tab", p)
		}
	}
	data, _ = os.ReadFile(b.path("site/" + page))
	text := html.UnescapeString(tagRE.ReplaceAllString(string(data), ""))
	for _, w := range []string{"caf\ufffd", "broken\nCRLF line\nCR line\n        tab     stops\n", "bell esc[31m nul del bidievil end", "CW: cw with breaks"} {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not show the cleaned text %q", page, w)
		}
	}
}

// escapingLabels: categories, a content warning and content made of path and
// markup tricks build a site whose files are all under OUT and named by
// numbers, whose links and anchors are numbers, and where the tricks are text.
func escapingLabels(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	tricks := map[int]string{3: "../../etc", 4: "</pre><script>x</script>", 5: `a"b`, 6: "/abs/path", 7: "..", 8: "%2e%2e%2f&amp;"}
	b.editJSON("poems.json", func(d map[string]any) {
		for n, c := range tricks {
			item(d, "poems", n-1)["category"] = c
		}
		p := item(d, "poems", 9)
		p["content_warning"] = `</pre><a href="../../x">`
		p["content"] = `<script>alert(1)</script> & "quotes" ' <!-- -->`
	})
	out := b.mustMake("-j2", "all")
	tl.noTrace(t, "escaping labels", out)

	var names []string
	entries, _ := os.ReadDir(b.dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"color_embeddings.json", "data", "embeddings.json", "poems.json", "site"}; !slices.Equal(names, want) {
		t.Errorf("the build's directory holds %v, want %v", names, want)
	}
	if up, _ := os.ReadDir(filepath.Dir(b.dir)); len(up) != 1 {
		t.Errorf("files written next to the build: %v", up)
	}
	// Poem text keeps its quotes (it never goes in an attribute) but not its
	// < and >: attributes are those of the tags proper.
	tagRE := regexp.MustCompile(`<[a-zA-Z][^<>]*>`)
	hrefRE := regexp.MustCompile(`\shref="([^"]*)"`)
	idRE := regexp.MustCompile(`\s(?:id|name)="([^"]*)"`)
	pageLink := regexp.MustCompile(`^\.\./(?:(?:similar|different)/[1-9][0-9]*\.html|index\.html|chronological\.html)$`)
	// The index and the chronology are at the top of the site.
	topLink := regexp.MustCompile(`^(?:(?:similar|different)/[1-9][0-9]*\.html|chronological\.html|index\.html)$`)
	files := sums(t, b.path("site"))
	if want := len(reference(t).pages); len(files) != want {
		t.Errorf("the site has %d files, want %d", len(files), want)
	}
	for name := range files {
		tl.checkedN(1)
		if !pageRE.MatchString(name) {
			tl.lose(t, "the site holds %q, not a page named by a number", name)
			continue
		}
		data, err := os.ReadFile(b.path("site/" + name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(data, []byte(pageEnd)) {
			tl.lose(t, "%s is a partial page", name)
		}
		lower := bytes.ToLower(data)
		if bytes.Contains(lower, []byte("<script")) || bytes.Count(lower, []byte("</pre>")) != 1 || bytes.Count(lower, []byte("<pre>")) != 1 || bytes.Contains(lower, []byte("<!--")) {
			t.Errorf("%s: the poem text is markup, not text", name)
		}
		link := pageLink
		if !strings.Contains(name, "/") {
			link = topLink
		}
		tags := bytes.Join(tagRE.FindAll(data, -1), nil)
		for _, m := range hrefRE.FindAllSubmatch(tags, -1) {
			target := filepath.ToSlash(filepath.Join(filepath.Dir(name), string(m[1])))
			if _, ok := files[target]; !ok || !link.Match(m[1]) {
				t.Errorf("%s: link %q", name, m[1])
				break
			}
		}
		for _, m := range idRE.FindAllSubmatch(tags, -1) {
			if !regexp.MustCompile(`^p[1-9][0-9]*$`).Match(m[1]) {
				t.Errorf("%s: anchor %q", name, m[1])
				break
			}
		}
	}
	index, _ := os.ReadFile(b.path("site/index.html"))
	for _, c := range tricks {
		if !bytes.Contains(index, []byte(strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(c)+"/")) {
			t.Errorf("the index does not show the category %q as text", c)
		}
	}
	for _, p := range []string{"index.html", "similar/4.html", "different/10.html"} {
		data, _ := os.ReadFile(b.path("site/" + p))
		checkText(t, tl, p, data)
	}
}
