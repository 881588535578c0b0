package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fatih/color"

	"pagegen/internal/amount"
	"pagegen/internal/atomicfile"
	"pagegen/internal/corpus"
	"pagegen/internal/exit"
	"pagegen/internal/input"
	"pagegen/internal/memstat"
	"pagegen/internal/pack"
)

// packCorpus packs the corpus unless the packed file already holds exactly these
// inputs and settings, in which case it leaves it alone (and so its mtime, so
// make rebuilds no page); see package corpus.
func packCorpus(ctx context.Context, cli *CLI) error {
	start := time.Now()
	if err := corpus.CheckReplaceable(cli.Out, cli.Poems, cli.Embeddings, cli.Colors); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding corpus-pack itself: %w", err)
	}
	job := corpus.Job{Packer: self, Poems: cli.Poems, Embeddings: cli.Embeddings, Colors: cli.Colors, AllowMissing: cli.AllowMissing,
		Corpus: cli.Out, Previous: cli.Previous}
	if job.UpToDate() {
		fmt.Println(job.UpToDateMessage())
		return nil
	}
	fp, fresh, err := job.Fingerprint()
	if err != nil {
		return err
	}
	if old, ok := corpus.ReadFingerprint(cli.Out); ok && old == fp && !fresh {
		damage := job.Verify(fp)
		if damage == nil {
			fmt.Println(job.UpToDateMessage())
			return job.Record(fp, start)
		}
		fmt.Printf("corpus-pack: %v: packing it again\n", damage)
	}
	c, err := input.Read(input.Options{Context: ctx, Poems: cli.Poems, Embeddings: cli.Embeddings, Colors: cli.Colors, AllowMissing: cli.AllowMissing})
	if errors.Is(err, context.Canceled) {
		return exit.ErrInterrupted
	}
	if err != nil {
		return err
	}
	read := time.Since(start)
	if err := checkMemory(cli, c); err != nil {
		return err
	}
	if err := reportMissing(cli, c); err != nil {
		return err
	}
	if c.Colors == nil {
		fmt.Println("corpus-pack: no colour file given: every poem is gray (set COLOR_EMBEDDINGS to a color_embeddings.json for colours)")
	}
	if ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	prev := job.OpenPrevious()
	contents, t := pack.Contents(c, fp, prev)
	if prev != nil {
		prev.Close()
	}
	if ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	size, err := write(ctx, cli.Out, contents)
	if err != nil {
		return err
	}
	fmt.Printf("corpus-pack: packed %d poems (%d-d) into %s (%.1f MB) in %.2fs: read %.2fs, gram %.2fs, render %.2fs%s\n",
		len(c.Poems), c.Dimension, cli.Out, float64(size)/1e6, time.Since(start).Seconds(),
		read.Seconds(), t.Gram.Seconds(), t.Render.Seconds(), keptNote(t, len(c.Poems)))
	if fresh {
		return nil // a pipe is read again next time: no record
	}
	return job.Record(fp, start)
}

// keptNote says what was kept of the corpus packed before, if anything.
func keptNote(t pack.Timing, n int) string {
	if t.KeptRows == 0 && t.KeptEntries == 0 {
		return ""
	}
	return fmt.Sprintf(" (kept the cosines of %d and the HTML of %d of the %d poems from the corpus packed before)", t.KeptRows, t.KeptEntries, n)
}

// write puts the packed corpus in place atomically, flushed to disk.
func write(ctx context.Context, path string, c *corpus.Contents) (int64, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	if err := corpus.Write(f, c); err != nil {
		return 0, f.Failed(err)
	}
	if ctx.Err() != nil {
		return 0, exit.ErrInterrupted
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, f.Failed(err)
	}
	return size, f.Commit(true)
}

// reportMissing says loudly which poems were left out for lack of an
// embedding, and writes their full list beside the packed corpus.
func reportMissing(cli *CLI, c *input.Corpus) error {
	list := corpus.MissingListPath(cli.Out)
	if err := atomicfile.CheckOurs(list, []byte(corpus.MissingMark)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (the list of poems without an embedding goes beside it)", err)
	}
	if len(c.Missing) == 0 {
		if err := os.Remove(list); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing the old %s: %w", list, err)
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (ALLOW_MISSING=1)\n# N category/id\n", corpus.MissingMark)
	for i := range c.Missing {
		fmt.Fprintln(&b, c.Missing[i].Ref())
	}
	if err := atomicfile.WriteFile(list, []byte(b.String())); err != nil {
		return err
	}
	shown := make([]string, 0, 4)
	for i := range c.Missing[:min(3, len(c.Missing))] {
		shown = append(shown, c.Missing[i].Ref())
	}
	if len(c.Missing) > len(shown) {
		shown = append(shown, "…")
	}
	warn := color.New(color.FgYellow, color.Bold).SprintFunc()
	fmt.Printf("corpus-pack: %s %d of %s without an embedding, left out of every page (%s); the full list is in %s\n",
		warn("WARNING:"), len(c.Missing), amount.Of(len(c.Missing)+len(c.Poems), "poem"), strings.Join(shown, ", "), list)
	return nil
}

// checkMemory refuses, with the numbers, a collection too large to pack here.
func checkMemory(cli *CLI, c *input.Corpus) error {
	avail := cli.MaxMemoryMB << 20
	if avail == 0 {
		var err error
		if avail, err = memstat.Available(); err != nil {
			return nil // no /proc: nothing to check against
		}
	}
	if err := pack.CheckMemory(len(c.Poems), c.Dimension, avail); err != nil {
		return fmt.Errorf("%s: %w", cli.Poems, err)
	}
	return nil
}
