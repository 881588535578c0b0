// Package site knows the pages a build makes: which pages make goals cover,
// where each is written, which are up to date, and how much disk they need.
package site

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"pagegen/internal/packed"
	"pagegen/internal/render"
)

// Page is one output file of the site, by its path under the output directory
// (similar/12.html, different/12.html or index.html).
type Page string

// IndexPage is the site's index.
const IndexPage Page = "index.html"

// PageOf is the page of kind k for poem n.
func PageOf(k render.Kind, n int) Page {
	return Page(k.Name() + "/" + strconv.Itoa(n) + ".html")
}

// Pages lists the pages that make goals cover: all, similar, different,
// index, similar/N.html, different/N.html (corpus and others cover none).
func Pages(c *packed.Corpus, goals []string) []Page {
	var pages []Page
	seen := map[Page]bool{}
	add := func(p Page) {
		if !seen[p] {
			seen[p] = true
			pages = append(pages, p)
		}
	}
	every := func(k render.Kind) {
		for i := range c.Len() {
			add(PageOf(k, c.N(i)))
		}
	}
	for _, g := range goals {
		switch {
		case g == "all":
			every(render.Similar)
			every(render.Different)
			add(IndexPage)
		case g == "similar":
			every(render.Similar)
		case g == "different":
			every(render.Different)
		case g == "index":
			add(IndexPage)
		case strings.HasPrefix(g, "similar/") || strings.HasPrefix(g, "different/"):
			add(Page(g))
		}
	}
	return pages
}

// StampName is the file in the site directory that names the packed corpus
// its pages come from: rewritten when another corpus builds there, it makes
// every page older than it stale, even pages newer than that corpus.
const StampName = ".pagegen-corpus"

// Stamp is the stamp's content for corpus c.
func Stamp(c *packed.Corpus) string {
	fp := c.Fingerprint()
	return hex.EncodeToString(fp[:]) + "\n"
}

// Outdated returns the pages make will build for corpus c (at path corpus)
// with the pagegen at exe: all of them when the site's stamp names another
// corpus, else the stale ones.
func Outdated(c *packed.Corpus, pages []Page, out, corpus, exe string) ([]Page, error) {
	stamp := filepath.Join(out, StampName)
	if b, err := os.ReadFile(stamp); err != nil || string(b) != Stamp(c) {
		return pages, nil
	}
	return Stale(pages, out, corpus, exe, stamp)
}

// Stale returns the pages make will (re)build: missing, or older than the
// packed corpus or the pagegen program, exactly make's rule for them.
func Stale(pages []Page, out string, deps ...string) ([]Page, error) {
	var newest time.Time
	for _, d := range deps {
		fi, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("checking which pages are up to date: %w", err)
		}
		if fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	var stale []Page
	for _, p := range pages {
		fi, err := os.Stat(filepath.Join(out, string(p)))
		if err != nil || fi.ModTime().Before(newest) {
			stale = append(stale, p)
		}
	}
	return stale, nil
}

// Poem is the kind and poem number of a similar or different page.
func (p Page) Poem() (k render.Kind, n int, ok bool) {
	kind, num, found := strings.Cut(strings.TrimSuffix(string(p), ".html"), "/")
	n, err := strconv.Atoi(num)
	switch {
	case !found || err != nil:
		return 0, 0, false
	case kind == render.Similar.Name():
		return render.Similar, n, true
	case kind == render.Different.Name():
		return render.Different, n, true
	}
	return 0, 0, false
}

// Sizes gives the exact size of each page of one corpus.
type Sizes struct {
	c     *packed.Corpus
	body  int64 // what every similar and different page holds: ranks, entries, foot
	index int64
}

// NewSizes measures the parts every page shares, once.
func NewSizes(c *packed.Corpus) Sizes {
	s := Sizes{c: c, body: int64(len(render.Foot))}
	width := render.RankWidth(c.Len())
	for i := range c.Len() {
		s.body += int64(len(c.Entry(i)) + len(render.AppendRank(nil, i+1, width)))
	}
	for _, b := range render.Index(c) {
		s.index += int64(len(b))
	}
	return s
}

