package main

import (
	"context"
	"fmt"
	"strconv"

	"pagegen/internal/amount"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// reserve is left free on top of the projection, for everything else on the disk.
const reserve = 100 << 20

// diskCheck refuses to start a build whose stale pages will not fit on the
// disk, with jobs pages written at once.
func diskCheck(p site.Plan, stale []site.Seq, out string, jobs int) error {
	// A file holds each entry of the corpus at most once, with its rank and
	// links: it takes less than twice the packed corpus (which also holds the
	// Gram matrix), and a page head. When that fits, a small build (make
	// similar/12.html) need not measure every entry.
	bound := int64(p.FileCount(stale)+jobs) * (2*p.Corpus().Size() + 64<<10)
	if free, err := site.Free(out); err == nil && bound+reserve <= free {
		return nil
	}
	need, free, err := diskNeed(p, stale, out, jobs)
	if err != nil || need+reserve <= free {
		return err
	}
	return fmt.Errorf("building %s needs %s more but %s has %s free: free some space, build fewer pages (e.g. make similar), or set SPACE_CHECK=0 to build anyway",
		amount.Of(p.FileCount(stale), "page"), amount.Bytes(need), out, amount.Bytes(free))
}

// diskNeed is what building stale takes on the disk of out, and what it has free.
func diskNeed(p site.Plan, stale []site.Seq, out string, jobs int) (need, free int64, err error) {
	need = site.NewSizes(p.Layout).DiskNeed(stale, out, jobs)
	free, err = site.Free(out)
	return need, free, err
}

// sizeReport shows the site's plan against its budget (files, bytes, poems
// per ordering, largest file) and the pages of the goals a build would
// write against the free space where they go: make size.
func (b *BuildCmd) sizeReport(ctx context.Context, p site.Plan) error {
	out := b.Out
	_, d, err := b.decide(ctx, p, orderings.Path(p.Corpus().Path()))
	if err != nil {
		return err
	}
	stale := d.Run
	need, free, err := diskNeed(p, stale, out, b.outer.Jobs())
	if err != nil {
		return err
	}
	printPlan(p.Sized())
	now := p.Measure(out)
	fmt.Printf("  on disk now:   %d files and %d directories, %s, the largest %s\n", now.Files, now.Dirs, amount.Bytes(now.Bytes), amount.Bytes(now.Largest))
	verdict := "fits"
	if need+reserve > free {
		verdict = "does NOT fit"
	}
	fmt.Printf("  to build:      %d of its files (%s more on the disk); %s free in %s: %s\n",
		p.FileCount(stale), amount.Bytes(need), amount.Bytes(free), out, verdict)
	return nil
}

// printPlan shows the site's plan against its budget.
func printPlan(p site.Plan) {
	c := p.Corpus()
	shape := "whole pages (PER_PAGE not set)"
	if r := p.Resolved(); r.PerPage > 0 {
		shape = fmt.Sprintf("PER_PAGE=%d CHAPTERS=%d", r.PerPage, r.Chapters)
	}
	fmt.Printf("pagegen: the site of %d poems, %s\n", c.Len(), shape)
	if p.Why != "" {
		fmt.Printf("  chosen:        %s\n", p.Why)
	}
	limit := func(ok bool, v string) string {
		if !ok {
			return ""
		}
		return " (budget " + v + ")"
	}
	b := p.Budget
	fmt.Printf("  files:         %d files and %d directories%s\n", p.Size.Files, p.Size.Dirs, limit(b.MaxFiles > 0, strconv.Itoa(b.MaxFiles)+map[bool]string{true: " entries, directories count", false: " files"}[b.CountDirs]))
	fmt.Printf("  bytes:         %s expected, %s with room to spare%s\n", amount.Bytes(p.Size.Expected), amount.Bytes(p.Size.Bytes), limit(b.Quota > 0, amount.Bytes(b.Quota)))
	chrono := p.Chapters(site.Seq{Kind: site.Chrono})
	fmt.Printf("  per ordering:  %d of the %d poems in %s; chronological: every poem, %s\n",
		p.Limit(), c.Len(), amount.Of(p.Kept(), "page"), amount.Of(chrono, "page"))
	fmt.Printf("  largest file:  at most %s%s\n", amount.Bytes(p.Size.Largest), limit(b.MaxFileSize > 0, amount.Bytes(b.MaxFileSize)))
}
