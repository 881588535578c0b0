package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fatih/color"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/input"
	"pagegen/internal/memstat"
	"pagegen/internal/pack"
	"pagegen/internal/packed"
)

// run packs the corpus unless the packed file already holds exactly these
// inputs and settings, in which case it leaves it alone (and so its mtime, so
// make rebuilds no page).
func run(cli *CLI) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	if err := packed.CheckReplaceable(cli.Out, cli.Poems, cli.Embeddings, cli.Colors); err != nil {
		return err
	}
	fp, fresh, err := fingerprint(cli)
	if err != nil {
		return err
	}
	if old, ok := packed.ReadFingerprint(cli.Out); ok && old == fp && !fresh {
		fmt.Printf("corpus-pack: %s is up to date\n", cli.Out)
		remindMissing(cli)
		return nil
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
	return nil
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

// fingerprint hashes everything the packed corpus depends on: the format
// version, the settings, the input files and this program itself (whose
// rendering is baked into the file). An input that is not a regular file (a
// pipe, <(...)) can be read only once, by the packing: fresh says so, and
// the corpus is packed again (the pages depend on its contents, not its date).
func fingerprint(cli *CLI) (fp packed.Fingerprint, fresh bool, err error) {
	h := sha256.New()
	fmt.Fprintf(h, "pagegen corpus v%d\nallow-missing=%t\n", packed.Version, cli.AllowMissing)
	self, err := os.Executable()
	if err != nil {
		return fp, false, fmt.Errorf("finding corpus-pack itself: %w", err)
	}
	for _, path := range []string{self, cli.Poems, cli.Embeddings, cli.Colors} {
		fmt.Fprintf(h, "%d:", len(path))
		if path == "" {
			continue
		}
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

// missingList is where the poems left out for lack of an embedding are listed.
func missingList(cli *CLI) string {
	return filepath.Join(filepath.Dir(cli.Out), "missing-embeddings.txt")
}

// remindMissing repeats, on a build that packs nothing, that poems are left out.
func remindMissing(cli *CLI) {
	b, err := os.ReadFile(missingList(cli))
	if err != nil {
		return
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	if n > 0 {
		fmt.Printf("corpus-pack: %s %d poems without an embedding are left out of every page (ALLOW_MISSING=1); they are listed in %s\n",
			color.New(color.FgYellow, color.Bold).Sprint("WARNING:"), n, missingList(cli))
	}
}

// reportMissing says loudly which poems were left out for lack of an
// embedding, and writes their full list beside the packed corpus.
func reportMissing(cli *CLI, c *input.Corpus) error {
	list := missingList(cli)
	if len(c.Missing) == 0 {
		if err := os.Remove(list); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing the old %s: %w", list, err)
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# poems left out of every page because they have no embedding (ALLOW_MISSING=1)\n# N category/id\n")
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
	fmt.Printf("corpus-pack: %s %d of %d poems have no embedding and are left out of every page (%s); the full list is in %s\n",
		warn("WARNING:"), len(c.Missing), len(c.Missing)+len(c.Poems), strings.Join(shown, ", "), list)
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
