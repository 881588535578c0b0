package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"pagegen/internal/amount"
	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
	"pagegen/internal/synth"
)

// neocities is the host of the README's example, and neocitiesVars its make
// variables.
var neocities, neocitiesVars = budget.Hosts[0], []string{"PER_PAGE=100", "HOST=" + budget.Hosts[0].Name}

// neocities builds the whole site for Neocities as the README does (make -j2
// all PER_PAGE=100 HOST=neocities, corpus packed) and measures it against
// the host's limits and make size's projection; then make on it, up to date;
// then the everyday loop on it; then what a page process adds there.
func (b *bench) neocities(c *corpus.Corpus) error {
	p, err := site.FitRequest(c, site.Request{Settings: site.Settings{PerPage: 100}, Budget: budget.Settings{Host: neocities.Name}})
	if err != nil {
		return err
	}
	out := b.scratch("make")
	defer os.RemoveAll(out)
	took, said, err := b.timed(b.makeCmd(b.inputs, out, append([]string{"-j2", "all"}, neocitiesVars...)...))
	if err != nil {
		return err
	}
	vars := strings.Join(neocitiesVars, " ")
	b.checkRebuild(said, "make all "+vars)
	built, limit := p.Measure(out), neocities.Budget
	b.t.section("The site for %s: `make -j2 all %s`, corpus packed", neocities.Title, vars)
	b.t.add("CHAPTERS chosen", fmt.Sprintf("%d of %d per ordering (%d of the %d poems)", p.Kept(), p.Chapters(site.Seq{Kind: site.Chrono}), p.Limit(), c.Len()), p.Why, "")
	b.t.add("the whole site, until make exits", dur(took), "", "")
	b.t.add("the site as built: entries (files and directories)", fmt.Sprintf("%d (%d files, %d directories)", limit.Entries(built), built.Files, built.Dirs),
		fmt.Sprintf("the host's limit: %d", limit.MaxFiles), ratio(float64(limit.Entries(built)), float64(limit.MaxFiles)))
	b.t.add("the site as built: bytes", amount.Bytes(built.Bytes), "the host's quota: "+amount.Bytes(limit.Quota), ratio(float64(built.Bytes), float64(limit.Quota)))
	b.t.add("`make size`'s projection", amount.Bytes(p.Size.Expected), "the site as built: "+amount.Bytes(built.Bytes), ratio(float64(p.Size.Expected), float64(built.Bytes)))
	b.t.add("largest file", amount.Bytes(built.Largest), "the host's limit: "+amount.Bytes(limit.MaxFileSize), ratio(float64(built.Largest), float64(limit.MaxFileSize)))

	floor, err := b.makeFloor()
	if err == nil {
		err = b.allUpToDate(vars, b.inputs, out, neocitiesVars, siteFiles(p.Layout, out), floor)
	}
	if err == nil {
		err = b.everyday(out, took)
	}
	if err != nil {
		return err
	}
	r := p.Resolved()
	// The page processes read the settings from the stamp of the site in out.
	s := pageSite{l: p.Layout, record: orderings.Path(b.corpus), out: out}
	anchors := spread(c.Len(), b.cli.Samples)
	b.t.section("What a page process adds, on the site for %s (PER_PAGE=%d CHAPTERS=%d, orderings from the record): medians over %d orderings",
		neocities.Title, r.PerPage, r.Chapters, len(anchors))
	for _, k := range kinds {
		res, err := b.timePages(s, k, anchors)
		if err != nil {
			return err
		}
		res.rows(b.t, fmt.Sprintf("%s: its %d chapters", kindName(k), r.Chapters))
	}
	return nil
}

