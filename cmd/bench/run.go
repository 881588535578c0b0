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
	"pagegen/internal/synth"
)

// bench is one run: where everything is, and the table it fills. It works in
// the repository, and its paths are relative to it, so that nothing it
// prints names this machine's folders.
type bench struct {
	ctx context.Context
	cli *CLI

	dir           string // the scratch directory
	inputs        string // the synthetic poems.json, embeddings.json, color_embeddings.json
	corpus        string // the packed corpus, beside them
	pagegen, pack string // the programs
	bare          string // a Go program that does nothing, built as the tools are

	t *table
}

// The synthetic collection, as the Go benchmarks of internal/site make theirs.
var synthOptions = synth.Options{TextBytes: 1100, Clusters: 40, Seed: 1}

// measure takes the measurements cli asks for and prints their table.
func measure(ctx context.Context, cli *CLI) error {
	if cli.Poems < 2 || cli.Dim < 1 || cli.Pages < 1 || cli.DifferentPages < 1 || cli.Samples < 1 || cli.Runs < 1 || cli.Rounds < 1 {
		return fmt.Errorf("--poems must be at least 2, and --dim, --pages, --different-pages, --rounds, --samples and --runs at least 1")
	}
	root, err := filepath.Abs(cli.Root)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		return fmt.Errorf("no Makefile in %s: give the repository with --root", cli.Root)
	}
	rel := func(p string) string {
		abs, _ := filepath.Abs(p)
		if r, err := filepath.Rel(root, abs); err == nil {
			return r
		}
		return abs
	}
	b := &bench{ctx: ctx, cli: cli, dir: rel(cli.Dir), t: &table{}}
	bin := rel(cli.Bin)
	if err := os.Chdir(root); err != nil {
		return err
	}
	b.pagegen, b.pack = filepath.Join(bin, "pagegen"), filepath.Join(bin, "corpus-pack")
	for _, prog := range []string{b.pagegen, b.pack} {
		if _, err := os.Stat(prog); err != nil {
			return fmt.Errorf("%s not found: build the tools first (make tools BIN=%s), or run make bench", prog, bin)
		}
	}
	defer b.cleanPages() // the synthetic corpus is kept for the next run
	if err := b.synthesize(); err != nil {
		return b.failed("synthetic corpus", err)
	}
	m := readMachine(b.dir)
	if b.bare, err = b.bareProgram(); err != nil {
		return b.failed("a bare Go program", err)
	}
	wanted := func(name string) bool { return len(cli.Only) == 0 || slices.Contains(cli.Only, name) }
	if len(cli.Only) > 0 {
		m.partial = strings.Join(cli.Only, ",")
	}
	if wanted("pack") {
		progressf("corpus-pack (load average %s)", loadAverage())
		err = b.packCorpus()
	} else {
		err = b.run(b.packCmd()) // untimed, for the rest
	}
	if err != nil {
		return b.failed("corpus-pack", err)
	}
	steps := []struct {
		name, what string
		fn         func(c *corpus.Corpus) error
	}{
		{"pages", "one page, one process", b.pages},
		{"throughput", "make -j2 against raw writes", b.throughput},
		{"up-to-date", "make with every page up to date", b.upToDate},
		{"neocities", "the site for Neocities and the everyday loop", b.neocities},
	}
	for _, s := range steps {
		if !wanted(s.name) {
			continue
		}
		progressf("%s (load average %s)", s.what, loadAverage())
		if err := b.step(s.fn); err != nil {
			return b.failed(s.what, err)
		}
	}
	fmt.Print(b.t.markdown(m.finish(b)))
	return nil
}

// failed is the error of a measurement, or the interrupt that stopped it.
func (b *bench) failed(what string, err error) error {
	if b.ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	return fmt.Errorf("%s: %w", what, err)
}

// step runs one measurement with the corpus mapped and every byte of it read
// in, as the other page processes of a build keep it.
func (b *bench) step(fn func(c *corpus.Corpus) error) error {
	if b.ctx.Err() != nil {
		return b.ctx.Err()
	}
	b.settle()
	c, err := corpus.Open(b.corpus)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Verify(); err != nil {
		return err
	}
	return fn(c)
}