// Of is the size of page p in bytes; every similar and different page holds
// every entry once with a rank, and only its head differs.
func (s Sizes) Of(p Page) int64 {
	if p == IndexPage {
		return s.index
	}
	k, n, ok := p.Poem()
	i, found := s.c.Index(n)
	if !ok || !found {
		return 0
	}
	return s.body + int64(len(render.AppendPageHead(nil, k, n, s.c.Label(i))))
}

// Free is the space available to an unprivileged writer in the file system
// that holds dir (or its nearest existing parent).
func Free(dir string) (int64, error) {
	for d := dir; ; d = filepath.Dir(d) {
		var st unix.Statfs_t
		err := unix.Statfs(d, &st)
		if err == nil {
			return int64(st.Bavail) * int64(st.Bsize), nil
		}
		if !os.IsNotExist(err) || d == filepath.Dir(d) {
			return 0, fmt.Errorf("checking free space for %s: %w", dir, err)
		}
	}
}

// Prune removes the similar and different pages of poems the corpus no longer
// has, so that a poem taken out of the collection is taken off the site too,
// and returns how many it removed.
func Prune(c *packed.Corpus, out string) (int, error) {
	removed := 0
	for _, k := range []render.Kind{render.Similar, render.Different} {
		entries, err := os.ReadDir(filepath.Join(out, k.Name()))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("pruning the site: %w", err)
		}
		for _, e := range entries {
			p := Page(k.Name() + "/" + e.Name())
			kind, n, ok := p.Poem()
			if !ok || kind != k || !e.Type().IsRegular() || p != PageOf(k, n) {
				continue // not a page this program writes
			}
			if _, found := c.Index(n); found {
				continue
			}
			if err := os.Remove(filepath.Join(out, string(p))); err != nil {
				return removed, fmt.Errorf("removing %s of a poem no longer in the collection: %w", p, err)
			}
			removed++
		}
	}
	return removed, nil
}

// CheckGoal refuses a page goal that names no page: pages are similar/N.html
// and different/N.html with N a poem number.
func CheckGoal(goal string) error {
	if !strings.HasPrefix(goal, "similar/") && !strings.HasPrefix(goal, "different/") {
		return nil
	}
	if k, n, ok := Page(goal).Poem(); !ok || n < 1 || Page(goal) != PageOf(k, n) {
		return fmt.Errorf("%s is not a page: pages are similar/N.html and different/N.html, N a poem's number (see the index page)", goal)
	}
	return nil
}

// Projection is what building some pages will take of the disk.
type Projection struct {
	Pages, Stale int   // pages the goals cover, and those to build
	Size         int64 // all the pages, once built
	Write        int64 // bytes the stale pages will write
	Need         int64 // more space they need: growth over the pages they replace, and the temporary files in flight
	Free         int64 // space free for the site
}

// Project measures the pages and the disk: a page rebuilt over an older one
// needs only its growth, but up to jobs new pages exist beside the old ones
// as temporary files while they are written.
func Project(c *packed.Corpus, pages, stale []Page, out string, jobs int) (Projection, error) {
	sizes := NewSizes(c)
	p := Projection{Pages: len(pages), Stale: len(stale)}
	for _, pg := range pages {
		p.Size += sizes.Of(pg)
	}
	var largest int64
	for _, pg := range stale {
		size := sizes.Of(pg)
		p.Write += size
		largest = max(largest, size)
		var old int64
		if fi, err := os.Stat(filepath.Join(out, string(pg))); err == nil {
			old = fi.Size()
		}
		p.Need += max(0, size-old)
	}
	p.Need += int64(min(jobs, len(stale))) * largest
	var err error
	p.Free, err = Free(out)
	return p, err
}
