package main

import (
	"context"
	"fmt"

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
	if len(s.Goals) == 0 {
		s.Goals = []string{"all"}
	}
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		self, err := executable()
		if err != nil {
			return err
		}
		pages := site.Pages(c, s.Goals)
		stale, err := site.Outdated(c, pages, s.Out, cli.Corpus, self)
		if err != nil {
			return err
		}
		sizes := site.NewSizes(c)
		var need, all int64
		for _, p := range pages {
			all += sizes.Of(p)
		}
		for _, p := range stale {
			need += sizes.Of(p)
		}
		free, err := site.Free(s.Out)
		if err != nil {
			return err
		}
		if s.Check {
			if need+reserve > free {
				return fmt.Errorf("the %d pages to build need %s but %s has %s free: free some space, build fewer pages (e.g. make similar), or set SPACE_CHECK=0 to build anyway",
					len(stale), bytesize.Format(need), s.Out, bytesize.Format(free))
			}
			return nil
		}
		verdict := "fits"
		if need+reserve > free {
			verdict = "does NOT fit"
		}
		fmt.Printf("pagegen: %d pages (%s in all), %d to build (%s); %s free in %s: %s\n",
			len(pages), bytesize.Format(all), len(stale), bytesize.Format(need), bytesize.Format(free), s.Out, verdict)
		return nil
	})
}
