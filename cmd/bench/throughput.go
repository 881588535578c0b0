package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/corpus"
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
func (b *bench) makeAgainstRaw(c *corpus.Corpus, k render.Kind, count int) error {
	anchors := spread(c.Len(), count)
	pages := make([]int, len(anchors))
	goals := make([]string, len(anchors))
	sizes := make([]int64, len(anchors))
	var total int64
	l := whole(c)
	pageSizes := site.NewSizes(l.Layout)
	for j, i := range anchors {
		q := seqOf(k, c.N(i))
		pages[j], goals[j] = q.N, l.Name(q, 1)
		sizes[j], _, _ = pageSizes.Of(q) // exact for whole pages
		total += sizes[j]
	}
	out := b.scratch("make")
	// Untimed: make reads the page list (writing it first if need be) and builds one page.
	if _, err := b.runCmd(b.makeCmd(out, "-j2", goals[0])); err != nil {
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
		d, said, err := b.timed(b.makeCmd(out, append([]string{"-j2"}, goals...)...))
		if err != nil {
			return err
		}
		makes = append(makes, d)
		b.checkRebuild(said, fmt.Sprintf("make -j2 of the %s pages", k.Name()))
		if err := checkWritten(out, goals, total); err != nil {
			return err
		}
		b.settle()
		// The same pages by two pagegen processes at a time, without make.
		if d, err = b.twoAtATime(k, pages, out); err != nil {
			return err
		}
		direct = append(direct, d)
		if err := checkWritten(out, goals, total); err != nil {
			return err
		}
		b.settle()
	}

	n := len(goals)
	row := func(what string, ds []time.Duration, unit string) time.Duration {
		mean := sum(ds) / time.Duration(len(ds))
		b.t.add(fmt.Sprintf("%s, mean of %d runs", what, len(ds)), "%s: %.1f %s/s, %.0f MB/s (runs: %s MB/s)",
			dur(mean), float64(n)/mean.Seconds(), unit, mbps(total, mean), rates(total, ds))
		return mean
	}
	made := row(fmt.Sprintf("`make -j2` %d %s pages (%s)", n, k.Name(), gb(total)), makes, "pages")
	row("… the same pages by 2 `pagegen` processes at a time, without make", direct, "pages")
	raw := row(fmt.Sprintf("raw write of the same %d files, 2 writers", n), raws, "files")
	b.rates[k] = siteRate{pagesPerSec: float64(n) / made.Seconds(), pageBytes: float64(total) / float64(n)}
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

// twoAtATime runs pagegen for each of the pages, two processes at a time,
// and returns the time taken.
func (b *bench) twoAtATime(k render.Kind, pages []int, out string) (time.Duration, error) {
	start := time.Now()
	err := workers.Run(len(pages), 2, func(j int) error {
		_, err := b.runCmd(b.pageCmd(k, pages[j], out))
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
