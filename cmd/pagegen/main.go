// Command pagegen writes the pages of the site, one similar or different
// ordering (all its chapters), the chronology or the index per run; and for
// make, the list of the site's files and its stamp, its size, and the
// supervised build.
package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
	"pagegen/internal/makeflags"
	"pagegen/internal/memstat"
)

// CLI is pagegen's command line: one subcommand per kind of output.
type CLI struct {
	Corpus string `default:"data/corpus.bin" help:"Packed corpus made by corpus-pack."`

	Similar       SimilarCmd       `cmd:"" help:"Write the pages of poem N's ordering, the most similar first."`
	Different     DifferentCmd     `cmd:"" help:"Write the pages of the maximum-diversity walk from poem N."`
	Chronological ChronologicalCmd `cmd:"" help:"Write the chronological pages: every poem, oldest first."`
	Index         IndexCmd         `cmd:"" help:"Write the index page."`
	Build         BuildCmd         `cmd:"" help:"Build make's goals: pack the corpus if need be, lay out the site within its budget, and run make for the stale pages with live progress, one build at a time, stopping cleanly on Ctrl+C; or show the plan (size)."`
	Clean         CleanCmd         `cmd:"" help:"Remove the site and the build's files beside the corpus: only files the build made."`
}

func main() { exit.Main("pagegen", run) }

// run runs the command that args name, until it ends or ctx does; its error
// gives the exit status (exit.Code).
func run(ctx context.Context, args []string) error {
	defer memstat.ReportIfAsked("pagegen")
	if corpus, q, f, ok := pageArgs(args); ok {
		go exit.AfterGrace(ctx, 500*time.Millisecond, "")
		return f.write(ctx, corpus, q)
	}
	var cli CLI
	kctx, err := exit.Parse(&cli, args, kong.Description("Render pages of a poetry collection ordered by meaning."),
		kong.BindTo(ctx, (*context.Context)(nil)), kong.Bind(makeflags.Parse(os.Getenv("MAKEFLAGS"))))
	if kctx == nil {
		return err
	}
	if strings.HasPrefix(kctx.Command(), "build") {
		go exit.AfterGrace(ctx, buildGrace, "pagegen: stopped: the build did not end by itself after Ctrl+C (blocked in the system?)")
	} else {
		go exit.AfterGrace(ctx, 500*time.Millisecond, "")
	}
	return kctx.Run(&cli)
}

// buildGrace is how long a build has after Ctrl+C or SIGTERM to stop its
// inner make and sum up what it did (make stops at once; a page process
// that holds on is killed within seconds).
const buildGrace = 10 * time.Second
