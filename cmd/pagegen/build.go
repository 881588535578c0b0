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
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"pagegen/internal/amount"
	"pagegen/internal/atomicfile"
	"pagegen/internal/corpus"
	"pagegen/internal/exit"
	"pagegen/internal/lock"
	"pagegen/internal/progress"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// BuildCmd is every build goal of make: one build at a time per corpus and
// site, the corpus packed if need be, the site laid out within its budget
// once, and then, if any page is stale, the inner make (mk/site.mk) writing
// them, one pagegen per sequence, with live progress, a summary, and on
// Ctrl+C or SIGTERM a prompt stop that leaves only complete pages.
type BuildCmd struct {
	Out          string        `required:"" help:"Site directory (OUT)."`
	Goals        []string      `arg:"" optional:"" help:"make's goals (default all)."`
	Keep         []string      `placeholder:"DIR" help:"A folder the site must not be or hold (the repository); the inputs' and the corpus's are never."`
	Poems        string        `required:"" help:"Poems file (POEMS)."`
	Embeddings   string        `required:"" help:"Embeddings file (EMBEDDINGS)."`
	Colors       string        `help:"Colour-word embeddings (COLOR_EMBEDDINGS); empty for none."`
	AllowMissing bool          `help:"Leave out poems without an embedding (ALLOW_MISSING=1)."`
	CorpusPack   string        `default:"bin/corpus-pack" help:"The corpus-pack program."`
	Pagegen      string        `default:"bin/pagegen" help:"The pagegen program the inner make runs for the pages (PAGEGEN)."`
	PagesMK      string        `name:"pages-mk" required:"" help:"The make fragment that lists the site's files (PAGES_MK), written for the inner make."`
	SpaceCheck   bool          `default:"true" negatable:"" help:"Refuse to start when the pages to build will not fit on the disk (SPACE_CHECK=0 turns it off)."`
	Make         string        `default:"make" help:"The make program."`
	Makefile     string        `default:"mk/site.mk" help:"The inner makefile, which has the page rules."`
	Interval     time.Duration `default:"10s" env:"PROGRESS_INTERVAL" help:"Time between progress lines when the output is not a terminal."`
	SiteFlags
	BudgetFlags

	always bool // make -B
}

