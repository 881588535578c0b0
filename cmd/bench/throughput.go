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
	"pagegen/internal/site"
	"pagegen/internal/workers"
)

// throughput times make -j2 on similar pages, then on different pages,
// against raw writes of the same files, and extrapolates to the whole site.
func (b *bench) throughput(c *corpus.Corpus) error {
	l, err := site.New(c, site.Settings{})
	if err != nil {
		return err
	}
	b.t.section("`make -j2` against raw writes of the same number of files and bytes")
	var whole, bytes float64 // the whole site's time and size, extrapolated
	for _, k := range kinds {
		count := map[site.Kind]int{site.Similar: b.cli.Pages, site.Different: b.cli.DifferentPages}[k]
		made, total, n, err := b.makeAgainstRaw(l, k, spread(c.Len(), count))
		if err != nil {
			return err
		}
		whole += made.Seconds() / float64(n) * float64(c.Len())
		bytes += float64(total) / float64(n) * float64(c.Len())
	}
	free := "?"
	if f, err := site.Free(b.dir); err == nil {
		free = gb(f)
	}
	b.t.section("The whole site, extrapolated from the `make -j2` rates above")
	b.t.add(fmt.Sprintf("%d pages (similar and different) at `make -j2`", 2*c.Len()),
		time.Duration(whole*float64(time.Second)).Round(time.Second).String(), fmt.Sprintf("%s (%s free here)", gb(int64(bytes)), free), "")
	return nil
}

// makeAgainstRaw times the pages of kind k anchored at anchors: raw writes
// and make runs take turns, raw first and last (raw, make, pagegen without
// make, raw, …), each after `sync` with the files before deleted. It
// returns make's mean time, the pages' bytes and their number.
func (b *bench) makeAgainstRaw(l site.Layout, k site.Kind, anchors []int) (time.Duration, int64, int, error) {
	c := l.Corpus()
	out := b.scratch("make")
	s := pageSite{l: l, out: out}
	goals := make([]string, len(anchors))
	seqs := make([]site.Seq, len(anchors))
	sizes := make([]int64, len(anchors))
	var total int64
	pageSizes := site.NewSizes(l)
	for j, i := range anchors {
		seqs[j] = site.Seq{Kind: k, N: c.N(i)}
		goals[j] = l.Name(seqs[j], 1)
		sizes[j], _, _ = pageSizes.Of(seqs[j]) // exact for whole pages
		total += sizes[j]
	}
	// Untimed: make reads the page list (writing it first if need be) and
	// builds one page; a raw write, as on a VM the first GBs written can land
	// on memory the host has not backed yet, which slows whoever writes first.
	if err := b.run(b.makeCmd(b.inputs, out, "-j2", goals[0])); err != nil {
		return 0, 0, 0, err
	}
	b.settle()
	if _, err := b.rawWrite(sizes); err != nil {
		return 0, 0, 0, err
	}
	var raws, makes, direct []time.Duration
	timeMake := func() error {
		d, said, err := b.timed(b.makeCmd(b.inputs, out, append([]string{"-j2"}, goals...)...))
		makes = append(makes, d)
		b.checkRebuild(said, "make -j2 of the "+kindName(k)+" pages")
		if err != nil {
			return err
		}
		return b.checkWritten(out, goals, total)
	}
	timeDirect := func() error { // two pagegen processes at a time, without make
		start := time.Now()
		err := workers.Run(len(seqs), 2, func(j int) error { return b.run(b.pageCmd(s, seqs[j])) })
		direct = append(direct, time.Since(start))
		if err != nil {
			return err
		}
		return b.checkWritten(out, goals, total)
	}
	timeRaw := func() error {
		d, err := b.rawWrite(sizes)
		raws = append(raws, d)
		return err
	}
	turns := []func() error{timeRaw}
	for range b.cli.Rounds {
		turns = append(turns, timeMake, timeDirect, timeRaw)
	}
	for _, turn := range turns {
		b.settle()
		if err := turn(); err != nil {
			return 0, 0, 0, err
		}
	}
	b.settle()

	n := len(goals)
	rate := func(ds []time.Duration, unit string) string {
		var runs []string
		for _, d := range ds {
			runs = append(runs, fmt.Sprintf("%.0f", float64(total)/1e6/d.Seconds()))
		}
		m := mean(ds)
		return fmt.Sprintf("%s: %.1f %s/s, %.0f MB/s (runs: %s MB/s)", dur(m), float64(n)/m.Seconds(), unit, float64(total)/1e6/m.Seconds(), strings.Join(runs, ", "))
	}
	made, raw := mean(makes), mean(raws)
	b.t.add(fmt.Sprintf("`make -j2` %d %s pages (%s), mean of %d runs", n, kindName(k), gb(total), len(makes)), rate(makes, "pages"),
		fmt.Sprintf("raw writes of the same files, 2 writers, mean of %d runs: %s", len(raws), rate(raws, "files")), ratio(made.Seconds(), raw.Seconds()))
	b.t.add(fmt.Sprintf("… the same pages by 2 `pagegen` processes at a time, without make, mean of %d runs", len(direct)), rate(direct, "pages"),
		"`make -j2`: "+dur(made), ratio(mean(direct).Seconds(), made.Seconds()))
	return made, total, n, nil
}

// checkWritten makes sure every page is there, and notes when their bytes
// are not those the raw writes write.
func (b *bench) checkWritten(out string, goals []string, total int64) error {
	var written int64
	for _, g := range goals {
		fi, err := os.Stat(filepath.Join(out, g))
		if err != nil {
			return fmt.Errorf("%s was not written: %w", g, err)
		}
		written += fi.Size()
	}
	if written != total {
		b.t.note("The pages were %d bytes, not the %d bytes expected: the raw writes were not quite the same bytes.", written, total)
	}
	return nil
}

// rawWrite writes files of the given sizes with two concurrent writers, each
// file to a temporary name and renamed into place (no fsync, as pages), and
// returns the time taken.
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
