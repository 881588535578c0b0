package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// orderings runs the Go benchmarks of internal/site on the bench's corpus:
// the orderings as a page computes them (Layout.Ordering), whole and capped,
// and a read of the whole Gram matrix, the floor under the walk.
func (b *bench) orderings() error {
	corpus, err := filepath.Abs(b.corpus) // the test runs in its package's folder
	if err != nil {
		return err
	}
	runs, err := b.goBench("./internal/site", "^Benchmark(Ordering|GramRead)$", b.cli.Samples, b.cli.Runs, "PAGEGEN_BENCH_CORPUS="+corpus)
	if err != nil {
		return err
	}
	b.t.section(fmt.Sprintf("One ordering, n=%d, in process: `go test -bench` in internal/site (mean of %d poems spread over the collection; median of %d runs, range in brackets)",
		b.cli.Poems, b.cli.Samples, b.cli.Runs))
	for _, r := range []struct {
		name, what string
		limit      time.Duration
	}{
		{"Ordering/similar/whole", "the similar ordering (`order.Similar`)", 2 * time.Millisecond},
		{"Ordering/different/whole", "the different ordering (`order.Different`)", 30 * time.Millisecond},
		{"Ordering/similar/capped", "the similar ordering capped at 6 chapters of 100 (PER_PAGE=100 CHAPTERS=6)", time.Millisecond},
		{"Ordering/different/capped", "the different ordering capped at 6 chapters of 100 (PER_PAGE=100 CHAPTERS=6)", 5 * time.Millisecond},
	} {
		d, err := benchResult(runs, r.name)
		if err != nil {
			return err
		}
		b.t.atMostRange(fmt.Sprintf("`Benchmark%s`: %s", r.name, r.what), d, r.limit)
	}
	d, err := benchResult(runs, "GramRead")
	if err != nil {
		return err
	}
	gram := float64(b.cli.Poems) * float64(b.cli.Poems) * 4
	b.t.add("`BenchmarkGramRead`: reading the whole Gram matrix once on one core, as the whole different ordering does (its memory floor)", "%s (%s), %.1f GB/s",
		dur(median(d)), spreadOf(d), gram/median(d).Seconds()/1e9)
	return nil
}

// goBench runs the Go benchmarks of pkg that match pattern, each for
// iterations, runs times, with env added to the environment, and returns
// their ns/op by name (without "Benchmark" and the GOMAXPROCS suffix).
func (b *bench) goBench(pkg, pattern string, iterations, runs int, env ...string) (map[string][]time.Duration, error) {
	cmd := b.command(b.cli.Go, "test", "-run", "^$", "-bench", pattern,
		"-benchtime", fmt.Sprintf("%dx", iterations), "-count", strconv.Itoa(runs), "-timeout", "60m", pkg)
	cmd.Env = append(os.Environ(), env...)
	out, err := b.runCmd(cmd)
	if err != nil {
		return nil, err
	}
	suffix := "-" + strconv.Itoa(runtime.GOMAXPROCS(0))
	results := map[string][]time.Duration{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "ns/op" || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		ns, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("go test printed %q: %w", line, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(f[0], "Benchmark"), suffix)
		results[name] = append(results[name], time.Duration(ns))
	}
	return results, nil
}

func benchResult(runs map[string][]time.Duration, name string) ([]time.Duration, error) {
	if len(runs[name]) == 0 {
		return nil, fmt.Errorf("go test printed no result for Benchmark%s", name)
	}
	return runs[name], nil
}
