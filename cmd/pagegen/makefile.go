package main

import (
	"bytes"
	"context"
	"fmt"

	"pagegen/internal/atomicfile"
	"pagegen/internal/packed"
)

// MakefileCmd lays out the site within its budget and writes the make
// fragment that lists its files, so that make knows every page up front.
type MakefileCmd struct {
	Out string `short:"o" required:"" help:"Make fragment to write."`
	SiteFlags
	BudgetFlags
}

// Run writes the fragment, only when it changes (make restarts when it does),
// and says how the site was fitted to its budget when that is news.
func (m *MakefileCmd) Run(cli *CLI, ctx context.Context) error {
	return withCorpus(cli.Corpus, func(c *packed.Corpus) error {
		p, err := fit(c, m.SiteFlags, m.BudgetFlags)
		if err != nil {
			return err
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
