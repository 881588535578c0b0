package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"pagegen/internal/exit"
	"pagegen/internal/packed"
	"pagegen/internal/render"
)

// bench is one benchmark run: where everything is, and the table it fills.
type bench struct {
	ctx context.Context
	cli *CLI

	root, bin, dir string // absolute: the repository, the programs, the scratch directory
	inputs         string // the synthetic poems.json, embeddings.json, color_embeddings.json
	corpus         string // the packed corpus
	pagegen, pack  string // the programs

	t     *table
	start time.Time
	rates map[render.Kind]siteRate // make -j2 throughput, for the extrapolation
}

func run(ctx context.Context, cli *CLI) error {
	if cli.Poems < 2 || cli.Dim < 1 || cli.Pages < 1 || cli.DifferentPages < 1 || cli.Samples < 1 || cli.UpToDateRuns < 1 || cli.Rounds < 1 {
		return fmt.Errorf("--poems must be at least 2, and --dim, --pages, --different-pages, --rounds, --samples and --up-to-date-runs at least 1")
	}
	b := &bench{ctx: ctx, cli: cli, t: &table{}, start: time.Now()}
	var err error
	for _, p := range []struct {
		dst *string
		src string
	}{{&b.root, cli.Root}, {&b.bin, cli.Bin}, {&b.dir, cli.Dir}} {
		if *p.dst, err = filepath.Abs(p.src); err != nil {
			return err
		}
	}
	b.pagegen, b.pack = filepath.Join(b.bin, "pagegen"), filepath.Join(b.bin, "corpus-pack")
	for _, prog := range []string{b.pagegen, b.pack} {
		if _, err := os.Stat(prog); err != nil {
			return fmt.Errorf("%s not found: build the tools first (make tools BIN=%s), or run make bench", prog, cli.Bin)
		}
	}
	if _, err := os.Stat(filepath.Join(b.root, "Makefile")); err != nil {
		return fmt.Errorf("no Makefile in %s: give the repository with --root", b.root)
	}
	m := readMachine(b.dir)
	m.code = codeVersion(b.root)
	if !m.simd {
		warnf("this bench binary was built without GOEXPERIMENT=simd: the in-process numbers use the portable kernels (build it with make bench)")
	}
	// Leave no pages behind, whatever happens; the synthetic corpus is kept for the next run.
	defer b.cleanPages()
	steps := []struct {
		name, what string
		fn         func() error
	}{
		{"pack", "corpus-pack", b.packCorpus},
		{"orderings", "orderings", b.orderings},
		{"pages", "whole pages", b.wholePages},
		{"memory", "memory", b.memory},
		{"throughput", "make -j2 throughput", b.throughput},
		{"publish", "the site for Neocities", b.publish},
		{"up-to-date", "make with every page up to date", b.upToDate},
	}
	progressf("synthetic corpus (load average %s)", loadAverage())
	if err := b.synthesize(); err != nil {
		return fmt.Errorf("synthetic corpus: %w", err)
	}
	if len(cli.Only) > 0 {
		m.partial = strings.Join(cli.Only, ",")
		if !slices.Contains(cli.Only, "pack") {
			if err := b.ensureCorpus(); err != nil {
				return err
			}
		}
	}
	for _, s := range steps {
		if len(cli.Only) > 0 && !slices.Contains(cli.Only, s.name) {
			continue
		}
		if b.ctx.Err() != nil {
			return exit.ErrInterrupted
		}
		progressf("%s (load average %s)", s.what, loadAverage())
		if err := s.fn(); err != nil {
			if b.ctx.Err() != nil {
				return exit.ErrInterrupted
			}
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	b.describeCorpus()
	b.extrapolate()
	m.loadEnd = loadAverage()
	m.elapsed = time.Since(b.start)
	fmt.Print(b.t.markdown(m, b.invocation()))
	return nil
}

// invocation is how this run was started, for the report.
func (b *bench) invocation() string {
	args := []string{filepath.Base(os.Args[0])}
	args = append(args, os.Args[1:]...)
	return strings.Join(args, " ")
}

// pagesDirs are the scratch directories that hold pages; they are removed
// after each measurement and at the end.
func (b *bench) pagesDirs() []string {
	return []string{b.scratch("pages"), b.scratch("raw"), b.scratch("make"), b.scratch("up-to-date")}
}

func (b *bench) scratch(name string) string { return filepath.Join(b.dir, name) }

func (b *bench) cleanPages() {
	for _, d := range b.pagesDirs() {
		os.RemoveAll(d)
	}
}

// settle removes the pages of the last measurement and flushes what the
// system still has to write, so that each timed write starts from the same
// state: no dirty pages of ours or anyone's in the page cache.
func (b *bench) settle() {
	b.cleanPages()
	unix.Sync()
}

// openCorpus maps the packed corpus for an in-process measurement.
func (b *bench) openCorpus() (*packed.Corpus, error) {
	return packed.Open(b.corpus)
}

// spread picks k indices spread evenly over 0..n-1, none repeated.
func spread(n, k int) []int {
	k = min(k, n)
	idx := make([]int, k)
	for j := range k {
		idx[j] = (2*j + 1) * n / (2 * k)
	}
	return idx
}

// command prepares a program to run: in its own process group, which an
// interrupt of the bench stops with SIGINT (make then stops its own jobs).
func (b *bench) command(name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(b.ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	return cmd
}

// runCmd runs a program to completion and returns its combined output.
func (b *bench) runCmd(cmd *exec.Cmd) (string, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s: %w\n%s", shortArgs(cmd.Args), err, lastLines(out.String(), 20))
	}
	return out.String(), nil
}

// shortArgs is a command line for a message, without the hundreds of page goals.
func shortArgs(args []string) string {
	if len(args) > 16 {
		return fmt.Sprintf("%s … (%d more arguments)", strings.Join(args[:16], " "), len(args)-16)
	}
	return strings.Join(args, " ")
}

func lastLines(s string, k int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-k):], "\n")
}

func progressf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: warning: "+format+"\n", args...)
}
