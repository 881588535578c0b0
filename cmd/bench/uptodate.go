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

	"pagegen/internal/corpus"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// upToDate times make on the site of whole pages with every file there and
// up to date, `make -j2 all` and `make similar/N.html` with the page built
// and removed, against make with a Makefile of one empty rule.
//
// The whole site would take 229 GB at 7,800 poems: its files are the ones
// the layout lists, empty, made after the stamp and the record of the
// orderings pagegen writes (Plan.Restamp, Decision.Commit), which make
// takes as up to date and costs nothing on disk. Plan.Decide, the build's
// own decision, confirms it before make runs.
func (b *bench) upToDate(c *corpus.Corpus) error {
	p, err := site.FitRequest(c, site.Request{})
	if err != nil {
		return err
	}
	out := b.scratch("up-to-date")
	files, err := b.emptySite(p, out)
	if err != nil {
		return err
	}
	floor, err := b.makeFloor()
	if err != nil {
		return err
	}
	if err := b.allUpToDate("whole pages", b.inputs, out, nil, files, floor); err != nil {
		return err
	}
	var build, built []time.Duration
	for r, i := range spread(c.Len(), b.cli.Runs+1) { // the first, untimed, brings make and pagegen into the page cache
		goal := p.Name(site.Seq{Kind: site.Similar, N: c.N(i)}, 1)
		page := filepath.Join(out, goal)
		if err := os.Remove(page); err != nil {
			return err
		}
		var took [2]time.Duration
		var date [2]time.Time
		for j := range took {
			ds, _, err := b.unrebuilt(1, func(int) *exec.Cmd { return b.makeCmd(b.inputs, out, goal) })
			if err != nil {
				return err
			}
			took[j], date[j] = ds[0], dates([]string{page})[0]
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
	b.t.against(fmt.Sprintf("`make similar/N.html`, the page built already (median of %d pages)", len(built)), built, "make, one empty rule", floor)
	b.t.against(fmt.Sprintf("`make similar/N.html` building the page, removed first (median of %d pages)", len(build)), build, "make, one empty rule", floor)
	return nil
}

// makeFloor times make with a Makefile of one empty rule: the floor under
// every make run.
func (b *bench) makeFloor() ([]time.Duration, error) {
	mk := b.scratch("empty.mk")
	if err := os.WriteFile(mk, []byte("all: ;@:\n"), 0o644); err != nil {
		return nil, err
	}
	return times(b.cli.Runs, func(int) error { return b.run(b.make("-f", mk)) })
}

// allUpToDate times make -j2 all on the site in out, built from inputs with
// the make variables vars, whose files are all up to date: make must rebuild
// none of them.
func (b *bench) allUpToDate(what, inputs, out string, vars, files []string, floor []time.Duration) error {
	before := dates(files)
	// The first run is untimed: it writes the build's own files (make's page list).
	ds, said, err := b.unrebuilt(b.cli.Runs+1, func(int) *exec.Cmd { return b.makeCmd(inputs, out, append([]string{"-j2", "all"}, vars...)...) })
	if err != nil {
		return err
	}
	if !slices.EqualFunc(dates(files), before, time.Time.Equal) {
		return fmt.Errorf("make -j2 all rebuilt pages of a site that pagegen says is up to date")
	}
	b.t.section("`make -j2 all`, %s: all %d files of the site up to date", what, len(files))
	b.t.against(fmt.Sprintf("until make exits, having rebuilt nothing (median of %d runs)", len(ds)-1), ds[1:], "make, one empty rule", floor)
	b.t.add("what make said", "`"+strings.Join(strings.Fields(strings.ReplaceAll(said, "\n", " ⏎ ")), " ")+"`", "", "")
	return nil
}

// emptySite lays out the site p in out as empty files made after its stamp
// and the record of its orderings, and returns their paths.
func (b *bench) emptySite(p site.Plan, out string) ([]string, error) {
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
	for _, dir := range site.Dirs {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return nil, err
		}
	}
	files := siteFiles(p.Layout, out)
	for _, f := range files {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return nil, err
		}
	}
	d, err = p.Decide(b.ctx, out, record, p.Seqs())
	if err == nil && len(d.Run) > 0 {
		err = fmt.Errorf("pagegen takes %d sequences of the empty site as out of date, %s first", len(d.Run), d.Run[0])
	}
	return files, err
}

// siteFiles are the paths of every file of the site l in out.
func siteFiles(l site.Layout, out string) []string {
	var files []string
	for _, q := range l.Seqs() {
		for _, f := range l.Files(q) {
			files = append(files, filepath.Join(out, f))
		}
	}
	return files
}

// unrebuilt times k make runs that should rebuild next to nothing, and
// returns what the last said. It stops a run after a minute: had make taken
// the site as out of date after all, it would write for many minutes.
func (b *bench) unrebuilt(k int, cmd func(i int) *exec.Cmd) ([]time.Duration, string, error) {
	var said string
	ds, err := times(k, func(i int) error {
		c := cmd(i)
		var late atomic.Bool
		stop := time.AfterFunc(time.Minute, func() { late.Store(true); c.Cancel() })
		defer stop.Stop()
		out, err := b.output(c)
		if late.Load() {
			return fmt.Errorf("%s: stopped after a minute, rebuilding pages of a site that pagegen takes as up to date", shortArgs(c.Args))
		}
		said = strings.TrimSpace(out)
		b.checkRebuild(said, "make on the up-to-date site")
		return err
	})
	return ds, said, err
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
