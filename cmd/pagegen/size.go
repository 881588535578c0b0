package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"pagegen/internal/bytesize"
	"pagegen/internal/packed"
	"pagegen/internal/site"
)

// SizeCmd projects the size of the pages a build would write against the
// free space where they go, and with --check refuses a build that will not fit.
type SizeCmd struct {
	Out   string   `required:"" help:"Site directory (OUT)."`
	Check bool     `help:"Fail when the pages to build will not fit (SPACE_CHECK=0 turns the check off)."`
	Goals []string `arg:"" optional:"" help:"Goals whose pages to count (default all)."`
}

// reserve is left free on top of the projection, for everything else on the disk.
const reserve = 100 << 20

// Run prints or checks the projection.
func (s *SizeCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		pages, stale, err := plan(c, cli.Corpus, s.Out, s.Goals)
		if err != nil {
			return err
		}
		_, jobs := makeFlags(os.Getenv("MAKEFLAGS"))
		p, err := site.Project(c, pages, stale, s.Out, jobCount(jobs, len(stale)))
		if err != nil {
			return err
		}
		fits := p.Need+reserve <= p.Free
		if s.Check && !fits {
			return fmt.Errorf("the %d pages to build need %s more but %s has %s free: free some space, build fewer pages (e.g. make similar), or set SPACE_CHECK=0 to build anyway",
				p.Stale, bytesize.Format(p.Need), s.Out, bytesize.Format(p.Free))
		}
		if !s.Check {
			verdict := "fits"
			if !fits {
				verdict = "does NOT fit"
			}
			fmt.Printf("pagegen: %d pages (%s in all), %d to build (%s, %s more on the disk); %s free in %s: %s\n",
				p.Pages, bytesize.Format(p.Size), p.Stale, bytesize.Format(p.Write), bytesize.Format(p.Need), bytesize.Format(p.Free), s.Out, verdict)
		}
		return nil
	})
}

// plan is the pages the goals cover (all without goals) and those to build.
func plan(c *packed.Corpus, corpus, out string, goals []string) (pages, stale []site.Page, err error) {
	self, err := executable()
	if err != nil {
		return nil, nil, err
	}
	if len(goals) == 0 {
		goals = []string{"all"}
	}
	pages = site.Pages(c, goals)
	stale, err = site.Outdated(c, pages, out, corpus, self)
	return pages, stale, err
}

// jobCount is how many pages make writes at once for its -j option.
func jobCount(jobs string, unlimited int) int {
	switch n, err := strconv.Atoi(strings.TrimPrefix(jobs, "-j")); {
	case jobs == "":
		return 1
	case jobs == "-j" || err != nil:
		return unlimited
	default:
		return max(n, 1)
	}
}
