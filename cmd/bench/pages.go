package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"pagegen/internal/render"
)

// pageCmd is pagegen writing the whole page of kind k for poem n into out,
// as make runs it.
func (b *bench) pageCmd(k render.Kind, n int, out string) *exec.Cmd {
	return b.command(b.pagegen, "--corpus", b.corpus, k.Name(), strconv.Itoa(n), "--out", out)
}

// pages times whole pages over the same poems three ways, taking turns page
// by page so that the machine's load falls on all of them alike: one pagegen
// process per page (and once more over the page it wrote); Layout.Write, as
// pagegen calls it, in a loop in this process over a corpus opened once;
// and Layout.Write with the corpus opened afresh for the page, which sets
// the cost of mapping the corpus apart from that of starting a process.
func (b *bench) pages() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	// Untimed: every byte of the corpus mapped in here, as the loop finds it
	// after its first page.
	if err := c.Verify(); err != nil {
		return err
	}
	l := whole(c)
	anchors := spread(c.Len(), b.cli.Samples)
	dir := b.scratch("pages")
	defer os.RemoveAll(dir)
	procDir, loopDir, freshDir := filepath.Join(dir, "process"), filepath.Join(dir, "loop"), filepath.Join(dir, "fresh")

	// The floor under every page process: start a Go program, parse the command line, exit.
	var floor []time.Duration
	for range b.cli.Samples {
		d, _, err := b.timed(b.command(b.pagegen, "--help"))
		if err != nil {
			return err
		}
		floor = append(floor, d)
	}

	type result struct {
		process, again, loop, fresh []time.Duration
		bytes                       int64
	}
	res := map[render.Kind]*result{}
	for _, k := range kinds {
		r := &result{}
		res[k] = r
		// Untimed: the program and the corpus in the page cache.
		if _, err := b.runCmd(b.pageCmd(k, c.N(0), procDir)); err != nil {
			return err
		}
		os.RemoveAll(dir)
		for j, i := range anchors {
			q := seqOf(k, c.N(i))
			steps := []func() error{
				func() error {
					d, _, err := b.timed(b.pageCmd(k, q.N, procDir))
					r.process = append(r.process, d)
					if err != nil {
						return err
					}
					d, _, err = b.timed(b.pageCmd(k, q.N, procDir))
					r.again = append(r.again, d)
					return err
				},
				func() error {
					start := time.Now()
					w, err := l.Write(b.ctx, loopDir, "", q, nil)
					r.loop = append(r.loop, time.Since(start))
					r.bytes += w.Bytes
					return err
				},
				func() error {
					start := time.Now()
					fresh, err := b.openCorpus()
					if err != nil {
						return err
					}
					_, err = whole(fresh).Write(b.ctx, freshDir, "", q, nil)
					fresh.Close()
					r.fresh = append(r.fresh, time.Since(start))
					return err
				},
			}
			for s := range steps { // taking turns at going first
				if err := steps[(s+j)%len(steps)](); err != nil {
					return err
				}
			}
			os.RemoveAll(dir)
		}
	}

	b.t.section(fmt.Sprintf("One whole page, n=%d (medians over %d pages spread over the collection; range in brackets)", c.Len(), len(anchors)))
	for _, k := range kinds {
		limit := map[render.Kind]time.Duration{render.Similar: 15 * time.Millisecond, render.Different: 60 * time.Millisecond}[k]
		b.t.atMostRange(fmt.Sprintf("%s page, one `pagegen` process: fork → renamed page → exit", k.Name()), res[k].process, limit)
	}
	for _, k := range kinds {
		b.t.addRange(fmt.Sprintf("%s page, one `pagegen` process, over the same page (its bytes compared, the file left as it was)", k.Name()), res[k].again)
	}
	for _, k := range kinds {
		b.t.addRange(fmt.Sprintf("%s page in process: `Layout.Write`, corpus open", k.Name()), res[k].loop)
		b.t.addRange(fmt.Sprintf("%s page in process: corpus opened afresh, `Layout.Write`, closed", k.Name()), res[k].fresh)
	}
	b.t.addRange("`pagegen --help`: fork → exit (the floor under every page process)", floor)
	b.t.add("page size (mean)", "similar %s, different %s",
		mb(res[render.Similar].bytes/int64(len(anchors))), mb(res[render.Different].bytes/int64(len(anchors))))

	b.t.section(fmt.Sprintf("One process per page against the in-process loop (`Layout.Write`) over the same %d pages", len(anchors)))
	for _, k := range kinds {
		r := res[k]
		limit := map[render.Kind]float64{render.Similar: 1.10, render.Different: 1.5}[k]
		ratio := sum(r.process).Seconds() / sum(r.loop).Seconds()
		b.t.check(fmt.Sprintf("%s: Σ process / Σ loop", k.Name()),
			fmt.Sprintf("%s / %s = **%.2f**", dur(sum(r.process)), dur(sum(r.loop)), ratio),
			fmt.Sprintf("≤ %.2f", limit), ratio <= limit)
	}
	return nil
}