// everyday times the poet's everyday loop on the site for Neocities just
// built in out: a typo, a new poem, ten, a poem taken out, each an edit of a
// copy of the inputs built by the same make command, against the whole
// build's time; and what each rewrote. Each edit is undone (and built,
// untimed) before the next.
func (b *bench) everyday(out string, whole time.Duration) error {
	dir := b.scratch("everyday")
	restore := func() error {
		for _, f := range inputsIn(b.inputs) {
			data, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	build := func() (time.Duration, string, error) {
		return b.timed(b.makeCmd(dir, out, append([]string{"-j2", "all"}, neocitiesVars...)...))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := restore(); err != nil {
		return err
	}
	if _, _, err := build(); err != nil { // the copies: nothing to build
		return err
	}
	typical, most, err := b.shownPoems()
	if err != nil {
		return err
	}
	n := b.cli.Poems
	grow := func(k int) func() error {
		return func() error {
			opt := synthOptions
			opt.Poems, opt.Dim = n+k, b.cli.Dim
			return synth.Write(dir, opt)
		}
	}
	b.t.section("The everyday loop on the site for %s: an edit, then the same `make -j2 all %s`, against the whole build", neocities.Title, strings.Join(neocitiesVars, " "))
	for _, e := range []struct {
		what string
		edit func() error
	}{
		{"a typo in one poem", func() error { return editLine(dir, "poems.json", n/2, `"content": "`, `"content": "amen `) }},
		{"one new poem (among the others, dated in the newest poem's year or before)", grow(1)},
		{"ten new poems", grow(10)},
		{fmt.Sprintf("one poem taken out: poem %d, shown in %s (the median poem)", typical.n, typical.shown), func() error { return dropPoem(dir, typical.n) }},
		{fmt.Sprintf("one poem taken out: poem %d, shown in %s (the most shown)", most.n, most.shown), func() error { return dropPoem(dir, most.n) }},
	} {
		if err := e.edit(); err != nil {
			return fmt.Errorf("%s: %w", e.what, err)
		}
		took, said, err := build()
		if err != nil {
			return err
		}
		b.checkRebuild(said, e.what)
		s := summaryOf(said)
		b.t.add(e.what, dur(took), "the whole build: "+dur(whole), ratio(took.Seconds(), whole.Seconds()))
		b.t.add("… files it rewrote", fmt.Sprintf("%s (%s), %s orderings run", s.updated, s.bytes, s.ran),
			"the site's files: "+s.files, ratio(float64(count(s.updated)), float64(count(s.files))))
		if err := restore(); err != nil {
			return err
		}
		if _, _, err := build(); err != nil {
			return err
		}
	}
	return nil
}

// summary is what a build's summary says it did.
type summary struct{ updated, files, bytes, ran string }

var (
	updatedRE = regexp.MustCompile(`updated ([0-9,]+) of ([0-9,]+) files \(([^)]*)\)`)
	ranRE     = regexp.MustCompile(`([0-9,]+) orderings? run`)
)

func summaryOf(said string) summary {
	s := summary{updated: "0", files: "?", bytes: "0 B", ran: "0"}
	if m := updatedRE.FindStringSubmatch(said); m != nil {
		s.updated, s.files, s.bytes = m[1], m[2], m[3]
	}
	if m := ranRE.FindStringSubmatch(said); m != nil {
		s.ran = m[1]
	}
	return s
}

// count reads a number written with thousands separators; 0 if it is none.
func count(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

// editLine replaces old with new in the line of poem i (from 0) of a file
// of synth's, which has one poem a line after a line of metadata.
func editLine(dir, name string, i int, old, new string) error {
	return editLines(dir, name, func(lines []string) ([]string, error) {
		if !strings.Contains(lines[i+2], old) {
			return nil, fmt.Errorf("line %d of %s has no %q", i+3, name, old)
		}
		lines[i+2] = strings.Replace(lines[i+2], old, new, 1)
		return lines, nil
	})
}

// dropPoem takes poem n out of the poems and the embeddings, which keep
// their poem_index numbers.
func dropPoem(dir string, n int) error {
	for _, f := range []struct{ name, key string }{
		{"poems.json", `"poem_index": %d,`},
		{"embeddings.json", `"poem_index":%d,`}, // as package input writes it
	} {
		err := editLines(dir, f.name, func(lines []string) ([]string, error) {
			i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, fmt.Sprintf(f.key, n)) })
			if i < 0 {
				return nil, fmt.Errorf("%s has no poem %d", f.name, n)
			}
			if !strings.HasSuffix(lines[i], ",") { // the last: the one before it is now
				lines[i-1] = strings.TrimSuffix(lines[i-1], ",")
			}
			return slices.Delete(lines, i, i+1), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func editLines(dir, name string, fn func([]string) ([]string, error)) error {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines, err := fn(strings.Split(string(data), "\n"))
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

// shown is a poem and the orderings that show it.
type shown struct {
	n     int
	shown string
}

// shownPoems are the poem shown in the median number of the site's kept
// orderings, and the one shown in the most, from the build's record of
// them. A walk takes some poems at almost every anchor (the poems least
// like the rest): taking one of those out runs every walk again.
func (b *bench) shownPoems() (typical, most shown, err error) {
	r, err := orderings.Read(orderings.Path(b.corpus))
	if err != nil {
		return typical, most, err
	}
	var counts [2][]int
	for k, kept := range r.Kept {
		counts[k] = make([]int, len(r.Poems))
		for _, o := range kept {
			for j, p := range o.Seq {
				if j > 0 { // not the anchor
					counts[k][p]++
				}
			}
		}
	}
	byCount := make([]int, len(r.Poems))
	for i := range byCount {
		byCount[i] = i
	}
	total := func(i int) int { return counts[0][i] + counts[1][i] }
	slices.SortStableFunc(byCount, func(a, b int) int { return total(a) - total(b) })
	say := func(i int) shown {
		return shown{int(r.Poems[i].N), fmt.Sprintf("%d similar orderings and %d walks", counts[0][i], counts[1][i])}
	}
	return say(byCount[len(byCount)/2]), say(byCount[len(byCount)-1]), nil
}
