package main

import (
	"bytes"
	"context"
	"fmt"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/packed"
	"pagegen/internal/site"
)

// MakefileCmd lays out the site within its budget and writes the make
// fragment that lists its files, so that make knows every page up front.
type MakefileCmd struct {
	Out   string   `short:"o" required:"" help:"Make fragment to write."`
	Site  string   `required:"" help:"Site directory (OUT), whose stamp is written too."`
	Goals []string `arg:"" optional:"" help:"make's goals, whose pages are checked."`
	SiteFlags
	BudgetFlags
}

// Run writes the fragment, only when it changes (make restarts when it does),
// and says how the site was fitted to its budget when that is news.
func (m *MakefileCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		p, err := fit(c, m.SiteFlags, m.BudgetFlags, m.Site)
		if err != nil {
			return err
		}
		seqs, err := p.Select(m.Goals)
		if err != nil {
			return exit.UsageError(err)
		}
		// Here, before make reads any page's time, not in a rule of its own;
		// and only for a build of pages (make corpus leaves the site alone).
		if len(seqs) > 0 {
			if err := p.Restamp(m.Site); err != nil {
				return err
			}
		}
		if err := atomicfile.CheckOurs(m.Out, []byte(site.MakefileMark)); err != nil {
			return fmt.Errorf("%w: move it away, or give CORPUS another folder (the site's make fragment goes beside it)", err)
		}
		var b bytes.Buffer
		if err := p.Makefile(&b); err != nil {
			return err
		}
		wrote, err := atomicfile.Update(m.Out, [][]byte{b.Bytes()})
		if wrote && p.Why != "" {
			fmt.Printf("pagegen: %s\n", p.Why)
		}
		return err
	})
}
