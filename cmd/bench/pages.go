package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"pagegen/internal/corpus"
	"pagegen/internal/site"
)

var kinds = []site.Kind{site.Similar, site.Different}

func kindName(k site.Kind) string { return site.Seq{Kind: k}.Ordering().Name() }

// pageSite is a site whose pages are timed: its layout, the record of the
// orderings its page processes read ("" for none), and the folder they write
// into, whose stamp gives them the layout (whole pages in a folder without
// one).
type pageSite struct {
	l      site.Layout
	record string
	out    string
}

// pageCmd is pagegen writing the pages of q into the site, as make runs it.
func (b *bench) pageCmd(s pageSite, q site.Seq) *exec.Cmd {
	return b.command(b.pagegen, "--corpus", b.corpus, q.Ordering().Name(), strconv.Itoa(q.N), "--out", s.out)
}

// pageTimes are the times of the pages of one kind, written three ways.
type pageTimes struct {
	process, again, inProcess, bare []time.Duration
	bytes                           int64
}

// timePages times the pages of kind k anchored at the poems of anchors three
// ways, taking turns page by page so that the machine's load falls on all
// alike: one pagegen process (the pages removed first, then once more over
// the pages it wrote), the same pages in process (Layout.Write, as pagegen
// calls it, into a scratch folder), and a Go program that does nothing.
func (b *bench) timePages(s pageSite, k site.Kind, anchors []int) (pageTimes, error) {
	var r pageTimes
	c := s.l.Corpus()
	loop := b.scratch("pages/loop")
	defer os.RemoveAll(loop)
	// Untimed: the program and the corpus in the page cache.
	if err := b.run(b.pageCmd(s, site.Seq{Kind: k, N: c.N(0)})); err != nil {
		return r, err
	}
	for j, i := range anchors {
		q := site.Seq{Kind: k, N: c.N(i)}
		for _, f := range s.l.Files(q) {
			os.Remove(filepath.Join(s.out, f))
		}
		os.RemoveAll(loop)
		turns := []func() error{
			func() error {
				ds, err := times(2, func(int) error { return b.run(b.pageCmd(s, q)) })
				if err == nil {
					r.process, r.again = append(r.process, ds[0]), append(r.again, ds[1])
				}
				return err
			},
			func() error {
				start := time.Now()
				w, err := s.l.Write(b.ctx, loop, s.record, q, nil)
				r.inProcess = append(r.inProcess, time.Since(start))
				r.bytes += w.Bytes
				return err
			},
			func() error {
				d, _, err := b.timed(b.command(b.bare))
				r.bare = append(r.bare, d)
				return err
			},
		}
		for t := range turns {
			if err := turns[(t+j)%len(turns)](); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// rows adds the page times to the table: the process against the same work
// in process, and what the process adds against a bare process.
func (r pageTimes) rows(t *table, what string) {
	t.against(what+", one `pagegen` process: fork → renamed pages → exit", r.process, "the same in process (`Layout.Write`)", r.inProcess)
	t.against("… over the same pages (their bytes compared, the files left as they were)", r.again, "the first write", r.process)
	over := median(r.process) - median(r.inProcess)
	t.add("… what the process adds (the process less the same in process)", dur(over),
		"a bare Go process (`func main(){}` built as the tools are), fork → exit: "+dur(median(r.bare)), ratio(over.Seconds(), median(r.bare).Seconds()))
}

// pages times whole pages (every poem on each), and the memory of a page
// process.
func (b *bench) pages(c *corpus.Corpus) error {
	l, err := site.New(c, site.Settings{})
	if err != nil {
		return err
	}
	s := pageSite{l: l, out: b.scratch("pages/process")}
	defer os.RemoveAll(b.scratch("pages"))
	anchors := spread(c.Len(), b.cli.Samples)
	res := map[site.Kind]pageTimes{}
	for _, k := range kinds {
		if res[k], err = b.timePages(s, k, anchors); err != nil {
			return err
		}
		os.RemoveAll(s.out)
	}
	var help, bare []time.Duration
	for range b.cli.Samples {
		for _, p := range []struct {
			ds  *[]time.Duration
			cmd *exec.Cmd
		}{{&help, b.command(b.pagegen, "--help")}, {&bare, b.command(b.bare)}} {
			d, _, err := b.timed(p.cmd)
			if err != nil {
				return err
			}
			*p.ds = append(*p.ds, d)
		}
	}
	b.t.section("One whole page, n=%d: medians over %d pages spread over the collection (range in brackets); a page is %s similar, %s different",
		c.Len(), len(anchors), mb(res[site.Similar].bytes/int64(len(anchors))), mb(res[site.Different].bytes/int64(len(anchors))))
	for _, k := range kinds {
		res[k].rows(b.t, kindName(k)+" page")
	}
	b.t.against("`pagegen --help`: fork → exit (the floor under every page process)", help, "a bare Go process", bare)
	return b.memory(s)
}

// pagegenMemory is pagegen's own account of its memory (internal/memstat),
// which it prints at its end with PAGEGEN_MEMORY=1: by then it holds all
// that a page takes.
var pagegenMemory = regexp.MustCompile(`rss (\d+) kB \(peak (\d+) kB\): private (\d+) kB, shared (\d+) kB`)

// memory runs pagegen for three pages of each kind with PAGEGEN_MEMORY=1 and
// keeps the most it took. The bench keeps the whole corpus mapped meanwhile,
// as the other page processes of a build do: the kernel counts a page of
// the corpus as shared only while another process maps it too.
func (b *bench) memory(s pageSite) error {
	anchors := spread(s.l.Corpus().Len(), 3)
	b.t.section("Memory of one `pagegen`: its own account at exit (PAGEGEN_MEMORY=1), the most over %d pages per kind", len(anchors))
	for _, k := range kinds {
		var peak, private, shared int64
		for _, i := range anchors {
			cmd := b.pageCmd(s, site.Seq{Kind: k, N: s.l.Corpus().N(i)})
			cmd.Env = append(os.Environ(), "PAGEGEN_MEMORY=1")
			out, err := b.output(cmd)
			if err != nil {
				return err
			}
			m := pagegenMemory.FindStringSubmatch(out)
			if m == nil {
				return fmt.Errorf("pagegen printed no memory line with PAGEGEN_MEMORY=1:\n%s", out)
			}
			for j, v := range []*int64{&peak, &private, &shared} {
				kb, _ := strconv.ParseInt(m[j+2], 10, 64)
				*v = max(*v, kb)
			}
			os.RemoveAll(s.out)
		}
		b.t.add(kindName(k)+" page: private memory", fmt.Sprintf("%.1f MB", float64(private)/1024),
			fmt.Sprintf("peak RSS %.1f MB, of which shared (the corpus, which others map too) %.1f MB", float64(peak)/1024, float64(shared)/1024), "")
	}
	return nil
}
