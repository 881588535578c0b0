package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"

	"pagegen/internal/atomicfile"
	"pagegen/internal/budget"
	"pagegen/internal/exit"
	"pagegen/internal/lock"
	"pagegen/internal/packed"
	"pagegen/internal/plural"
	"pagegen/internal/progress"
	"pagegen/internal/site"
)

// BuildCmd runs the inner make for some goals under supervision: one build at
// a time per corpus and site, live progress, a summary, and on Ctrl+C or
// SIGTERM a prompt stop that leaves only complete pages.
type BuildCmd struct {
	Out      string        `required:"" help:"Site directory (OUT)."`
	Make     string        `default:"make" help:"The make program."`
	Makefile string        `default:"mk/site.mk" help:"The inner makefile, which has the page rules."`
	Interval time.Duration `default:"10s" env:"PROGRESS_INTERVAL" help:"Time between progress lines when the output is not a terminal."`
	Goals    []string      `arg:"" optional:"" help:"Goals for the inner make (default all)."`
	Keep     []string      `placeholder:"DIR" help:"A folder the site must not be or hold (the inputs', the corpus's, the repository)."`
	SiteFlags
	BudgetFlags

	// laidOut is the site as the plan laid it out (its chapters chosen for
	// its budget), kept for pruning and checking it after the build.
	laidOut *laidOut
}

type laidOut struct {
	settings site.Settings
	budget   budget.Budget
}

// Run builds the goals.
func (b *BuildCmd) Run(cli *CLI, ctx context.Context) (err error) {
	if len(b.Goals) == 0 {
		b.Goals = []string{"all"}
	}
	for _, g := range b.Goals {
		if err := site.CheckGoal(g); err != nil {
			return exit.UsageError(err)
		}
	}
	if err := site.CheckOut(b.Out, b.Keep...); err != nil {
		return err
	}
	say := func(format string, args ...any) { fmt.Printf("pagegen: "+format+"\n", args...) }
	if dryRun(os.Getenv("MAKEFLAGS")) {
		return b.dryRun(cli.Corpus, say)
	}
	if opts, _, _ := strings.Cut(os.Getenv("MAKEFLAGS"), " -- "); slices.Contains(strings.Fields(opts), "-j") && b.buildsPages() {
		say("make -j with no number would start every page at once: %d at a time instead (two per core); give -jN for another number", unboundedJobs)
	}
	if wd, moved := madeElsewhere(); moved {
		say("paths are taken from %s (make -C): the site goes to %s", wd, filepath.Join(wd, b.Out))
	}
	dirs := []string{filepath.Dir(cli.Corpus), b.Out}
	defer removeIfLeftEmpty(&err, dirs...)()
	locks, err := lock.Dirs(ctx, waiting, dirs...)
	if err != nil {
		return err
	}
	defer locks.Release()
	// No other build runs here now, so temporary files are leftovers of a kill.
	if err := sweep(cli.Corpus, b.Out); err != nil {
		return err
	}
	pages := b.buildsPages()
	if pages {
		n, err := site.BeginBuild(b.Out)
		if err != nil {
			return err
		}
		if n > 0 {
			say("the last build here did not end cleanly (a power cut? kill -9?): the %s it wrote will be written again, in case they did not reach the disk whole", plural.Of(n, "page"))
		}
	}

	tty := isatty.IsTerminal(os.Stdout.Fd())
	m := &progress.Monitor{Out: os.Stdout, TTY: tty, Width: termWidth(), Interval: b.Interval, Plan: b.plan(cli.Corpus)}
	stats, err := m.Watch(func(socket string, out io.Writer) error {
		return b.runMake(ctx, socket, out, locks)
	})
	// The inner make has ended and the locks are still held: temporary files
	// now are leftovers of a page or corpus process killed mid-write.
	sweep(cli.Corpus, b.Out)
	// Every page written is whole: make them safe on the disk, once.
	if pages {
		if err := site.EndBuild(b.Out); err != nil && ctx.Err() == nil {
			return err
		}
	}
	if ctx.Err() != nil {
		say("interrupted: %s built, each complete; %d were up to date. Run the same make again to build the rest.", plural.Of(stats.Built, "page"), stats.UpToDate)
		return exit.ErrInterrupted
	}
	// A make that failed before any page (the corpus, say) has said why.
	if stats.Built+stats.Failed > 0 || stats.Total > 0 && err == nil {
		say("%s", stats.Summary())
	}
	var failed *exec.ExitError
	if errors.As(err, &failed) {
		return fmt.Errorf("the build failed (see above)")
	}
	if err != nil {
		return err
	}
	if !slices.Contains(b.Goals, "all") {
		return nil // the settings of a partial build may not be the site's
	}
	return b.prune(cli.Corpus, stats.Built > 0, say)
}

