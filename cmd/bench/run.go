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

	"pagegen/internal/corpus"
	"pagegen/internal/exit"
	"pagegen/internal/render"
	"pagegen/internal/site"
)

// bench is one benchmark run: where everything is, and the table it fills.
// It works in the repository, and its paths are relative to it, so that
// nothing it prints names this machine's folders.
type bench struct {
	ctx context.Context
	cli *CLI

	bin, dir      string // the programs, the scratch directory
	inputs        string // the synthetic poems.json, embeddings.json, color_embeddings.json
	corpus        string // the packed corpus
	pagegen, pack string // the programs

	t     *table
	start time.Time
	rates map[render.Kind]siteRate // make -j2 throughput, for the extrapolation
}

var kinds = []render.Kind{render.Similar, render.Different}

func run(ctx context.Context, cli *CLI) error {
	if cli.Poems < 2 || cli.Dim < 1 || cli.Pages < 1 || cli.DifferentPages < 1 || cli.Samples < 1 || cli.Runs < 1 || cli.Rounds < 1 {
		return fmt.Errorf("--poems must be at least 2, and --dim, --pages, --different-pages, --rounds, --samples and --runs at least 1")
	}
	b := &bench{ctx: ctx, cli: cli, t: &table{}, start: time.Now()}
	root, err := filepath.Abs(cli.Root)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		return fmt.Errorf("no Makefile in %s: give the repository with --root", cli.Root)
	}
	for _, p := range []struct {
		dst *string
		src string
	}{{&b.bin, cli.Bin}, {&b.dir, cli.Dir}} {
		abs, err := filepath.Abs(p.src)
		if err == nil {
			*p.dst, err = filepath.Rel(root, abs)
		}
		if err != nil {
			return err
		}
	}
	if err := os.Chdir(root); err != nil {
		return err
	}
	b.pagegen, b.pack = filepath.Join(b.bin, "pagegen"), filepath.Join(b.bin, "corpus-pack")
	for _, prog := range []string{b.pagegen, b.pack} {
		if _, err := os.Stat(prog); err != nil {
			return fmt.Errorf("%s not found: build the tools first (make tools BIN=%s), or run make bench", prog, b.bin)
		}
	}
	m := readMachine(b.dir)
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
		{"orderings", "orderings (go test -bench)", b.orderings},
		{"pages", "whole pages", b.pages},
		{"overhead", "what a page process adds", b.overhead},
		{"memory", "memory", b.memory},
		{"throughput", "make -j2 throughput", b.throughput},
		{"publish", "the site for Neocities", b.publish},
		{"up-to-date", "make with pages up to date", b.upToDate},
		{"deploy", "make deploy's plan and upload (go test -bench)", b.deploy},
	}
	progressf("synthetic corpus (load average %s)", loadAverage())
	if err := b.synthesize(); err != nil {
		return fmt.Errorf("synthetic corpus: %w", err)
	}
	if len(cli.Only) > 0 {
		m.partial = strings.Join(cli.Only, ",")
		if !slices.Contains(cli.Only, "pack") {
			if _, err := b.runCmd(b.packCmd()); err != nil {
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
	return strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " ")
}

func (b *bench) scratch(name string) string { return filepath.Join(b.dir, name) }

// cleanPages removes the scratch directories that hold pages: after each
// measurement and at the end.
func (b *bench) cleanPages() {
	for _, d := range []string{"pages", "raw", "make", "up-to-date"} {
		os.RemoveAll(b.scratch(d))
	}
}

// settle removes the pages of the last measurement and flushes what the
// system still has to write, so that each timed write starts from the same
// state: no dirty pages of ours or anyone's in the page cache.
func (b *bench) settle() {
	b.cleanPages()
	unix.Sync()
}

// openCorpus maps the packed corpus for the layout of the site, or for
// Layout.Write in process.
func (b *bench) openCorpus() (*corpus.Corpus, error) {
	return corpus.Open(b.corpus)
}

// whole is the plan of whole-collection pages (make's, with no settings).
func whole(c *corpus.Corpus) site.Plan {
	p, _ := site.FitRequest(c, site.Request{}) // no settings: cannot fail
	return p
}

// seqOf is the sequence of kind k anchored at poem number n.
func seqOf(k render.Kind, n int) site.Seq { return site.Seq{Kind: site.Kind(k), N: n} }

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
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w\n%s", shortArgs(cmd.Args), err, lastLines(out.String(), 20))
	}
	return out.String(), nil
}

// timed runs a command and times it from fork to exit.
func (b *bench) timed(cmd *exec.Cmd) (time.Duration, string, error) {
	start := time.Now()
	out, err := b.runCmd(cmd)
	return time.Since(start), out, err
}

// makeEnv is the environment for make: this process's, without what an
// enclosing make (make bench) passes down to its sub-makes, so that the make
// started here runs as if from a shell, with only the -j the bench gives it.
func makeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKEFILES", "MAKE_TERMOUT", "MAKE_TERMERR":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// makeCmd is make in the repository with the bench's corpus, writing pages
// into out: only the Makefile's public variables, then args (-j2, settings
// and goals).
func (b *bench) makeCmd(out string, args ...string) *exec.Cmd {
	return b.makeIn(b.inputs, out, args...)
}

// makeIn is makeCmd with the inputs in the folder inputs.
func (b *bench) makeIn(inputs, out string, args ...string) *exec.Cmd {
	in := inputsIn(inputs)
	cmd := b.command("make", append([]string{"--no-print-directory", "BIN=" + b.bin,
		"POEMS=" + in[0], "EMBEDDINGS=" + in[1], "COLOR_EMBEDDINGS=" + in[2], "CORPUS=" + b.corpus, "OUT=" + out}, args...)...)
	cmd.Env = makeEnv()
	return cmd
}

// checkRebuild notes in the table when make rebuilt the tools during a timed
// run: someone changed a Go source meanwhile, and the time includes go build.
func (b *bench) checkRebuild(said, what string) {
	if strings.Contains(said, "go build") {
		warnf("make rebuilt the tools during the timed %s (a Go source changed meanwhile)", what)
		b.t.note("The timed %s includes rebuilding the tools: a Go source changed during the run. Run the bench again for a clean number.", what)
	}
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
