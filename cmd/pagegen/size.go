package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"pagegen/internal/bytesize"
	"pagegen/internal/packed"
	"pagegen/internal/plural"
	"pagegen/internal/site"
)

// SizeCmd shows the site's plan against its budget (files, bytes, poems per
// ordering, largest file) and the pages a build would write against the free
// space where they go; with --check it only refuses a build that will not fit
// on the disk.
type SizeCmd struct {
	Out   string   `required:"" help:"Site directory (OUT)."`
	Check bool     `help:"Fail when the pages to build will not fit on the disk (SPACE_CHECK=0 turns the check off)."`
	Goals []string `arg:"" optional:"" help:"Goals whose pages to count (default all)."`
	SiteFlags
	BudgetFlags
}

// reserve is left free on top of the projection, for everything else on the disk.
const reserve = 100 << 20

// Run prints or checks the projection.
func (s *SizeCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		p, err := fit(c, s.SiteFlags, s.BudgetFlags, s.Out)
		if err != nil {
			return err
		}
		seqs, err := p.Select(s.Goals)
		if err != nil {
			return err
		}
		stale, err := p.Outdated(seqs, s.Out)
		if err != nil {
			return err
		}
		_, jobs := makeFlags(os.Getenv("MAKEFLAGS"))
		sizes := site.NewSizes(p.Layout)
		need := sizes.DiskNeed(stale, s.Out, jobCount(jobs))
		free, err := site.Free(s.Out)
		if err != nil {
			return err
		}
		fits := need+reserve <= free
		files := p.FileCount(stale)
		if s.Check {
			if !fits {
				return fmt.Errorf("building %s needs %s more but %s has %s free: free some space, build fewer pages (e.g. make similar), or set SPACE_CHECK=0 to build anyway",
					plural.Of(files, "page"), bytesize.Format(need), s.Out, bytesize.Format(free))
			}
			return nil
		}
		printPlan(p)
		now := p.Measure(s.Out)
		fmt.Printf("  on disk now:   %d files and %d directories, %s, the largest %s\n", now.Files, now.Dirs, bytesize.Format(now.Bytes), bytesize.Format(now.Largest))
		verdict := "fits"
		if !fits {
			verdict = "does NOT fit"
		}
		fmt.Printf("  to build:      %d of its files (%s more on the disk); %s free in %s: %s\n",
			files, bytesize.Format(need), bytesize.Format(free), s.Out, verdict)
		return nil
	})
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
	fmt.Printf("  bytes:         %s expected, %s with room to spare%s\n", bytesize.Format(p.Size.Expected), bytesize.Format(p.Size.Bytes), limit(b.Quota > 0, bytesize.Format(b.Quota)))
	chrono := p.Chapters(site.Seq{Kind: site.Chrono})
	fmt.Printf("  per ordering:  %d of the %d poems in %s; chronological: every poem, %s\n",
		p.Limit(), c.Len(), plural.Of(p.Kept(), "page"), plural.Of(chrono, "page"))
	fmt.Printf("  largest file:  at most %s%s\n", bytesize.Format(p.Size.Largest), limit(b.MaxFileSize > 0, bytesize.Format(b.MaxFileSize)))
}

// jobCount is how many pages make writes at once for its -jN option (see
// makeFlags).
func jobCount(jobs string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(jobs, "-j"))
	if err != nil {
		return 1
	}
	return max(n, 1)
}
