//go:build linux

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConcurrentMakes runs two makes at once on the same corpus and site:
// the second waits for the first, says so, and the site ends up exactly a
// clean build with the settings of the one that ran last, never a mix.
func TestConcurrentMakes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the sample site several times")
	}
	tl := newTally(t)
	want := reference(t)
	wantCorpus := corpusSize(t, want)
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
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
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
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
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
		checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
	})
}