// say prints a line of the build's own.
func say(format string, args ...any) { fmt.Printf("pagegen: "+format+"\n", args...) }

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
	if slices.Contains(b.Goals, "size") && len(b.pageGoals()) > 0 {
		return exit.UsageError(fmt.Errorf("make size shows the plan and builds nothing: run it apart from %s (make size, then make %s)", strings.Join(b.pageGoals(), " "), strings.Join(b.pageGoals(), " ")))
	}
	if err := progress.CheckInterval(b.Interval); err != nil {
		return exit.UsageError(err)
	}
	letters := makeLetters(os.Getenv("MAKEFLAGS"))
	dryRun := strings.Contains(letters, "n")
	// make -B: everything is made again, the corpus packed and every page
	// of the goals written (those that come out the same keep their bytes).
	b.always = strings.Contains(letters, "B")
	switch {
	case !dryRun && strings.Contains(letters, "t"):
		return exit.UsageError(errors.New("make -t would take the pages for built without writing them, and pagegen's build does not do that: run make to build them (make -n says how many it would)"))
	case !dryRun && strings.Contains(letters, "q"):
		return exit.UsageError(errors.New("make -q cannot ask pagegen's build whether the pages are up to date: make -n says how many would be built"))
	}
	if err := b.checkPaths(cli.Corpus); err != nil {
		return err
	}
	job := b.job(cli.Corpus)
	if dryRun {
		return b.dryRun(ctx, job)
	}
	if opts, _, _ := strings.Cut(os.Getenv("MAKEFLAGS"), " -- "); slices.Contains(strings.Fields(opts), "-j") && len(b.pageGoals()) > 0 {
		say("make -j with no number would start every page at once: %d at a time instead (two per core); give -jN for another number", unboundedJobs)
	}
	paths := []string{b.Out, b.Poems, b.Embeddings, b.Colors, cli.Corpus}
	if wd, moved := madeElsewhere(); moved && slices.ContainsFunc(paths, func(p string) bool { return p != "" && !filepath.IsAbs(p) }) {
		out := b.Out
		if !filepath.IsAbs(out) {
			out = filepath.Join(wd, out)
		}
		say("relative paths are taken from %s (make -C): the site goes to %s", wd, out)
	}
	dirs := []string{filepath.Dir(cli.Corpus)}
	// make corpus and make size write nothing in the site: its folder is
	// neither made nor locked for them (unless it is a site, whose stamp
	// make size reads).
	if len(b.pageGoals()) > 0 || site.IsSite(b.Out) {
		dirs = append(dirs, b.Out)
	}
	made := missing(dirs...)
	locks, err := lock.Dirs(ctx, waiting, dirs...)
	if err != nil {
		removeMade(made)
		return err
	}
	defer func() {
		// A build that failed leaves no folder or lock of its own behind
		// where it wrote nothing.
		if err != nil {
			locks.RemoveIfAlone()
		}
		locks.Release()
		if err != nil {
			removeMade(made)
		}
	}()
	// While this build waited, another may have changed the site (make
	// clean removed it, another user made its folder): now that no other
	// build runs here, check again what was checked before.
	if err := b.checkPaths(cli.Corpus); err != nil {
		return err
	}
	if err := b.remakePrograms(ctx); err != nil {
		return err
	}
	// No other build runs here now, so temporary files are leftovers of a
	// kill: beside the corpus (a corpus-pack's is as large as the corpus),
	// and, on a whole build, which also prunes, in the site's folders. Those
	// hold thousands of pages, too many to read for make similar/N.html; a
	// leftover there is a hidden file that nothing takes for a page.
	if err := sweep(cli.Corpus, b.Out, slices.Contains(b.Goals, "all")); err != nil {
		return err
	}
	if err := b.pack(ctx, job); err != nil {
		return err
	}
	if len(b.pageGoals()) == 0 && !slices.Contains(b.Goals, "size") {
		return nil // make corpus
	}
	return withCorpus(cli.Corpus, func(c *corpus.Corpus) error {
		p, err := fit(c, b.SiteFlags, b.BudgetFlags, b.Out)
		if err != nil {
			return err
		}
		if slices.Contains(b.Goals, "size") {
			return b.sizeReport(ctx, p)
		}
		return b.build(ctx, p, locks)
	})
}

// job is the packing of the corpus from the build's inputs.
func (b *BuildCmd) job(path string) corpus.Job {
	return corpus.Job{Packer: b.CorpusPack, Poems: b.Poems, Embeddings: b.Embeddings, Colors: b.Colors,
		AllowMissing: b.AllowMissing, Corpus: path}
}

// pageGoals are the goals that name pages (all of them for all), for the inner make.
func (b *BuildCmd) pageGoals() []string {
	return slices.DeleteFunc(slices.Clone(b.Goals), func(g string) bool { return g == "corpus" || g == "size" })
}

