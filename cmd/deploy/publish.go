package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mattn/go-isatty"

	"pagegen/internal/amount"
	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/deploy"
	"pagegen/internal/exit"
	"pagegen/internal/lock"
	"pagegen/internal/makeflags"
	"pagegen/internal/neocities"
	"pagegen/internal/progress"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
	"pagegen/internal/siteflags"
)

// publish plans the deploy, checks it against the host's budget, and unless
// asked for the plan alone, carries it out.
func (c *CLI) publish(ctx context.Context, mf makeflags.Flags) error {
	// GNU make passes the variables of its command line in MAKEFLAGS.
	if mf.Var(neocities.KeyEnv) != "" {
		return exit.UsageError(fmt.Errorf("%s was given on make's command line, where every user of the machine can read it: export it in the environment instead (export %s=...), or keep it in the official neocities CLI's config file", neocities.KeyEnv, neocities.KeyEnv))
	}
	dir, err := deploy.CleanDir(c.Dir)
	if err != nil {
		return exit.UsageError(err)
	}
	control := deploy.DefaultControl
	control.Jobs, control.Files = max(c.Jobs, 1), max(c.BatchFiles, 1)
	if control.Bytes, err = budget.ParseSize(c.BatchBytes); err != nil {
		return exit.UsageError(fmt.Errorf("--batch-bytes=%s: %w", c.BatchBytes, err))
	}
	key, from, err := neocities.FindKey(os.Getenv)
	if err != nil {
		return exit.UsageError(err)
	}
	client, err := neocities.New(c.URL, key, control.Jobs)
	if err != nil {
		return exit.UsageError(err)
	}
	client.Timeout = c.Timeout
	if _, err := os.Stat(filepath.Join(c.Out, site.StampName)); err != nil {
		return fmt.Errorf("OUT=%s holds no site pagegen built: make deploy builds it first (make all alone builds it without publishing)", c.Out)
	}
	if err := site.CheckOut(c.Out); err != nil {
		return err
	}
	// No build writes the site while it is read and sent, nor the hash
	// cache beside the corpus.
	locks, err := lock.Dirs(ctx, lock.SayWaiting, filepath.Dir(c.Corpus), c.Out)
	if err != nil {
		return err
	}
	defer locks.Release()
	packed, err := corpus.Open(c.Corpus)
	if err != nil {
		return err
	}
	defer packed.Close()
	p, err := siteflags.Fit(packed, c.Shape, c.Budget, c.Out)
	if err != nil {
		return err
	}
	if dec, err := p.Decide(ctx, c.Out, orderings.Path(c.Corpus), p.Seqs()); err != nil {
		return err
	} else if n := p.FileCount(dec.Run); n > 0 {
		return fmt.Errorf("the site in %s is not up to date (%s to build): make deploy builds it before publishing it; run that, not bin/deploy alone", c.Out, amount.Of(n, "page"))
	}
	b := p.Budget
	if !b.Limited() {
		b, _ = budget.Parse(budget.Settings{Host: "neocities"}) // the most any Neocities site takes
	}
	d := &deploy.Deploy{Client: client, Site: c.Out, Dir: dir, Hashes: corpus.HashesPath(c.Corpus), Control: control,
		Stale: func(name string) bool { return site.IsPageName(name) && !p.Has(name) }}
	return explain(c.deploy(ctx, d, b), from, client)
}

// explain adds to a failure that stopped a deploy what to do about it:
// where the key comes from, when Neocities refused it.
func explain(err error, keyFrom string, client *neocities.Client) error {
	var e *neocities.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case neocities.Unauthorized:
		return fmt.Errorf("Neocities refused the API key from %s (%v): %s", keyFrom, e, neocities.KeyHelp)
	case neocities.Full:
		return fmt.Errorf("%w. The site on Neocities has no room for these files: make deploy DRY_RUN=1 shows what it would hold, against HOST's limits (HOST=neocities-free for a free site)", err)
	case neocities.Unreachable:
		return fmt.Errorf("%w: is NEOCITIES_URL=%s right, and the network up?", err, client)
	}
	return err
}

// deploy plans and publishes the site with d within budget b.
func (c *CLI) deploy(ctx context.Context, d *deploy.Deploy, b budget.Budget) error {
	info, err := d.Client.Info(ctx)
	if err != nil {
		return stopped(ctx, fmt.Errorf("asking Neocities for the site's name: %w", err))
	}
	where := cmp.Or(info.Domain, info.Sitename+".neocities.org")
	if d.Dir != "" {
		where += "/" + d.Dir
	}
	show := c.progress(&d.Progress)
	p, err := d.Plan(ctx)
	show()
	if ctx.Err() != nil {
		say("interrupted before anything was sent; the files hashed so far are known to the next make deploy")
		return exit.ErrInterrupted
	}
	if err != nil {
		return err
	}
	p.Report(os.Stdout, where, b)
	if all := len(p.New) + len(p.Changed) + p.Same; p.Hashed == all {
		say("read and hashed the site's %s (%s)", amount.Of(all, "file"), amount.Bytes(p.HashedBytes))
	} else if p.Hashed > 0 {
		say("read and hashed %s (%s), new or changed since they were last hashed; the other %d were known", amount.Of(p.Hashed, "file"), amount.Bytes(p.HashedBytes), all-p.Hashed)
	}
	if err := p.Fit(b); err != nil {
		return err
	}
	if c.DryRun {
		say("DRY_RUN=1: nothing was sent or removed")
		return nil
	}
	if !p.Sends() {
		say("%s", deploy.Result{}.Summary(p))
		return nil
	}
	show = c.progress(&d.Progress)
	r, err := d.Publish(ctx, p)
	show()
	if ctx.Err() != nil {
		say("interrupted: %s of %s sent, each whole; nothing was removed. Run make deploy again to send the rest.", amount.Of(r.Sent, "file"), amount.Of(len(p.New)+len(p.Changed), "file"))
		return exit.ErrInterrupted
	}
	if err != nil {
		return err
	}
	say("%s", r.Summary(p))
	return nil
}

// progress shows the deploy's progress until the returned stop is called.
func (c *CLI) progress(p *deploy.Progress) (stop func()) {
	return progress.Line(os.Stdout, isatty.IsTerminal(os.Stdout.Fd()), progress.TermWidth(), c.Interval, "pagegen: ", p.Line)
}

// stopped is err, or the interruption when ctx ended.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return exit.ErrInterrupted
	}
	return err
}

// say prints a line of make deploy's own.
func say(format string, args ...any) { fmt.Printf("pagegen: "+format+"\n", args...) }
