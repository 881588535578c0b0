package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// upToDate times make -j2 all with every page and the index already there
// and newer than the corpus, the programs and anything else make keeps in the
// site directory: how long make takes to find
// that there is nothing to do. The pages are empty files, so that 2n of them
// cost nothing on disk.
func (b *bench) upToDate() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	numbers := make([]int, c.Len())
	for i := range numbers {
		numbers[i] = c.N(i)
	}
	c.Close()
	out := b.scratch("up-to-date")
	defer os.RemoveAll(out)

	// Untimed: the corpus, make's page list and whatever else make keeps in
	// OUT up to date, through one real page.
	if _, err := b.runCmd(b.makeCmd(out, fmt.Sprintf("similar/%d.html", numbers[0]))); err != nil {
		return err
	}
	// The pages must be newer than all that, and than the programs.
	var newest time.Time
	deps := []string{b.corpus, b.pagegen, b.pack}
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			deps = append(deps, path)
		}
		return nil
	})
	for _, dep := range deps {
		fi, err := os.Stat(dep)
		if err != nil {
			return err
		}
		if fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	var files []string
	for _, k := range kinds {
		for _, n := range numbers {
			files = append(files, filepath.Join(out, k.Name(), strconv.Itoa(n)+".html"))
		}
	}
	files = append(files, filepath.Join(out, "index.html"))
	for _, dir := range []string{out, filepath.Join(out, kinds[0].Name()), filepath.Join(out, kinds[1].Name())} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for _, f := range files { // the page make just built is emptied too
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
	}
	// Newer than everything they depend on, without being in the future (make would warn of clock skew).
	for time.Since(newest) < 10*time.Millisecond {
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
		d, output, err := b.makeNothing(out, files)
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

	b.t.section(fmt.Sprintf("`make -j2 all` with all %d pages and the index up to date (empty files)", len(files)-1))
	b.t.atMost(fmt.Sprintf("until make exits, having rebuilt nothing (median of %d runs)", len(times)), median(times), 500*time.Millisecond)
	b.t.add("… range", "%s", spreadOf(times))
	b.t.add("… of which corpus-pack's own up-to-date check (run alone: it hashes the inputs and itself)", "%s", dur(median(check)))
	b.t.add("what make said", "`%s`", strings.Join(strings.Fields(strings.ReplaceAll(said, "\n", " ⏎ ")), " "))
	return nil
}

// makeNothing runs make all on an up-to-date site and times it. Should make
// rebuild pages after all (2n of them, 14 MB each), it stops make at the
// first one. (make -n cannot tell beforehand: it takes every target with a
// recipe to run, like the corpus it checks each time, as changed.)
func (b *bench) makeNothing(out string, files []string) (time.Duration, string, error) {
	cmd := b.makeCmd(out, "all")
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
		n := (len(files) - 1) / 2
		watch := []string{files[0], files[n], files[2*n]}
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