// pack runs corpus-pack unless the corpus's record says that nothing it is
// made from changed: then not even corpus-pack is started.
func (b *BuildCmd) pack(ctx context.Context, job corpus.Job) error {
	if !b.always && job.UpToDate() {
		if msg := job.UpToDateMessage(); slices.Contains(b.Goals, "corpus") || strings.Contains(msg, "\n") {
			fmt.Println(msg)
		}
		return nil
	}
	args := []string{"--poems", job.Poems, "--embeddings", job.Embeddings, "--colors", job.Colors, "-o", job.Corpus}
	if job.AllowMissing {
		args = append(args, "--allow-missing")
	}
	if job.Previous != "" {
		args = append(args, "--previous", job.Previous)
	}
	cmd := exec.CommandContext(ctx, job.Packer, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	var failed *exec.ExitError
	if errors.As(err, &failed) {
		return errors.New("the corpus was not packed (see above)")
	}
	if err != nil {
		return fmt.Errorf("running %s: %w (make builds it: run make, not pagegen build)", job.Packer, err)
	}
	return nil
}

// build writes the stale pages of the goals with the inner make, prunes
// what the site no longer has after a whole build, and checks the site as
// built against its budget. Which pages are stale is the site's decision
// (site.Plan.Decide): after an edit of the inputs, only the orderings it
// changes run.
func (b *BuildCmd) build(ctx context.Context, p site.Plan, locks lock.Locks) error {
	start := time.Now()
	if n, err := site.Recover(b.Out); err != nil {
		return err
	} else if n > 0 {
		say("the last build here did not end cleanly (a power cut? a crash?): the %s it wrote will be written again, in case they did not reach the disk whole", amount.Of(n, "page"))
	}
	seqs, d, err := b.decide(ctx, p, orderings.Path(p.Corpus().Path()))
	if err != nil {
		return err
	}
	if b.always { // make -B: the inner make, given -B too, writes them all
		d.Run, d.Skipped = seqs, 0
	}
	_, jobs := makeFlags(os.Getenv("MAKEFLAGS"))
	if b.SpaceCheck && len(d.Run) > 0 {
		if err := diskCheck(p, d.Run, b.Out, jobCount(jobs)); err != nil {
			return err
		}
	}
	// Nothing is written before here: a refused build changes nothing.
	if err := b.restamp(p); err != nil {
		return err
	}
	if err := b.layOut(ctx, d); err != nil {
		return err
	}
	if err := d.Commit(b.Out, orderings.Path(p.Corpus().Path())); err != nil {
		return err
	}
	whole := slices.Contains(b.Goals, "all")
	stats := progress.Stats{Total: p.FileCount(seqs), UpToDate: p.FileCount(seqs) - p.FileCount(d.Run)}
	if len(d.Run) > 0 {
		if stats, err = b.runPages(ctx, p, d, seqs, locks); ctx.Err() != nil {
			say("interrupted: %s built, each complete; %d were up to date. Run the same make again to build the rest.", amount.Of(stats.Built, "page"), stats.UpToDate)
			return exit.ErrInterrupted
		}
	}
	stats.Orderings, stats.Skipped, stats.Elapsed = d.Orderings, d.Skipped, time.Since(start)
	var failed *exec.ExitError
	switch {
	case errors.As(err, &failed):
		say("%s", stats.Summary())
		return fmt.Errorf("the build failed (see above)")
	case err != nil:
		return err
	case !whole: // the settings of a partial build may not be the site's
		say("%s", stats.Summary())
		return nil
	}
	stats.Removed, err = p.Prune(b.Out)
	say("%s", stats.Summary())
	if err != nil || len(d.Run) == 0 {
		return err
	}
	return b.checkBudget(p)
}

// decide is the site's decision for the goals' sequences seqs, said: why
// every ordering runs, when it does, and what changed in the collection.
func (b *BuildCmd) decide(ctx context.Context, p site.Plan, record string) (seqs []site.Seq, d site.Decision, err error) {
	if seqs, err = p.Select(b.pageGoals()); err != nil {
		return nil, d, exit.UsageError(err)
	}
	d, err = p.Decide(ctx, b.Out, record, seqs)
	if ctx.Err() != nil {
		return nil, d, exit.ErrInterrupted
	}
	if err != nil {
		return nil, d, err
	}
	if e := d.Edit; e != (site.Edit{}) {
		var what []string
		for _, c := range []struct {
			n    int
			what string
		}{{e.Added, "new"}, {e.Removed, "taken out"}, {e.Moved, "with a new embedding"}, {e.Reshown, "with a new text, date or colour"}} {
			if c.n > 0 {
				what = append(what, amount.Of(c.n, "poem")+" "+c.what)
			}
		}
		say("since the last build: %s", strings.Join(what, ", "))
	}
	// On a new site every ordering runs anyway: the reason is news only to
	// a site built before.
	if _, _, built := site.LastBuilt(b.Out); d.Why != "" && d.Orderings > 0 && built {
		say("%s: every ordering of the goals is run", d.Why)
	}
	return seqs, d, nil
}

// layOut lays out the orderings the build runs that the record lacks,
// showing how far it got.
func (b *BuildCmd) layOut(ctx context.Context, d site.Decision) error {
	var done, total atomic.Int64
	start := time.Now()
	stop := progress.Line(os.Stdout, isatty.IsTerminal(os.Stdout.Fd()), progress.TermWidth(), b.Interval, "pagegen: ", func() (string, float64) {
		n, all := done.Load(), total.Load()
		return fmt.Sprintf("laying out the orderings: %s of %s", amount.Count(int(n)), amount.Count(int(all))), float64(n) / float64(max(all, 1))
	})
	err := d.LayOut(ctx, func(n, all int) { done.Store(int64(n)); total.Store(int64(all)) })
	stop()
	if ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	if n := done.Load(); n > 0 && err == nil {
		say("laid out %s in %s", amount.Of(int(n), "ordering"), time.Since(start).Round(10*time.Millisecond))
	}
	return err
}

// restamp writes the site's stamp when the plan says something new, and
// says so when the chapters kept change.
func (b *BuildCmd) restamp(p site.Plan) error {
	_, kept, had := site.LastBuilt(b.Out)
	restamped, err := p.Restamp(b.Out)
	if err != nil || !restamped || p.Why == "" {
		return err
	}
	if had && kept != 0 && kept != p.Kept() {
		say("the site now keeps %d chapters of each ordering, not %d: %s", p.Kept(), kept, p.Why)
	} else {
		say("%s", p.Why)
	}
	return nil
}

// runPages runs the inner make for the sequences d runs, with progress,
// and counts what it wrote.
func (b *BuildCmd) runPages(ctx context.Context, p site.Plan, d site.Decision, seqs []site.Seq, locks lock.Locks) (progress.Stats, error) {
	if err := site.BeginBuild(b.Out); err != nil {
		return progress.Stats{}, err
	}
	if err := writePagesMK(p, d, b.PagesMK); err != nil {
		return progress.Stats{}, err
	}
	m := &progress.Monitor{Out: os.Stdout, TTY: isatty.IsTerminal(os.Stdout.Fd()), Width: progress.TermWidth(), Interval: b.Interval,
		Total: p.FileCount(seqs), Stale: make(map[string]int, len(d.Run)), Drop: makeNoise()}
	for _, q := range d.Run {
		m.Stale[q.String()] = p.Chapters(q)
	}
	stats, err := m.Watch(func(page *os.File, out io.Writer) error {
		return b.runMake(ctx, page, out, locks)
	})
	// The inner make has ended and the locks are still held: temporary files
	// now are leftovers of a page process killed mid-write.
	if err != nil || ctx.Err() != nil {
		sweep(p.Corpus().Path(), b.Out, true)
	}
	// Every page written is whole: make them safe on the disk, once. Not on
	// Ctrl+C, which asks to stop now: the record stays, as after a small
	// build, and the next build that ends syncs them.
	if ctx.Err() == nil {
		if serr := site.EndBuild(b.Out, p.FileCount(d.Run)); serr != nil && err == nil {
			err = serr
		}
	}
	// What was built is what is no longer stale (progress events are best effort).
	stats.Built = p.FileCount(d.Run) - p.FileCount(d.Left(b.Out))
	stats.Same = min(stats.Same, stats.Built)
	return stats, err
}

// writePagesMK writes the make fragment of the stale sequences for the inner
// make, only when it changes, and never over a file that is not one.
func writePagesMK(p site.Plan, d site.Decision, path string) error {
	if err := checkPagesMK(path); err != nil {
		return err
	}
	var mk strings.Builder
	if err := p.Makefile(&mk, d.Run, d.Chapters); err != nil {
		return err
	}
	_, err := atomicfile.Update(path, [][]byte{[]byte(mk.String())})
	return err
}

// checkPagesMK refuses a file at path that is not a make fragment of the build's.
func checkPagesMK(path string) error {
	if err := atomicfile.CheckOurs(path, []byte(site.MakefileMark)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (the site's make fragment goes beside it)", err)
	}
	return nil
}

// checkBudget checks the site as built against its budget: the fit
// estimates what only the walks know.
func (b *BuildCmd) checkBudget(p site.Plan) error {
	if !p.Budget.Limited() {
		return nil
	}
	if over := p.Budget.Over(p.Measure(b.Out)); len(over) > 0 {
		fix := fmt.Sprintf("build it with fewer chapters, e.g. make all PER_PAGE=%d CHAPTERS=%d", p.PerPage(), p.Kept()-1)
		if p.Kept() <= 1 {
			fix = fmt.Sprintf("build it with shorter chapters, e.g. make all PER_PAGE=%d", max(1, p.PerPage()/2))
		}
		return fmt.Errorf("the site in %s does not fit %s as built: %s; %s with the same budget (make size shows the plan)",
			b.Out, p.Budget, strings.Join(over, " and "), fix)
	}
	return nil
}

// makeLetters are the one-letter options of the outer make (n for -n, k for
// -k...), which GNU make puts first in MAKEFLAGS, without a dash.
func makeLetters(makeflags string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(makeflags), " ")
	if strings.HasPrefix(first, "-") {
		return ""
	}
	return first
}

// dryRun says what a build would do, and writes nothing of the build's or
// the user's: when an input changed since the corpus was packed, it packs
// them into a scratch corpus in the temporary folder, to see what they change.
func (b *BuildCmd) dryRun(ctx context.Context, job corpus.Job) error {
	if len(b.pageGoals()) == 0 {
		if job.UpToDate() {
			say("make -n: %s is up to date", job.Corpus)
		} else {
			say("make -n: an input changed since %s was packed: it would be packed again, if its contents change", job.Corpus)
		}
		return nil
	}
	record := orderings.Path(job.Corpus)
	if !job.UpToDate() {
		scratch, err := os.MkdirTemp("", "pagegen-plan-")
		if err != nil {
			return fmt.Errorf("making a scratch folder for the plan: %w", err)
		}
		defer os.RemoveAll(scratch)
		say("make -n: an input changed since %s was packed: packing them in a scratch folder to see what that changes", job.Corpus)
		job.Previous, job.Corpus = job.Corpus, filepath.Join(scratch, "corpus.bin")
		if err := b.pack(ctx, job); err != nil {
			return err
		}
	}
	return withCorpus(job.Corpus, func(c *corpus.Corpus) error {
		p, err := fit(c, b.SiteFlags, b.BudgetFlags, b.Out)
		if err != nil {
			return err
		}
		p.Origin = cmp.Or(job.Previous, job.Corpus) // the real corpus, for a scratch one
		seqs, d, err := b.decide(ctx, p, record)
		if err != nil {
			return err
		}
		say("make -n: %s of %s would be built; %s run, %s skipped", amount.Count(p.FileCount(d.Run)), amount.Of(p.FileCount(seqs), "file"),
			amount.Of(d.Orderings-d.Skipped, "ordering"), amount.Count(d.Skipped))
		return nil
	})
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

// checkPaths refuses a site folder, or a file beside the corpus, that the
// build could damage (see site.CheckOut, atomicfile.CheckOurs).
func (b *BuildCmd) checkPaths(corpus string) error {
	keep := b.Keep
	for _, f := range []string{b.Poems, b.Embeddings, b.Colors, corpus} {
		if f != "" {
			keep = append(keep, filepath.Dir(f))
		}
	}
	if err := site.CheckOut(b.Out, keep...); err != nil {
		return err
	}
	if err := checkPagesMK(b.PagesMK); err != nil {
		return err
	}
	return orderings.CheckOurs(orderings.Path(corpus))
}

// remakePrograms has make build the programs again when they are gone: a
// make clean that this build waited for removed them (make did build them
// before it ran this build). A build not run by make leaves that to make.
func (b *BuildCmd) remakePrograms(ctx context.Context) error {
	gone := slices.ContainsFunc([]string{b.CorpusPack, b.Pagegen}, func(p string) bool {
		_, err := os.Stat(p)
		return errors.Is(err, os.ErrNotExist)
	})
	if !gone || os.Getenv("MAKELEVEL") == "" {
		return nil
	}
	say("the programs were removed while this build waited (by a make clean): building them again")
	flags, jobs := makeFlags(os.Getenv("MAKEFLAGS"))
	cmd := exec.CommandContext(ctx, b.Make, slices.DeleteFunc([]string{"--no-print-directory", jobs, "tools"}, func(a string) bool { return a == "" })...)
	cmd.Env = append(os.Environ(), "MAKEFLAGS="+flags)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); ctx.Err() != nil {
		return exit.ErrInterrupted
	} else if err != nil {
		return fmt.Errorf("building the programs again: %w (see above)", err)
	}
	return nil
}

// missing is the folders among dirs, and their parents, that do not exist
// (yet), the deepest first.
func missing(dirs ...string) []string {
	var m []string
	for _, d := range dirs {
		for d := filepath.Clean(d); d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Lstat(d); !errors.Is(err, os.ErrNotExist) || slices.Contains(m, d) {
				break
			}
			m = append(m, d)
		}
	}
	slices.SortFunc(m, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return m
}

// removeMade removes the folders made, the deepest first, each only if it
// is empty.
func removeMade(made []string) {
	for _, d := range made {
		os.Remove(d)
	}
}

// makeNoise is what the inner make says that the build says better: a page
// that failed (its error and the summary name it), the targets it left.
// Compiled when a build runs make, not at every start of pagegen.
var makeNoise = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^make(\[\d+\])?: (\*\*\* \[.*\] (Error \d+|Interrupt|Terminated)|\*\*\* Waiting for unfinished jobs\.\.\.\.|\*\*\* wait: No child processes\.  Stop\.|Target '.*' not remade because of errors\.|Nothing to be done for '.*'\.|'.*' is up to date\.)$`)
})

// runMake runs the inner make with the outer one's job count and flags,
// stopping it with SIGTERM (which make passes on to its jobs) when ctx ends.
// The inner make and its jobs inherit the locks, so that they stay held
// until the last of them ends, even if this process is killed, and the
// progress monitor's socket (page), the only way to it.
func (b *BuildCmd) runMake(ctx context.Context, page *os.File, out io.Writer, locks lock.Locks) error {
	flags, jobs := makeFlags(os.Getenv("MAKEFLAGS"))
	args := []string{"-f", b.Makefile, "--no-print-directory"}
	if jobs != "" {
		args = append(args, jobs)
	}
	cmd := exec.Command(b.Make, append(args, b.pageGoals()...)...)
	cmd.ExtraFiles = append(slices.Clone(locks), page)
	// ExtraFiles[i] is the child's descriptor 3+i.
	cmd.Env = append(os.Environ(), "MAKEFLAGS="+flags, progress.EnvSocket+"="+strconv.Itoa(3+len(locks)))
	cmd.Stdout, cmd.Stderr = out, out
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

// sweep removes temporary files left by killed writers beside the corpus
// and, if inSite, in the site's folders.
func sweep(corpus, out string, inSite bool) error {
	dirs := []string{filepath.Dir(corpus)}
	if inSite {
		for _, d := range site.Dirs {
			dirs = append(dirs, filepath.Join(out, d))
		}
	}
	for _, dir := range dirs {
		if _, err := atomicfile.Sweep(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