// synthesize writes the synthetic inputs, unless a previous run left them
// with the same settings.
func (b *bench) synthesize() error {
	opt := synthOptions
	opt.Poems, opt.Dim = b.cli.Poems, b.cli.Dim
	b.inputs = filepath.Join(b.dir, "corpus")
	b.corpus = filepath.Join(b.inputs, "corpus.bin")
	stamp := filepath.Join(b.inputs, "synth.done")
	want := fmt.Sprintf("synth %d %+v\n", synth.Version, opt)
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		progressf("reusing the synthetic corpus in %s", b.inputs)
		return nil
	}
	os.RemoveAll(b.inputs)
	progressf("writing the synthetic corpus to %s", b.inputs)
	if err := synth.Write(b.inputs, opt); err != nil {
		return err
	}
	return os.WriteFile(stamp, []byte(want), 0o644)
}

// inputsIn are the poems, embeddings and colours in dir.
func inputsIn(dir string) []string {
	return []string{filepath.Join(dir, "poems.json"), filepath.Join(dir, "embeddings.json"), filepath.Join(dir, "color_embeddings.json")}
}

func (b *bench) scratch(name string) string { return filepath.Join(b.dir, name) }

// cleanPages removes the scratch folders that hold pages.
func (b *bench) cleanPages() {
	for _, d := range []string{"pages", "raw", "make", "up-to-date", "everyday"} {
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

// command prepares a program to run in its own process group, which an
// interrupt of the bench stops with SIGINT (make then stops its own jobs).
func (b *bench) command(name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(b.ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	return cmd
}

// output runs a program to completion and returns what it said.
func (b *bench) output(cmd *exec.Cmd) (string, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w\n%s", shortArgs(cmd.Args), err, lastLines(out.String(), 20))
	}
	return out.String(), nil
}

func (b *bench) run(cmd *exec.Cmd) error {
	_, err := b.output(cmd)
	return err
}

// timed runs a program and times it from fork to exit.
func (b *bench) timed(cmd *exec.Cmd) (time.Duration, string, error) {
	start := time.Now()
	out, err := b.output(cmd)
	return time.Since(start), out, err
}

// times runs fn k times and returns how long each took.
func times(k int, fn func(i int) error) ([]time.Duration, error) {
	ds := make([]time.Duration, 0, k)
	for i := range k {
		start := time.Now()
		if err := fn(i); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
	}
	return ds, nil
}

// packCmd is corpus-pack with the arguments make gives it, so that make
// finds the corpus it packs up to date.
func (b *bench) packCmd() *exec.Cmd {
	in := inputsIn(b.inputs)
	return b.command(b.pack, "--poems", in[0], "--embeddings", in[1], "--colors", in[2], "-o", b.corpus)
}

// make is make in the repository, in an environment without what an
// enclosing make (make bench) passes down, so that it runs as if from a
// shell, with only the -j the bench gives it.
func (b *bench) make(args ...string) *exec.Cmd {
	cmd := b.command("make", append([]string{"--no-print-directory"}, args...)...)
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKEFILES", "MAKE_TERMOUT", "MAKE_TERMERR":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// makeCmd is make with the inputs in the folder inputs and the bench's
// corpus, writing pages into out: the Makefile's public variables, then
// args (-j2, settings and goals).
func (b *bench) makeCmd(inputs, out string, args ...string) *exec.Cmd {
	in := inputsIn(inputs)
	return b.make(append([]string{"BIN=" + filepath.Dir(b.pagegen),
		"POEMS=" + in[0], "EMBEDDINGS=" + in[1], "COLOR_EMBEDDINGS=" + in[2], "CORPUS=" + b.corpus, "OUT=" + out}, args...)...)
}

// checkRebuild notes in the table when make rebuilt the tools during a timed
// run: a Go source changed meanwhile, and the time includes go build.
func (b *bench) checkRebuild(said, what string) {
	if strings.Contains(said, "go build") {
		b.t.note("The timed %s includes rebuilding the tools: a Go source changed during the run. Run the bench again for a clean number.", what)
	}
}

// bareProgram builds a Go program that does nothing, as the tools are built
// (mk/tools.mk), into the scratch folder: the floor under every process.
func (b *bench) bareProgram() (string, error) {
	src, err := filepath.Abs(b.scratch("bare"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	for name, text := range map[string]string{"main.go": "package main\n\nfunc main() {}\n", "go.mod": "module bare\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	cmd := b.command(b.cli.Go, "build", "-buildvcs=false", "-ldflags=-s -w", "-o", "bare", ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return filepath.Join(src, "bare"), b.run(cmd)
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
