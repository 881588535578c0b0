package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"pagegen/internal/budget"
	"pagegen/internal/site"
)

// upToDate times make -j2 all on a site whose every file is there and up to
// date, whole and in chapters for Neocities: how long make takes to find
// that there is nothing to do. The site's layout says which files those are;
// they are empty files newer than the site's stamp (what every page depends
// on), so that the whole site costs nothing on disk.
func (b *bench) upToDate() error {
	for _, v := range []struct {
		name     string
		settings site.Settings
		budget   budget.Settings
		vars     []string
		limit    time.Duration
	}{
		{"whole pages", site.Settings{}, budget.Settings{}, nil, 500 * time.Millisecond},
		{"PER_PAGE=100 HOST=neocities", site.Settings{PerPage: 100}, budget.Settings{Host: "neocities"}, []string{"PER_PAGE=100", "HOST=neocities"}, time.Second},
	} {
		if err := b.upToDateSite(v.name, v.settings, v.budget, v.vars, v.limit); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) upToDateSite(name string, s site.Settings, bs budget.Settings, vars []string, limit time.Duration) error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	bud, err := budget.Parse(bs)
	if err != nil {
		return err
	}
	plan, err := site.Fit(c, s, bud)
	if err != nil {
		return err
	}
	out := b.scratch("up-to-date")
	defer os.RemoveAll(out)

	// Untimed: the corpus, make's page list and the site's stamp, through one real page.
	first := plan.Name(site.Seq{Kind: site.Similar, N: c.N(0)}, 1)
	if _, err := b.runCmd(b.makeCmd(out, append(vars, first)...)); err != nil {
		return err
	}
	stampInfo, err := os.Stat(filepath.Join(out, site.StampName))
	if err != nil {
		return err
	}
	var files []string
	for _, q := range plan.Seqs() {
		for _, f := range plan.Files(q) {
			files = append(files, filepath.Join(out, f))
		}
	}
	for _, dir := range site.Dirs {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return err
		}
	}
	for _, f := range files { // the page make just built is emptied too
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
	}
	// Newer than the stamp, without being in the future (make would warn of clock skew).
	for time.Since(stampInfo.ModTime()) < 10*time.Millisecond {
		time.Sleep(10 * time.Millisecond)
	}
	stamp := time.Now()
	for _, f := range files {
		if err := os.Chtimes(f, stamp, stamp); err != nil {
			return err
		}
	}

	var times []time.Duration
	var said string
	for r := range b.cli.UpToDateRuns + 1 {
		d, output, err := b.makeNothing(out, files, vars)
		if err != nil {
			return err
		}
		if r > 0 { // the first run is untimed
			times = append(times, d)
			b.checkRebuild(output, "make all on the up-to-date site")
		}
		said = output
		if err := unchanged(files, stamp); err != nil {
			return err
		}
	}
	var check []time.Duration
	in := b.inputFiles()
	for range b.cli.UpToDateRuns {
		start := time.Now()
		if _, err := b.runCmd(b.command(b.pack, "--poems", in[0], "--embeddings", in[1], "--colors", in[2], "-o", b.corpus)); err != nil {
			return err
		}
		check = append(check, time.Since(start))
	}

	b.t.section(fmt.Sprintf("`make -j2 all`, %s: all %d files of the site up to date (empty files)", name, len(files)))
	b.t.atMost(fmt.Sprintf("until make exits, having rebuilt nothing (median of %d runs)", len(times)), median(times), limit)
	b.t.add("… range", "%s", spreadOf(times))
	b.t.add("… of which corpus-pack's own up-to-date check (run alone: it hashes the inputs and itself)", "%s", dur(median(check)))
	b.t.add("what make said", "`%s`", strings.Join(strings.Fields(strings.ReplaceAll(said, "\n", " ⏎ ")), " "))
	return nil
}

// makeNothing runs make all on an up-to-date site and times it. Should make
// rebuild pages after all (2n of them, 14 MB each), it stops make at the
// first one. (make -n cannot tell beforehand: it takes every target with a
// recipe to run, like the corpus it checks each time, as changed.)
func (b *bench) makeNothing(out string, files, vars []string) (time.Duration, string, error) {
	cmd := b.makeCmd(out, append(vars, "all")...)
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	done := make(chan struct{})
	var rebuilt error
	var wg sync.WaitGroup
	wg.Go(func() {
		// make would start a rebuild with the first similar or different page, or the index.
		watch := []string{files[0], files[len(files)/2], files[len(files)-1]}
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			for _, f := range watch {
				if fi, err := os.Stat(f); err != nil || fi.Size() > 0 {
					rebuilt = fmt.Errorf("make is rebuilding pages of an up-to-date site (%s changed): stopped it", f)
					syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
					return
				}
			}
		}
	})
	err := cmd.Wait()
	d := time.Since(start)
	close(done)
	wg.Wait()
	if err := errors.Join(rebuilt, err); err != nil {
		return 0, "", fmt.Errorf("make all: %w\n%s", err, lastLines(output.String(), 10))
	}
	return d, strings.TrimSpace(output.String()), nil
}

// unchanged checks that make touched none of the files.
func unchanged(files []string, stamp time.Time) error {
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return fmt.Errorf("make all on an up-to-date site: %w", err)
		}
		if fi.Size() != 0 || !fi.ModTime().Equal(stamp) {
			return fmt.Errorf("make all on an up-to-date site rebuilt %s", f)
		}
	}
	return nil
}