// waiting says that a folder is in use by another build (or a clean), and
// by whom.
func waiting(dir, holder string) {
	fmt.Printf("pagegen: %s is in use by %s: waiting for it to finish (Ctrl+C to give up)\n", dir, cmp.Or(holder, "another build"))
}

// madeElsewhere reports whether make runs in another folder than the shell
// that started it (make -C), where the relative paths of the settings are
// taken from: wd.
func madeElsewhere() (wd string, moved bool) {
	wd, err := os.Getwd()
	if err != nil || os.Getenv("PWD") == "" {
		return wd, false
	}
	here, err1 := os.Stat(".")
	shell, err2 := os.Stat(os.Getenv("PWD"))
	return wd, err1 == nil && err2 == nil && !os.SameFile(here, shell)
}

// removeIfLeftEmpty removes, when the build failed, those of dirs that did
// not exist before it and that it left empty.
func removeIfLeftEmpty(err *error, dirs ...string) func() {
	var created []string
	for _, d := range dirs {
		if _, serr := os.Stat(d); errors.Is(serr, os.ErrNotExist) {
			created = append(created, d)
		}
	}
	return func() {
		if *err != nil {
			for _, d := range created {
				os.Remove(d) // only if empty
			}
		}
	}
}

// buildsPages reports whether the goals write pages (not make corpus or make size).
func (b *BuildCmd) buildsPages() bool {
	return slices.ContainsFunc(b.Goals, func(g string) bool { return g != "corpus" && g != "size" })
}

// prune takes off the site the files its layout no longer has: pages of
// poems taken out of the collection, chapters no longer kept. When the build
// wrote pages, it also checks the site as built against its budget.
func (b *BuildCmd) prune(corpus string, built bool, say func(string, ...any)) error {
	if b.laidOut == nil {
		return nil // no plan: the build made no site (make corpus)
	}
	return withCorpus(corpus, func(c *packed.Corpus) error {
		l, err := site.New(c, b.laidOut.settings)
		if err != nil {
			return err
		}
		n, err := l.Prune(b.Out)
		if n > 0 {
			say("removed %s the site no longer has (poems taken out, or chapters no longer kept)", plural.Of(n, "page"))
		}
		if err != nil || !built || !b.laidOut.budget.Limited() {
			return err
		}
		// The fit estimates what only the walks know: check the site as built.
		if over := b.laidOut.budget.Over(l.Measure(b.Out)); len(over) > 0 {
			fix := fmt.Sprintf("build it with fewer chapters, e.g. make all PER_PAGE=%d CHAPTERS=%d", l.PerPage(), l.Kept()-1)
			if l.Kept() <= 1 {
				fix = fmt.Sprintf("build it with shorter chapters, e.g. make all PER_PAGE=%d", max(1, l.PerPage()/2))
			}
			return fmt.Errorf("the site in %s does not fit %s as built: %s; %s with the same budget (make size shows the plan)",
				b.Out, b.laidOut.budget, strings.Join(over, " and "), fix)
		}
		return nil
	})
}

