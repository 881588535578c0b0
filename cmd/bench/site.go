package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pagegen/internal/amount"
	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/site"
)

// neocities is the host of the README's Publishing example, and
// neocitiesVars its make variables.
var neocities, neocitiesVars = budget.Hosts[0], []string{"PER_PAGE=100", "HOST=" + budget.Hosts[0].Name}

// neocitiesPlan is the site pagegen lays out for those variables.
func neocitiesPlan(c *corpus.Corpus) (site.Plan, error) {
	return site.FitRequest(c, site.Request{Settings: site.Settings{PerPage: 100}, Budget: budget.Settings{Host: neocities.Name}})
}

// publish builds the whole site for Neocities as the README's Publishing
// section does (make -j2 all PER_PAGE=100 HOST=neocities, corpus packed),
// and measures what was built on disk (bytes, and entries counting
// directories) against the budget and the projection.
func (b *bench) publish() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	plan, err := neocitiesPlan(c)
	if err != nil {
		return err
	}
	out := b.scratch("make")
	defer os.RemoveAll(out)
	b.settle()
	took, said, err := b.timed(b.makeCmd(out, append([]string{"-j2", "all"}, neocitiesVars...)...))
	if err != nil {
		return err
	}
	b.checkRebuild(said, "make all "+strings.Join(neocitiesVars, " "))
	built, err := measure(out)
	if err != nil {
		return err
	}

	b.t.section(fmt.Sprintf("The site for %s: `make -j2 all %s`, corpus packed", neocities.Title, strings.Join(neocitiesVars, " ")))
	b.t.add("CHAPTERS chosen", "%d of %d per ordering (%d of the %d poems): %s", plan.Kept(), plan.Chapters(site.Seq{Kind: site.Chrono}), plan.Limit(), c.Len(), plan.Why)
	b.t.atMost("the whole site, until make exits", took, 60*time.Second)
	b.t.check("the site as built: entries (files and directories)", fmt.Sprintf("%d (%d files, %d directories)", built.Files+built.Dirs, built.Files, built.Dirs),
		fmt.Sprintf("≤ %d", neocities.Budget.MaxFiles), neocities.Budget.Entries(built) <= neocities.Budget.MaxFiles)
	b.t.check("the site as built: bytes", amount.Bytes(built.Bytes), "≤ "+amount.Bytes(neocities.Budget.Quota), built.Bytes <= neocities.Budget.Quota)
	off := float64(plan.Size.Expected-built.Bytes) / float64(built.Bytes)
	b.t.check("`make size`'s projection against the site built", fmt.Sprintf("%s projected, %+.2f%%", amount.Bytes(plan.Size.Expected), 100*off), "within 2%", off <= 0.02 && off >= -0.02)
	b.t.add("largest file", "%s", amount.Bytes(built.Largest))
	return b.everyday(out, took)
}

// measure is what the files under dir take, as a host counts them.
func measure(dir string) (budget.Need, error) {
	var n budget.Need
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		switch {
		case err != nil:
			return err
		case path == dir:
		case fi.IsDir():
			n.Dirs++
		default:
			n.Files++
			n.Bytes += fi.Size()
			n.Largest = max(n.Largest, fi.Size())
		}
		return nil
	})
	return n, err
}
