package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/packed"
	"pagegen/internal/render"
	"pagegen/internal/site"
	"pagegen/internal/workers"
)

// siteRate is what a make -j2 run of one kind of page achieved, for the
// extrapolation to the whole site.
type siteRate struct {
	pagesPerSec float64
	pageBytes   float64 // mean
}

// makeEnv is the environment for make: this process's, without what an
// enclosing make (make bench) passes down to its sub-makes, so that the make
// started here runs as if from a shell, with its own -j2.
func makeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKEFILES", "MAKE_TERMOUT", "MAKE_TERMERR":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// makeCmd is make -j2 on the repository's Makefile with the bench's corpus,
// writing pages into out: only the Makefile's public variables and goals.
func (b *bench) makeCmd(out string, goals ...string) *exec.Cmd {
	in := b.inputFiles()
	args := []string{"-C", b.root, "--no-print-directory", "-j2",
		"BIN=" + b.bin, "POEMS=" + in[0], "EMBEDDINGS=" + in[1], "COLOR_EMBEDDINGS=" + in[2],
		"CORPUS=" + b.corpus, "OUT=" + out}
	cmd := b.command("make", append(args, goals...)...)
	cmd.Env = makeEnv()
	return cmd
}

// checkRebuild notes in the table when make rebuilt the tools during a timed
// run: someone changed a Go source meanwhile, and the time includes go build.
func (b *bench) checkRebuild(said, what string) {
	if strings.Contains(said, "go build") {
		warnf("make rebuilt the tools during the timed %s (a Go source changed meanwhile)", what)
		b.t.note("The timed %s includes rebuilding the tools: a Go source changed during the run. Run the bench again for a clean number.", what)
	}
}

// throughput times make -j2 on similar pages, then on different pages,
// against the raw write bandwidth of this machine for the same files.
func (b *bench) throughput() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	b.rates = map[render.Kind]siteRate{}
	b.t.section("`make -j2` against raw writes of the same number of files and bytes")
	for _, k := range kinds {
		count := map[render.Kind]int{render.Similar: b.cli.Pages, render.Different: b.cli.DifferentPages}[k]
		if err := b.makeAgainstRaw(c, k, count); err != nil {
			return err
		}
	}
	b.t.note("Raw writes: the same number of files of the same sizes, written by 2 goroutines, each file to a temporary name in the same directory and renamed (no fsync; pagegen does not fsync pages) on the same filesystem as the pages. " +
		"The page cache is not dropped (that needs root and disturbs the other users of the machine); instead every timed write starts after `sync` with the previous files deleted, and raw writes and the page runs take turns (raw, make, pagegen without make, raw, …), raw first and last: the ratio is of the means. " +
		"An untimed raw write comes first: here the first write of a run was several times slower than the next ones (likely memory the VM's host had not backed yet), which would favour whatever runs second.")
	return nil
}

// makeAgainstRaw measures count pages of kind k: raw writes and make runs
// take turns, raw first and last (raw, make, raw, make, raw for 2 rounds).
func (b *bench) makeAgainstRaw(c *packed.Corpus, k render.Kind, count int) error {
	anchors := spread(c.Len(), count)
	goals := make([]string, len(anchors))
	sizes := make([]int64, len(anchors))
	var total int64
	l := whole(c)
	pageSizes := site.NewSizes(l)
	for j, i := range anchors {
		q := seqOf(k, c.N(i))
		goals[j] = l.Name(q, 1)
		sizes[j], _, _ = pageSizes.Of(q) // exact for whole pages
		total += sizes[j]
	}
	out := b.scratch("make")
	// Untimed: make reads the page list (writing it first if need be) and builds one page.
	if _, err := b.runCmd(b.makeCmd(out, goals[0])); err != nil {
		return err
	}
	b.settle()
	// Untimed: on a VM the first GBs written can land on memory the host has
	// not backed yet, which makes whoever writes first much slower.
	warm, err := b.rawWrite(sizes)
	if err != nil {
		return err
	}
	progressf("untimed raw write of the %s pages first: %.0f MB/s", k.Name(), mbps(total, warm))
	b.settle()

	var raws, makes, direct []time.Duration
	for round := 0; ; round++ {
		d, err := b.rawWrite(sizes)
		if err != nil {
			return err
		}
		raws = append(raws, d)
		b.settle()
		if round == b.cli.Rounds {
			break
		}
		start := time.Now()
		said, err := b.runCmd(b.makeCmd(out, goals...))
		if err != nil {
			return err
		}
		makes = append(makes, time.Since(start))
		b.checkRebuild(said, fmt.Sprintf("make -j2 of the %s pages", k.Name()))
		if err := checkWritten(out, goals, total); err != nil {
			return err
		}
		b.settle()
		// The same pages by two pagegen processes at a time, without make.
		if d, err = b.twoAtATime(c, k, anchors, goals, out); err != nil {
			return err
		}
		direct = append(direct, d)
		if err := checkWritten(out, goals, total); err != nil {
			return err
		}
		b.settle()
	}

	raw, made := sum(raws)/time.Duration(len(raws)), sum(makes)/time.Duration(len(makes))
	n := len(goals)
	b.rates[k] = siteRate{pagesPerSec: float64(n) / made.Seconds(), pageBytes: float64(total) / float64(n)}
	b.t.add(fmt.Sprintf("`make -j2` %d %s pages (%s), mean of %d runs", n, k.Name(), gb(total), len(makes)), "%s: %.1f pages/s, %.0f MB/s (runs: %s MB/s)",
		dur(made), float64(n)/made.Seconds(), mbps(total, made), rates(total, makes))
	two := sum(direct) / time.Duration(len(direct))
	b.t.add(fmt.Sprintf("… the same pages by 2 `pagegen` processes at a time, without make, mean of %d runs", len(direct)), "%s: %.1f pages/s, %.0f MB/s (runs: %s MB/s)",
		dur(two), float64(n)/two.Seconds(), mbps(total, two), rates(total, direct))
	b.t.add(fmt.Sprintf("raw write of the same %d files, 2 writers, mean of %d runs", n, len(raws)), "%s: %.1f files/s, %.0f MB/s (runs: %s MB/s)",
		dur(raw), float64(n)/raw.Seconds(), mbps(total, raw), rates(total, raws))
	ratio := raw.Seconds() / made.Seconds()
	what := fmt.Sprintf("%s: make throughput / raw write bandwidth", k.Name())
	if k == render.Similar {
		b.t.check(what, fmt.Sprintf("**%.2f**", ratio), "≥ 0.75", ratio >= 0.75)
	} else {
		b.t.add(what, "**%.2f**", ratio)
	}
	return nil
}

