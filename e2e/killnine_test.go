//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillNine kills pagegen and corpus-pack processes (a page, the page
// list, the corpus, the supervisor, or the whole build) with SIGKILL at random
// moments of real builds, and checks after each kill that every page present
// is whole and exactly the reference build's, that the packed corpus is absent
// or whole, and at the end that the next make sweeps the leftovers and
// finishes the site.
//
// A moment is a point of the build's progress, not a delay: the process
// of a page picked at random, caught running, or corpus-pack at a random
// point of its output. The build is paused there (pauseWhen), so the kill
// lands. A process can still come and go between two looks; then the trial
// is run again, with another moment, up to attempts times: a trial passes
// only with a kill that landed.
//
// ROBUSTNESS_TRIALS is the number of trials on the sample site (default 5;
// the packing trials are half as many, at least 2), ROBUSTNESS_SEED the seed
// of the moments (default: the clock; logged, and noted in the table), which
// replays the same moments.
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the sample site again and again")
	}
	tl := newTally(t)
	trials := envInt(t, "ROBUSTNESS_TRIALS", 5)
	seed := robustnessSeed(t)
	tl.note("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	t.Run("site", func(t *testing.T) { killSite(t, tl, rng, trials) })
	t.Run("packing", func(t *testing.T) { killPacking(t, tl, rng, max(2, trials/2)) })
}

// robustnessSeed is ROBUSTNESS_SEED, or one from the clock; the test
// prints it either way, to replay a failure.
func robustnessSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ROBUSTNESS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ROBUSTNESS_SEED=%q: want a number", s)
		}
	}
	t.Logf("seed %d: ROBUSTNESS_SEED=%d replays these moments", seed, seed)
	return seed
}

// attempts is how many times a trial whose kill missed is run again.
const attempts = 5

// retry runs trial until its kill lands, at most attempts times, and
// fails the test if none did.
func retry(t *testing.T, name string, trial func() (what string, landed bool)) {
	t.Helper()
	var missed []string
	for range attempts {
		what, landed := trial()
		if landed {
			return
		}
		missed = append(missed, what)
	}
	t.Errorf("%s: no kill landed in %d attempts: %s", name, attempts, strings.Join(missed, "; "))
}

// page is a similar or different page of the sample, by its poem.
type page struct {
	kind string
	n    int
}

func (p page) String() string { return fmt.Sprintf("%s/%d.html", p.kind, p.n) }

// writes reports whether process p writes page pg.
func (p proc) writes(pg page) bool {
	i := slices.Index(p.args, pg.kind)
	return p.role() == "page" && i > 0 && i+1 < len(p.args) && p.args[i+1] == strconv.Itoa(pg.n)
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
		retry(t, fmt.Sprintf("trial %d (%s)", i+1, mode), func() (string, bool) {
			// Give the build work: the pages left to build, or, at random or
			// when there are none, every page removed (a corpus packed again
			// with the same contents leaves the pages as they are). The kill
			// comes with one of them; for "pack", the corpus is packed again.
			var todo []page
			for _, kind := range []string{"similar", "different"} {
				for n := 1; n <= poems; n++ {
					if _, err := os.Stat(b.path(fmt.Sprintf("site/%s/%d.html", kind, n))); errors.Is(err, fs.ErrNotExist) {
						todo = append(todo, page{kind, n})
					}
				}
			}
			if len(todo) == 0 || rng.IntN(2) == 0 {
				todo = todo[:0]
				for _, kind := range []string{"similar", "different"} {
					for n := 1; n <= poems; n++ {
						pg := page{kind, n}
						if err := os.Remove(b.path("site/" + pg.String())); err != nil && !errors.Is(err, fs.ErrNotExist) {
							t.Fatal(err)
						}
						todo = append(todo, pg)
					}
				}
			}
			if mode == "pack" || rng.IntN(4) == 0 {
				if err := os.Remove(b.path("data/corpus.bin")); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
			}
			target := todo[rng.IntN(len(todo))]
			r := b.startRun(nil, "-j2", "all")
			what, landed := inject(r, mode, target, rng)
			err := r.wait(t, hangLimit)
			t.Logf("trial %d (%s): %s; make: %v; %d pages now", i+1, mode, what, err, b.pageCount())
			out := r.out.String()
			tl.noTrace(t, fmt.Sprintf("trial %d", i+1), out)
			if landed {
				tl.fault()
			}
			// A make that exits 0 has built the whole site, whatever was killed (a
			// process killed as it exited, a zombie, takes the SIGKILL and exits 0).
			temps := checkSite(t, tl, want, b, err == nil)
			checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
			if len(temps) > 0 {
				leftTemps++
				t.Logf("trial %d: temporary files left for the next make: %v", i+1, temps)
			}
			if len(temps) > 0 && (mode == "page" || mode == "writer" || mode == "pack") {
				// The supervisor outlived the kill and holds the locks: nobody else
				// writes here, so it could have swept what the killed process left.
				t.Errorf("trial %d: %s left temporary files although the supervisor lived on: %v", i+1, what, temps)
			}
			return what, landed
		})
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
	checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
}

