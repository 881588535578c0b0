package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fatih/color"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/filesig"
	"pagegen/internal/input"
	"pagegen/internal/memstat"
	"pagegen/internal/pack"
	"pagegen/internal/packed"
	"pagegen/internal/plural"
)

// run packs the corpus unless the packed file already holds exactly these
// inputs and settings, in which case it leaves it alone (and so its mtime, so
// make rebuilds no page). A record beside the corpus keeps the files'
// signatures (package filesig): when none changed, nothing is read at all;
// otherwise the inputs are hashed, and a corpus that changed since it was
// last checked is verified whole, and packed again if damaged.
func run(cli *CLI) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	if err := packed.CheckReplaceable(cli.Out, cli.Poems, cli.Embeddings, cli.Colors); err != nil {
		return err
	}
	inputs, err := inputFiles(cli)
	if err != nil {
		return err
	}
	rec := filesig.Load(packed.RecordPath(cli.Out))
	old, packedBefore := packed.ReadFingerprint(cli.Out)
	if packedBefore && rec.Key == key(cli, inputs, old) && rec.Unchanged(append(inputs, cli.Out)...) {
		return upToDate(cli)
	}
	fp, fresh, err := fingerprint(cli, inputs)
	if err != nil {
		return err
	}
	if packedBefore && old == fp && !fresh {
		damage := verify(cli.Out, rec, key(cli, inputs, fp))
		if damage == nil {
			return upToDate(cli, saveRecord(cli, fp, inputs, start))
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
	contents, t := pack.Contents(c, fp)
	if ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	size, err := write(ctx, cli.Out, contents)
	if err != nil {
		return err
	}
	fmt.Printf("corpus-pack: packed %d poems (%d-d) into %s (%.1f MB) in %.2fs: read %.2fs, gram %.2fs, render %.2fs\n",
		len(c.Poems), c.Dimension, cli.Out, float64(size)/1e6, time.Since(start).Seconds(),
		read.Seconds(), t.Gram.Seconds(), t.Render.Seconds())
	if fresh {
		return nil // a pipe is read again next time: no record
	}
	return saveRecord(cli, fp, inputs, start)
}

// upToDate says the corpus needs no packing, and repeats that poems are
// left out if some are.
func upToDate(cli *CLI, errs ...error) error {
	fmt.Printf("corpus-pack: %s is up to date\n", cli.Out)
	remindMissing(cli)
	return errors.Join(errs...)
}

// key is what a record holds for: the corpus's fingerprint, and the
// settings and paths that made it (another ALLOW_MISSING or POEMS is read
// again even when no file changed).
func key(cli *CLI, inputs []string, fp packed.Fingerprint) string {
	return fmt.Sprintf("%x %x", fp[:], sha256.Sum256(fmt.Appendf(nil, "v%d %t %q", packed.Version, cli.AllowMissing, inputs)))
}

// saveRecord records the inputs as read from readAt, and the corpus as it is
// now: packed by this run or verified whole by it, under the build's lock.
func saveRecord(cli *CLI, fp packed.Fingerprint, inputs []string, readAt time.Time) error {
	rec := filesig.New(key(cli, inputs, fp))
	for _, p := range inputs {
		rec.Add(p, readAt)
	}
	rec.Add(cli.Out, time.Time{})
	return rec.Save(packed.RecordPath(cli.Out))
}

// verify checks the whole corpus against its digest, unless the record says
// it is unchanged since it was packed or last verified.
func verify(path string, rec *filesig.Record, key string) error {
	if rec.Key == key && rec.Unchanged(path) {
		return nil
	}
	c, err := packed.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Verify()
}

// write puts the packed corpus in place atomically, flushed to disk.
func write(ctx context.Context, path string, c *packed.Contents) (int64, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	if err := packed.Write(f, c); err != nil {
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

// inputFiles are the files the packed corpus is made from: this program
// itself (whose rendering is baked into the file) and the inputs given.
func inputFiles(cli *CLI) ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding corpus-pack itself: %w", err)
	}
	files := []string{self}
	for _, p := range []string{cli.Poems, cli.Embeddings, cli.Colors} {
		if p != "" {
			files = append(files, p)
		}
	}
	return files, nil
}

// fingerprint hashes everything the packed corpus depends on: the format
// version, the settings and the input files. An input that is not a regular
// file (a pipe, <(...)) can be read only once, by the packing: fresh says
// so, and the corpus is packed again (the pages depend on its contents, not
// its date).
func fingerprint(cli *CLI, inputs []string) (fp packed.Fingerprint, fresh bool, err error) {
	h := sha256.New()
	fmt.Fprintf(h, "pagegen corpus v%d\nallow-missing=%t\ncolors=%t\n", packed.Version, cli.AllowMissing, cli.Colors != "")
	for _, path := range inputs {
		fmt.Fprintf(h, "%d:", len(path))
		if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
			fresh = true
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			// Read reports a missing input with its remedy; here it just cannot match.
			fmt.Fprintf(h, "unreadable %q", path)
			continue
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return fp, false, fmt.Errorf("reading %s: %w: check the path and the file's permissions (see make help)", path, err)
		}
	}
	return packed.Fingerprint(h.Sum(nil)), fresh, nil
}

// remindMissing repeats, on a build that packs nothing, that poems are left out.
func remindMissing(cli *CLI) {
	b, err := os.ReadFile(packed.MissingListPath(cli.Out))
	if err != nil || !strings.HasPrefix(string(b), packed.MissingMark) {
		return
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	if n > 0 {
		fmt.Printf("corpus-pack: %s %s without an embedding %s left out of every page (ALLOW_MISSING=1); they are listed in %s\n",
			color.New(color.FgYellow, color.Bold).Sprint("WARNING:"), plural.Of(n, "poem"), map[bool]string{true: "is", false: "are"}[n == 1], packed.MissingListPath(cli.Out))
	}
}

// reportMissing says loudly which poems were left out for lack of an
// embedding, and writes their full list beside the packed corpus.
func reportMissing(cli *CLI, c *input.Corpus) error {
	list := packed.MissingListPath(cli.Out)
	if err := atomicfile.CheckOurs(list, []byte(packed.MissingMark)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (the list of poems without an embedding goes beside it)", err)
	}
	if len(c.Missing) == 0 {
		if err := os.Remove(list); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing the old %s: %w", list, err)
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (ALLOW_MISSING=1)\n# N category/id\n", packed.MissingMark)
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
		warn("WARNING:"), len(c.Missing), plural.Of(len(c.Missing)+len(c.Poems), "poem"), strings.Join(shown, ", "), list)
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