// plan reads the site's layout and which of its files are stale, once the
// corpus exists.
func (b *BuildCmd) plan(corpus string) progress.Plan {
	return func() (total int, set map[string]int, err error) {
		err = withCorpus(corpus, func(c *packed.Corpus) error {
			p, err := fit(c, b.SiteFlags, b.BudgetFlags, b.Out)
			if err != nil {
				return err
			}
			b.laidOut = &laidOut{settings: p.Resolved(), budget: p.Budget}
			seqs, err := p.Select(b.Goals)
			if err != nil {
				return err
			}
			stale, err := p.Outdated(seqs, b.Out)
			total, set = p.FileCount(seqs), make(map[string]int, len(stale))
			for _, q := range stale {
				set[q.String()] = p.Chapters(q)
			}
			return err
		})
		return total, set, err
	}
}

// dryRun reports whether make runs with -n (just print): its flag letters
// come first in MAKEFLAGS.
func dryRun(makeflags string) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(makeflags), " ")
	return !strings.HasPrefix(first, "-") && strings.Contains(first, "n")
}

// dryRun says what a build would do and writes nothing: under -n make would
// still pack the corpus, to read the page list from it.
func (b *BuildCmd) dryRun(corpus string, say func(string, ...any)) error {
	total, stale, err := b.plan(corpus)()
	if err != nil {
		say("make -n: the corpus would be packed first (%s), then its pages built", corpus)
		return nil
	}
	say("make -n: %d of %s would be built (the packed corpus as it is now; packing may change that)", len(stale), plural.Of(total, "page"))
	return nil
}

// runMake runs the inner make with the outer one's job count and flags,
// stopping it with SIGTERM (which make passes on to its jobs) when ctx ends.
// The inner make and its jobs inherit the locks, so that they stay held
// until the last of them ends, even if this process is killed.
func (b *BuildCmd) runMake(ctx context.Context, socket string, out io.Writer, locks lock.Locks) error {
	flags, jobs := makeFlags(os.Getenv("MAKEFLAGS"))
	args := []string{"-f", b.Makefile, "--no-print-directory"}
	if jobs != "" {
		args = append(args, jobs)
	}
	cmd := exec.Command(b.Make, append(args, b.Goals...)...)
	cmd.Env = append(os.Environ(), "MAKEFLAGS="+flags, progress.EnvSocket+"="+socket)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = locks
	// A job that outlives make must not keep the output pipe, and so this wait, open.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", b.Make, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		return err
	case <-ctx.Done():
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-waited:
		return err
	case <-time.After(time.Second):
		cmd.Process.Kill()
		return <-waited
	}
}

// unboundedJobs is what make -j with no number runs at once: not every page
// of the site (thousands of processes and their memory), but two per core.
var unboundedJobs = 2 * runtime.NumCPU()

// makeFlags splits the outer make's MAKEFLAGS into the flags to pass on and
// its -j option: the outer jobserver's pipes do not survive this process, so
// the inner make gets its own -jN (-j with no number: unboundedJobs).
func makeFlags(mf string) (flags, jobs string) {
	opts, vars, hasVars := strings.Cut(mf, " -- ")
	var keep []string
	for _, f := range strings.Fields(opts) {
		switch {
		case f == "-j":
			jobs = fmt.Sprintf("-j%d", unboundedJobs)
		case strings.HasPrefix(f, "-j"):
			jobs = f
		case strings.HasPrefix(f, "--jobserver"):
		default:
			keep = append(keep, f)
		}
	}
	flags = strings.Join(keep, " ")
	if hasVars {
		flags += " -- " + vars
	}
	return flags, jobs
}

// sweep removes temporary files left by killed writers.
func sweep(corpus, out string) error {
	dirs := []string{filepath.Dir(corpus)}
	for _, d := range site.Dirs {
		dirs = append(dirs, filepath.Join(out, d))
	}
	for _, dir := range dirs {
		if _, err := atomicfile.Sweep(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func termWidth() int {
	ws, err := unix.IoctlGetWinsize(int(os.Stdout.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 100
	}
	return int(ws.Col)
}