// inject pauses the build at the moment of the mode and kills there. For
// all but "pack" the moment comes once the target page is being written or
// is written: then "group" kills the whole build, "supervisor" the
// supervisor, "page" a page's process, each once it is running, "writer" a
// page's process once it has its temporary file open. "pack" kills
// corpus-pack once it runs, or (at random) once it has its temporary file
// open. It says what it did, and whether the kill landed: false when the
// moment did not come (the build ended, or the processes came and went
// between two looks).
func inject(r *run, mode string, target page, rng *rand.Rand) (string, bool) {
	var victim proc
	catch := func(role string, writing bool) bool {
		for _, p := range alive(group(r.pgid)) {
			if p.role() == role && (!writing || hasTemp(p.pid)) {
				victim = p
				return true
			}
		}
		return false
	}
	reached := false
	past := func() bool {
		if !reached {
			_, err := os.Stat(r.b.path("site/" + target.String()))
			reached = err == nil || slices.ContainsFunc(alive(group(r.pgid)), func(p proc) bool { return p.writes(target) })
		}
		return reached
	}
	moment := "once " + target.String() + " was being written"
	var cond func() bool
	switch mode {
	case "pack":
		writing := rng.IntN(2) == 0
		moment = map[bool]string{false: "once it ran", true: "into writing the corpus"}[writing]
		cond = func() bool { return catch("pack", writing) }
	case "writer":
		cond = func() bool { return past() && catch("page", true) }
	case "page", "group":
		cond = func() bool { return past() && catch("page", false) }
	case "supervisor":
		cond = func() bool { return past() && catch("supervisor", false) }
	}
	if !r.pauseWhen(hangLimit, cond) {
		return fmt.Sprintf("missed: no %s to kill %s", mode, moment), false
	}
	defer r.resume()
	if mode == "group" {
		return "SIGKILL to the whole build " + moment, syscall.Kill(-r.pgid, syscall.SIGKILL) == nil
	}
	return fmt.Sprintf("SIGKILL to %s %s %s", mode, victim, moment), kill(victim)
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
// collection of 3,000 poems of 256 dimensions: once it runs, or once its
// temporary corpus has a random part of the corpus's bytes.
func killPacking(t *testing.T, tl *tally, rng *rand.Rand, trials int) {
	inputs := synthInputs(t)
	pages := []string{"similar/1.html", "different/1.html"}
	want := synthBuild(t, inputs)
	want.mustMake("-j2", "corpus")
	want.mustMake(append([]string{"-j2"}, pages...)...)
	wantRef := &ref{dir: want.dir, pages: sums(t, want.path("site"))}
	wantCorpus := corpusSize(t, wantRef)

	b := synthBuild(t, inputs)
	leftTemps := 0
	for i := range trials {
		whole := i%2 == 1
		retry(t, fmt.Sprintf("packing trial %d", i+1), func() (string, bool) {
			if err := os.Remove(b.path("data/corpus.bin")); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			r := b.startRun(nil, "-j2", "corpus")
			part := -1.0 // once it runs
			if rng.IntN(2) == 0 {
				part = rng.Float64()
			}
			what, landed := killPack(r, part, wantCorpus, whole)
			err := r.wait(t, hangLimit)
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
			checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
			return what, landed
		})
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
	checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
	if out := b.mustMake("corpus"); !strings.Contains(out, "is up to date") {
		t.Errorf("a second make corpus repacked a whole corpus:\n%s", out)
	}
	b.mustMake(append([]string{"-j2"}, pages...)...)
	checkSite(t, tl, wantRef, b, true)
}

// killPack pauses the build once corpus-pack runs (part < 0), or once its
// temporary corpus holds at least part of size bytes, and kills
// corpus-pack there, or with whole the whole build. It says what it did,
// and whether the kill landed.
func killPack(r *run, part float64, size int64, whole bool) (string, bool) {
	moment := "once it ran"
	if part >= 0 {
		moment = fmt.Sprintf("with %.0f%% of the corpus written", 100*part)
	}
	var pack proc
	cond := func() bool {
		for _, p := range alive(group(r.pgid)) {
			if p.role() == "pack" && (part < 0 || tempSize(p.pid) >= int64(part*float64(size))) {
				pack = p
				return true
			}
		}
		return false
	}
	if !r.pauseWhen(hangLimit, cond) {
		return "missed: corpus-pack ended before the moment " + moment, false
	}
	defer r.resume()
	if whole {
		return "SIGKILL to the whole build, corpus-pack " + moment, syscall.Kill(-r.pgid, syscall.SIGKILL) == nil
	}
	return "SIGKILL to corpus-pack " + moment, kill(pack)
}

// tempSize is the size of the temporary file the process has open, -1
// without one.
func tempSize(pid int) int64 {
	size := int64(-1)
	hasOpen(pid, func(path string) bool {
		if fi, err := os.Stat(path); err == nil && isTemp(filepath.Base(path)) {
			size = fi.Size()
			return true
		}
		return false
	})
	return size
}
