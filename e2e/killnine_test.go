//go:build linux

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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
// ROBUSTNESS_TRIALS is the number of trials on the sample site (default 5;
// the packing trials are half as many, at least 2), ROBUSTNESS_SEED the seed
// of the kill moments (default: the clock; logged, and noted in the table).
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the sample site again and again")
	}
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
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
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
