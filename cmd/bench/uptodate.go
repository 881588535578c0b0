package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"pagegen/internal/render"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// upToDate times make on a site whose every file is there and up to date:
// make -j2 all on the site of whole pages and on the site for Neocities,
// and make similar/N.html on the first, with the page there and to build.
//
// The files are the ones the layout lists (Layout.Seqs, Layout.Files),
// empty, made after the stamp and the record of the orderings pagegen
// writes (Plan.Restamp, Decision.Commit): make takes them as up to date, and
// the whole site, 229 GB if built, costs nothing on disk. Plan.Decide, the
// build's own decision, confirms it before make runs.
func (b *bench) upToDate() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	plan, err := neocitiesPlan(c)
	if err != nil {
		return err
	}
	out := b.scratch("up-to-date")
	defer os.RemoveAll(out)
	// The site for Neocities, 17.7 GB, was removed just before: the disk
	// must be done with it, or its writes and deletions are timed here too.
	b.settle()
	for _, v := range []struct {
		name  string
		plan  site.Plan
		vars  []string
		limit time.Duration
	}{
		{"whole pages", whole(c), nil, 250 * time.Millisecond},
		{strings.Join(neocitiesVars, " "), plan, neocitiesVars, time.Second},
	} {
		files, err := b.emptySite(v.plan, out)
		if err != nil {
			return err
		}
		before := dates(files)
		var times []time.Duration
		var said string
		for r := range b.cli.Runs + 1 { // the first is untimed: it writes the build's own files (make's page list)
			d, output, err := b.unrebuilt(b.makeCmd(out, append([]string{"-j2", "all"}, v.vars...)...))
			if err != nil {
				return err
			}
			if !slices.EqualFunc(dates(files), before, time.Time.Equal) {
				return fmt.Errorf("make -j2 all rebuilt pages of a site that pagegen says is up to date")
			}
			if r > 0 {
				times = append(times, d)
				b.checkRebuild(output, "make all on the up-to-date site")
			}
			said = output
		}
		b.t.section(fmt.Sprintf("`make -j2 all`, %s: all %d files of the site up to date (empty files)", v.name, len(files)))
		b.t.atMostRange(fmt.Sprintf("until make exits, having rebuilt nothing (median of %d runs)", len(times)), times, v.limit)
		b.t.add("what make said", "`%s`", strings.Join(strings.Fields(strings.ReplaceAll(said, "\n", " ⏎ ")), " "))
		if v.vars == nil {
			if err := b.onePage(c.Len(), v.plan.Layout, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// onePage times make similar/N.html in the site out, up to date, for pages
// spread over the collection: first with the page removed (make builds it),
// then again (make finds it built).
func (b *bench) onePage(n int, l site.Layout, out string) error {
	var build, built []time.Duration
	for r, i := range spread(n, b.cli.Runs+1) { // the first, untimed, brings make and pagegen into the page cache
		goal := l.Name(seqOf(render.Similar, l.Corpus().N(i)), 1)
		page := filepath.Join(out, goal)
		if err := os.Remove(page); err != nil {
			return err
		}
		var took [2]time.Duration
		var date [2]time.Time
		for j := range took {
			d, said, err := b.unrebuilt(b.makeCmd(out, goal))
			if err != nil {
				return err
			}
			b.checkRebuild(said, "make similar/N.html")
			took[j], date[j] = d, dates([]string{page})[0]
		}
		switch {
		case date[0].IsZero():
			return fmt.Errorf("make %s did not build the page", goal)
		case !date[1].Equal(date[0]):
			return fmt.Errorf("make %s built the page again, built already", goal)
		}
		if r > 0 {
			build, built = append(build, took[0]), append(built, took[1])
		}
	}
	b.t.atMostRange(fmt.Sprintf("`make similar/N.html`, the page built already (median of %d pages)", len(built)), built, 30*time.Millisecond)
	b.t.atMostRange(fmt.Sprintf("`make similar/N.html` building the page, removed first (median of %d pages)", len(build)), build, 40*time.Millisecond)
	return nil
}

// emptySite lays out the site p in out as empty files made after its stamp
// and the record of its orderings, and returns their paths.
func (b *bench) emptySite(p site.Plan, out string) ([]string, error) {
	if err := os.RemoveAll(out); err != nil {
		return nil, err
	}
	if _, err := p.Restamp(out); err != nil {
		return nil, err
	}
	record := orderings.Path(b.corpus)
	d, err := p.Decide(b.ctx, out, record, p.Seqs())
	if err == nil {
		err = d.Commit(out, record)
	}
	if err != nil {
		return nil, err
	}
	l := p.Layout
	for _, dir := range site.Dirs {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return nil, err
		}
	}
	var files []string
	for _, q := range l.Seqs() {
		for _, f := range l.Files(q) {
			path := filepath.Join(out, f)
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				return nil, err
			}
			files = append(files, path)
		}
	}
	d, err = p.Decide(b.ctx, out, record, p.Seqs())
	if err == nil && len(d.Run) > 0 {
		err = fmt.Errorf("pagegen takes %d sequences of the empty site as out of date, %s first", len(d.Run), d.Run[0])
	}
	return files, err
}

// unrebuilt times a make run that should rebuild next to nothing, and stops
// it after a minute: had make taken the site as out of date after all, it
// would write for many minutes.
func (b *bench) unrebuilt(cmd *exec.Cmd) (time.Duration, string, error) {
	var late atomic.Bool
	stop := time.AfterFunc(time.Minute, func() { late.Store(true); cmd.Cancel() })
	defer stop.Stop()
	d, out, err := b.timed(cmd)
	if late.Load() {
		err = fmt.Errorf("%s: stopped after a minute, rebuilding pages of a site that pagegen takes as up to date", shortArgs(cmd.Args))
	}
	return d, strings.TrimSpace(out), err
}

// dates are the files' modification times (zero for a file gone).
func dates(files []string) []time.Time {
	t := make([]time.Time, len(files))
	for i, f := range files {
		if fi, err := os.Stat(f); err == nil {
			t[i] = fi.ModTime()
		}
	}
	return t
}
