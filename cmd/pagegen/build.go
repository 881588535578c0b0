package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"pagegen/internal/amount"
	"pagegen/internal/corpus"
	"pagegen/internal/exit"
	"pagegen/internal/lock"
	"pagegen/internal/makeflags"
	"pagegen/internal/progress"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
	"pagegen/internal/siteflags"
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
	siteflags.Shape
	siteflags.Budget

	goals  site.Goals      // Goals, read
	outer  makeflags.Flags // the outer make's MAKEFLAGS
	always bool            // make -B
}

// say prints a line of the build's own.
func say(format string, args ...any) { fmt.Printf("pagegen: "+format+"\n", args...) }

// Run builds the goals.
func (b *BuildCmd) Run(cli *CLI, ctx context.Context, mf makeflags.Flags) (err error) {
	if b.goals, err = site.ParseGoals(b.Goals); err != nil {
		return exit.UsageError(err)
	}
	if err := progress.CheckInterval(b.Interval); err != nil {
		return exit.UsageError(err)
	}
	b.outer = mf
	dryRun := mf.Has('n')
	// make -B: everything is made again, the corpus packed and every page
	// of the goals written (those that come out the same keep their bytes).
	b.always = mf.Has('B')
	switch {
	case !dryRun && mf.Has('t'):
		return exit.UsageError(errors.New("make -t would take the pages for built without writing them, and pagegen's build does not do that: run make to build them (make -n says how many it would)"))
	case !dryRun && mf.Has('q'):
		return exit.UsageError(errors.New("make -q cannot ask pagegen's build whether the pages are up to date: make -n says how many would be built"))
	}
	if err := b.checkPaths(cli.Corpus); err != nil {
		return err
	}
	job := b.job(cli.Corpus)
	if dryRun {
		return b.dryRun(ctx, job)
	}
	if mf.NoJobLimit() && len(b.goals.Pages) > 0 {
		say("make -j with no number would start every page at once: %d at a time instead (two per core); give -jN for another number", makeflags.Unbounded)
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
	if len(b.goals.Pages) > 0 || site.IsSite(b.Out) {
		dirs = append(dirs, b.Out)
	}
	made := missing(dirs...)
	locks, err := lock.Dirs(ctx, lock.SayWaiting, dirs...)
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
	if err := sweep(cli.Corpus, b.Out, b.goals.Whole); err != nil {
		return err
	}
	if err := b.pack(ctx, job); err != nil {
		return err
	}
	if len(b.goals.Pages) == 0 && !b.goals.Size {
		return nil // make corpus
	}
	return withCorpus(cli.Corpus, func(c *corpus.Corpus) error {
		p, err := siteflags.Fit(c, b.Shape, b.Budget, b.Out)
		if err != nil {
			return err
		}
		if b.goals.Size {
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

// pack runs corpus-pack unless the corpus's record says that nothing it is
// made from changed: then not even corpus-pack is started.
func (b *BuildCmd) pack(ctx context.Context, job corpus.Job) error {
	if !b.always && job.UpToDate() {
		if msg := job.UpToDateMessage(); b.goals.Corpus || strings.Contains(msg, "\n") {
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
	if b.SpaceCheck && len(d.Run) > 0 {
		if err := diskCheck(p, d.Run, b.Out, b.outer.Jobs()); err != nil {
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
	whole := b.goals.Whole
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
	if seqs, err = p.Select(b.goals.Pages); err != nil {
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
