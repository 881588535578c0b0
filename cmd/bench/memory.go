package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
)

// pagegenMemory is pagegen's own account of its memory (internal/memstat),
// which it prints at its end with PAGEGEN_MEMORY=1: by then it holds all
// that a page takes.
var pagegenMemory = regexp.MustCompile(`rss (\d+) kB \(peak (\d+) kB\): private (\d+) kB, shared (\d+) kB`)

// memory runs pagegen for a few pages of each kind with PAGEGEN_MEMORY=1 and
// keeps the most it took. Meanwhile the bench keeps the whole corpus mapped
// and resident, as the other pagegen processes of a make -j build do: the
// kernel counts a page of the corpus as shared only while another process
// maps it too.
func (b *bench) memory() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Verify(); err != nil { // reads, and so maps in, every byte
		return err
	}
	anchors := spread(c.Len(), 3)
	dir := b.scratch("pages")
	defer os.RemoveAll(dir)

	b.t.section(fmt.Sprintf("Memory of one `pagegen`: its own account at exit (PAGEGEN_MEMORY=1), the most over %d pages per kind", len(anchors)))
	for _, k := range kinds {
		var peak, private, shared int64
		for _, i := range anchors {
			cmd := b.pageCmd(k, c.N(i), dir)
			cmd.Env = append(os.Environ(), "PAGEGEN_MEMORY=1")
			out, err := b.runCmd(cmd)
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
			os.RemoveAll(dir)
		}
		b.t.check(fmt.Sprintf("%s page: private memory", k.Name()), fmt.Sprintf("%.1f MB", kb(private)), "≤ 32 MB", private <= 32<<10)
		b.t.add(fmt.Sprintf("%s page: peak RSS; shared (the corpus, which others map too)", k.Name()), "%.1f MB; %.1f MB", kb(peak), kb(shared))
	}
	return nil
}

func kb(x int64) float64 { return float64(x) / 1024 }
