package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"pagegen/internal/atomicfile"
	"pagegen/internal/packed"
	"pagegen/internal/render"
	"pagegen/internal/site"
)

var kinds = []render.Kind{render.Similar, render.Different}

// whole is the layout of whole-collection pages.
func whole(c *packed.Corpus) site.Layout {
	l, _ := site.New(c, site.Settings{}) // no settings: cannot fail
	return l
}

// capped is the layout of the capped site the README's Publishing section
// builds for Neocities: chapters of 100, 6 of them per ordering.
func capped(c *packed.Corpus) (site.Layout, error) {
	return site.New(c, site.Settings{PerPage: 100, Chapters: 6})
}

// seqOf is the sequence of kind k anchored at poem n.
func seqOf(k render.Kind, n int) site.Seq { return site.Seq{Kind: site.Kind(k), N: n} }

// orderings times the orderings alone, in process, as pagegen computes
// them, over pages spread over the collection, whole and capped at 600
// poems, after one untimed walk has mapped the Gram matrix in.
func (b *bench) orderings() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	full := whole(c)
	short, err := capped(c)
	if err != nil {
		return err
	}
	anchors := spread(c.Len(), b.cli.Samples)
	full.Ordering(render.Different, anchors[0])
	times := map[render.Kind][]time.Duration{}
	cappedTimes := map[render.Kind][]time.Duration{}
	for _, i := range anchors {
		for _, k := range kinds {
			start := time.Now()
			full.Ordering(k, i)
			times[k] = append(times[k], time.Since(start))
			start = time.Now()
			short.Ordering(k, i)
			cappedTimes[k] = append(cappedTimes[k], time.Since(start))
		}
	}
	var stream []time.Duration
	for range b.cli.Samples {
		stream = append(stream, readAll(c.Gram()))
	}
	b.t.section(fmt.Sprintf("One page, n=%d (medians over %d pages spread over the collection; range in brackets)", c.Len(), len(anchors)))
	for _, k := range kinds {
		limit := map[render.Kind]time.Duration{render.Similar: 2 * time.Millisecond, render.Different: 30 * time.Millisecond}[k]
		d := times[k]
		b.t.check(fmt.Sprintf("%s ordering only (`order.%s`, in process)", k.Name(), title(k)), fmt.Sprintf("%s (%s)", dur(median(d)), spreadOf(d)),
			"≤ "+dur(limit), median(d) <= limit)
	}
	for _, k := range kinds {
		limit := map[render.Kind]time.Duration{render.Similar: time.Millisecond, render.Different: 5 * time.Millisecond}[k]
		d := cappedTimes[k]
		b.t.check(fmt.Sprintf("%s ordering capped at %d poems (PER_PAGE=100 CHAPTERS=6)", k.Name(), short.Limit()), fmt.Sprintf("%s (%s)", dur(median(d)), spreadOf(d)),
			"≤ "+dur(limit), median(d) <= limit)
	}
	gramBytes := int64(len(c.Gram())) * 4
	b.t.add("… reading the whole Gram matrix once on one core, as the walk does (its memory floor)", "%s (%s), %.1f GB/s",
		dur(median(stream)), spreadOf(stream), float64(gramBytes)/median(stream).Seconds()/1e9)
	return nil
}

// readAll reads every byte of g, eight at a time in four independent
// chains, and returns how long that took: the memory bandwidth of one core.
func readAll(g []float32) time.Duration {
	words := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(g))), len(g)/2)
	start := time.Now()
	var a, b, c, d uint64
	n := len(words) &^ 3
	for i := 0; i < n; i += 4 {
		a ^= words[i]
		b ^= words[i+1]
		c ^= words[i+2]
		d ^= words[i+3]
	}
	elapsed := time.Since(start)
	runtime.KeepAlive(a ^ b ^ c ^ d) // so that the reads are not optimized away
	return elapsed
}

func title(k render.Kind) string {
	return map[render.Kind]string{render.Similar: "Similar", render.Different: "Different"}[k]
}

// phases is where the time of one page goes in process.
type phases struct {
	order, assemble, write, commit time.Duration
	bytes                          int64
}

func (p phases) total() time.Duration { return p.order + p.assemble + p.write + p.commit }

// pageInProcess makes one whole page the way pagegen does, in this process:
// ordering, assembling the pieces, writing them to a temporary file,
// renaming it into the site out.
func pageInProcess(c *packed.Corpus, k render.Kind, anchor int, out string) (phases, error) {
	var p phases
	l, q := whole(c), seqOf(k, c.N(anchor))
	path := filepath.Join(out, l.Name(q, 1))
	t0 := time.Now()
	seq := l.Ordering(k, anchor)
	t1 := time.Now()
	pieces := render.Ordering(k, c, anchor, seq, l.Part(q, 1))
	t2 := time.Now()
	f, err := atomicfile.Create(path)
	if err != nil {
		return p, err
	}
	p.bytes, err = f.WriteBuffers(pieces)
	if err != nil {
		f.Abort()
		return p, err
	}
	t3 := time.Now()
	if err := f.Commit(false); err != nil {
		return p, err
	}
	t4 := time.Now()
	p.order, p.assemble, p.write, p.commit = t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3)
	return p, nil
}

// pageProcess runs pagegen for one whole page of the site out and times it
// from fork to exit (it renames the page into place before it exits).
func (b *bench) pageProcess(k render.Kind, n int, out string) (time.Duration, error) {
	cmd := b.command(b.pagegen, "--corpus", b.corpus, k.Name(), strconv.Itoa(n), "--out", out)
	start := time.Now()
	_, err := b.runCmd(cmd)
	d := time.Since(start)
	if err == nil {
		_, err = os.Stat(filepath.Join(out, k.Name(), strconv.Itoa(n)+".html"))
	}
	return d, err
}

