// Command pagegen renders one page of the site per run: the similar or
// different page of one poem, the index, or the list of pages for make.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
	"pagegen/internal/memstat"
)

// CLI is pagegen's command line: one subcommand per kind of output.
type CLI struct {
	Corpus string `default:"data/corpus.bin" help:"Packed corpus made by corpus-pack."`

	Similar   SimilarCmd   `cmd:"" help:"Write the page of every poem, the most similar to poem N first."`
	Different DifferentCmd `cmd:"" help:"Write the page of the maximum-diversity walk from poem N."`
	Index     IndexCmd     `cmd:"" help:"Write the index page."`
	Makefile  MakefileCmd  `cmd:"" help:"Write the make fragment that lists every page."`
	Stamp     StampCmd     `cmd:"" help:"Record in the site which corpus its pages come from (rewritten only when that changes)."`
	Build     BuildCmd     `cmd:"" help:"Run make for some goals with live progress, one build at a time, stopping cleanly on Ctrl+C."`
	Size      SizeCmd      `cmd:"" help:"Project the size of the pages to build against the free disk space."`
}

func main() {
	// A signal lets the running command drop its temporary file before exiting.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var cli CLI
	parser := kong.Must(&cli, kong.Description("Render pages of a poetry collection ordered by meaning."),
		kong.BindTo(ctx, (*context.Context)(nil)))
	kctx, err := parser.Parse(os.Args[1:])
	if err != nil {
		exit.With("pagegen", exit.UsageError(fmt.Errorf("%w (see --help)", err)))
	}
	err = kctx.Run(&cli)
	stop()
	memstat.ReportIfAsked("pagegen")
	exit.With("pagegen", err)
}