// checkWritten makes sure every page is there, with the expected bytes in all.
func checkWritten(out string, goals []string, total int64) error {
	var written int64
	for _, g := range goals {
		fi, err := os.Stat(filepath.Join(out, g))
		if err != nil {
			return fmt.Errorf("%s was not written: %w", g, err)
		}
		written += fi.Size()
	}
	if written != total {
		warnf("the pages are %d bytes, not the %d bytes expected: the raw writes are not quite the same bytes", written, total)
	}
	return nil
}

// twoAtATime runs pagegen for each page, two processes at a time, and
// returns the time taken.
func (b *bench) twoAtATime(c *packed.Corpus, k render.Kind, anchors []int, goals []string, out string) (time.Duration, error) {
	start := time.Now()
	err := workers.Run(len(goals), 2, func(j int) error {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		_, err := b.pageProcess(k, c.N(anchors[j]), out)
		return err
	})
	return time.Since(start), err
}

// rates lists the MB/s of each run.
func rates(bytes int64, ds []time.Duration) string {
	var s []string
	for _, d := range ds {
		s = append(s, fmt.Sprintf("%.0f", mbps(bytes, d)))
	}
	return strings.Join(s, ", ")
}

// rawWrite writes files of the given sizes with two concurrent writers, each
// file to a temporary name and renamed into place, and returns the time taken.
func (b *bench) rawWrite(sizes []int64) (time.Duration, error) {
	dir := b.scratch("raw")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var largest int64
	for _, s := range sizes {
		largest = max(largest, s)
	}
	// Page-like bytes, touched before the clock starts.
	buf := make([]byte, largest)
	line := []byte("light dark river stone window morning night rain snow bird wing tree leaf\n")
	for i := range buf {
		buf[i] = line[i%len(line)]
	}
	start := time.Now()
	err := workers.Run(len(sizes), 2, func(j int) error {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(dir, strconv.Itoa(j)+".html"), buf[:sizes[j]])
	})
	return time.Since(start), err
}

// extrapolate estimates the whole site (every similar and different page) at
// make -j2 from the rates measured above.
func (b *bench) extrapolate() {
	s, d := b.rates[render.Similar], b.rates[render.Different]
	if s.pagesPerSec == 0 || d.pagesPerSec == 0 {
		return
	}
	n := float64(b.cli.Poems)
	ts := time.Duration(n / s.pagesPerSec * float64(time.Second))
	td := time.Duration(n / d.pagesPerSec * float64(time.Second))
	b.t.section("The whole site, extrapolated from the `make -j2` rates above")
	free := "?"
	if f, err := site.Free(b.dir); err == nil {
		free = gb(f)
	}
	b.t.add(fmt.Sprintf("%d pages (similar + different) at `make -j2`", 2*b.cli.Poems), "%s (similar %s + different %s), %s (%s free here)",
		(ts + td).Round(time.Second), ts.Round(time.Second), td.Round(time.Second), gb(int64(n*(s.pageBytes+d.pageBytes))), free)
	b.t.note("The extrapolation assumes the rates measured on a few hundred pages hold for the whole site. The whole site is far larger than the page cache, so in a real build the disk's sustained write bandwidth, which this bench does not measure, may set the pace instead.")
}
