package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"pagegen/internal/site/orderings"
)

// overhead times what a page process adds to the work it does, on the site
// for Neocities (capped orderings, each read from the record of the
// orderings as the build laid it out): one pagegen process per ordering,
// the same ordering written in this process (Layout.Write), and a Go
// program that does nothing, built as the tools are, started as many
// times. The overhead is the first less the second; it is set against the
// third. They take turns, ordering by ordering.
func (b *bench) overhead() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Verify(); err != nil { // mapped in: the build's other processes keep it so
		return err
	}
	p, err := neocitiesPlan(c)
	if err != nil {
		return err
	}
	dir := b.scratch("overhead")
	defer os.RemoveAll(dir)
	procDir, loopDir := filepath.Join(dir, "process"), filepath.Join(dir, "loop")
	// The record of the orderings, as a build commits it; the orderings
	// timed here are recorded in it by an untimed write of their pages.
	record := orderings.Path(b.corpus)
	d, err := p.Decide(b.ctx, procDir, record, p.Seqs())
	if err == nil {
		_, err = p.Restamp(procDir)
	}
	if err == nil {
		err = d.Commit(procDir, record)
	}
	if err != nil {
		return err
	}
	anchors := spread(c.Len(), b.cli.Samples)
	for _, k := range kinds {
		for _, i := range anchors {
			if _, err := p.Write(b.ctx, loopDir, record, seqOf(k, c.N(i)), nil); err != nil {
				return err
			}
		}
	}
	bare, err := b.bareProgram(dir)
	if err != nil {
		return err
	}
	r := p.Resolved()
	b.t.section(fmt.Sprintf("What a page process adds, on the site for %s (PER_PAGE=%d CHAPTERS=%d, orderings from the record): medians over %d orderings",
		neocities.Title, r.PerPage, r.Chapters, len(anchors)))
	var starts []time.Duration
	for _, k := range kinds {
		var process, loop []time.Duration
		for _, i := range anchors {
			q := seqOf(k, c.N(i))
			os.RemoveAll(filepath.Join(procDir, k.Name()))
			os.RemoveAll(loopDir)
			took, _, err := b.timed(b.command(b.pagegen, "--corpus", b.corpus, k.Name(), strconv.Itoa(q.N), "--out", procDir))
			if err != nil {
				return err
			}
			process = append(process, took)
			start := time.Now()
			if _, err := p.Write(b.ctx, loopDir, record, q, nil); err != nil {
				return err
			}
			loop = append(loop, time.Since(start))
			took, _, err = b.timed(b.command(bare))
			if err != nil {
				return err
			}
			starts = append(starts, took)
		}
		over := median(process) - median(loop)
		ratio := over.Seconds() / median(starts).Seconds()
		b.t.addRange(fmt.Sprintf("%s: one `pagegen` process, fork → its %d chapters renamed → exit", k.Name(), r.Chapters), process)
		b.t.addRange(fmt.Sprintf("%s: the same in process (`Layout.Write`)", k.Name()), loop)
		b.t.check(fmt.Sprintf("%s: the process's overhead / a bare process start", k.Name()),
			fmt.Sprintf("%s / %s = **%.2f**", dur(over), dur(median(starts)), ratio), "≤ 1.5", ratio <= 1.5)
	}
	b.t.addRange("a bare process start: `func main(){}` built as the tools are, fork → exit", starts)
	return nil
}

// bareProgram builds a Go program that does nothing, as the tools are
// built (mk/tools.mk), into dir.
func (b *bench) bareProgram(dir string) (string, error) {
	src := filepath.Join(dir, "bare")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module bare\n"), 0o644); err != nil {
		return "", err
	}
	bin, err := filepath.Abs(filepath.Join(dir, "bare", "bare"))
	if err != nil {
		return "", err
	}
	cmd := b.command(b.cli.Go, "build", "-buildvcs=false", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if _, err := b.runCmd(cmd); err != nil {
		return "", err
	}
	return bin, nil
}