// wholePages times whole pages three ways over the same pages, interleaved
// page by page so that the machine's load falls on all of them alike: one
// pagegen process per page (then once more over the page it wrote, as in a
// rebuild); an in-process loop over a corpus opened once; and in process with
// the corpus mapped afresh for each page, which sets the cost of mapping the
// corpus apart from that of starting a process.
func (b *bench) wholePages() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	anchors := spread(c.Len(), b.cli.Samples)
	dir := b.scratch("pages")
	defer os.RemoveAll(dir)

	// The floor under every page process: start a Go program, parse the command line, exit.
	var floor []time.Duration
	for range b.cli.Samples {
		start := time.Now()
		if _, err := b.runCmd(b.command(b.pagegen, "--help")); err != nil {
			return err
		}
		floor = append(floor, time.Since(start))
	}

	type result struct {
		process, replace, remapped []time.Duration
		loop                       []phases
		bytes                      int64
	}
	res := map[render.Kind]*result{}
	for _, k := range kinds {
		r := &result{}
		res[k] = r
		procDir, loopDir := filepath.Join(dir, "process"), filepath.Join(dir, "loop")
		// Untimed: the program and the corpus in the page cache, the Gram matrix mapped in here.
		if _, err := b.pageProcess(k, c.N(0), procDir); err != nil {
			return err
		}
		if _, err := pageInProcess(c, k, 0, loopDir); err != nil {
			return err
		}
		os.RemoveAll(dir)
		for j, i := range anchors {
			if b.ctx.Err() != nil {
				return b.ctx.Err()
			}
			n := c.N(i)
			steps := []func() error{
				func() error {
					d, err := b.pageProcess(k, n, procDir)
					r.process = append(r.process, d)
					if err != nil {
						return err
					}
					// Again, over the page just written, as a rebuild does.
					d, err = b.pageProcess(k, n, procDir)
					r.replace = append(r.replace, d)
					return err
				},
				func() error {
					p, err := pageInProcess(c, k, i, loopDir)
					r.loop = append(r.loop, p)
					r.bytes += p.bytes
					return err
				},
				func() error {
					start := time.Now()
					fresh, err := b.openCorpus()
					if err != nil {
						return err
					}
					_, err = pageInProcess(fresh, k, i, filepath.Join(dir, "remapped"))
					fresh.Close()
					r.remapped = append(r.remapped, time.Since(start))
					return err
				},
			}
			// Take turns at going first.
			for s := range steps {
				if err := steps[(s+j)%len(steps)](); err != nil {
					return err
				}
			}
			os.RemoveAll(dir)
		}
	}

	for _, k := range kinds {
		r := res[k]
		limit := map[render.Kind]time.Duration{render.Similar: 15 * time.Millisecond, render.Different: 60 * time.Millisecond}[k]
		b.t.check(fmt.Sprintf("%s page, one `pagegen` process: fork → renamed page → exit", k.Name()),
			fmt.Sprintf("%s (%s)", dur(median(r.process)), spreadOf(r.process)), "≤ "+dur(limit), median(r.process) <= limit)
	}
	for _, k := range kinds {
		r := res[k]
		b.t.add(fmt.Sprintf("%s page, one `pagegen` process, over an existing page (a rebuild)", k.Name()),
			"%s (%s)", dur(median(r.replace)), spreadOf(r.replace))
	}
	for _, k := range kinds {
		r := res[k]
		var ord, asm, wr, cm, tot []time.Duration
		for _, p := range r.loop {
			ord, asm, wr, cm, tot = append(ord, p.order), append(asm, p.assemble), append(wr, p.write), append(cm, p.commit), append(tot, p.total())
		}
		b.t.add(fmt.Sprintf("%s page in process, corpus open: order + assemble + create & writev + close & rename", k.Name()),
			"%s + %s + %s + %s = %s", dur(median(ord)), dur(median(asm)), dur(median(wr)), dur(median(cm)), dur(median(tot)))
		b.t.add(fmt.Sprintf("%s page in process, corpus mapped afresh for the page", k.Name()),
			"%s (%s)", dur(median(r.remapped)), spreadOf(r.remapped))
	}
	b.t.add("`pagegen --help`: fork → exit (the floor under every page process)", "%s (%s)", dur(median(floor)), spreadOf(floor))
	b.t.note("A rebuild here renames over the page the previous run has just written (still dirty in the page cache); a real rebuild replaces an older page. " +
		"Either way, on ext4 (auto_da_alloc) a rename over an existing file starts writing the new one back at once.")
	b.t.add("page size (mean)", "similar %s, different %s",
		mb(res[render.Similar].bytes/int64(len(anchors))), mb(res[render.Different].bytes/int64(len(anchors))))

	b.t.section(fmt.Sprintf("One process per page against an in-process loop over the same %d pages", len(anchors)))
	for _, k := range kinds {
		r := res[k]
		var loop []time.Duration
		for _, p := range r.loop {
			loop = append(loop, p.total())
		}
		limit := map[render.Kind]float64{render.Similar: 1.10, render.Different: 1.5}[k]
		ratio := sum(r.process).Seconds() / sum(loop).Seconds()
		b.t.check(fmt.Sprintf("%s: Σ process / Σ loop", k.Name()),
			fmt.Sprintf("%s / %s = **%.2f**", dur(sum(r.process)), dur(sum(loop)), ratio),
			fmt.Sprintf("≤ %.2f", limit), ratio <= limit)
	}
	return nil
}
