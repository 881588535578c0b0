// Command bench measures pagegen at upstream scale on a synthetic corpus and
// prints one markdown table. It times the real commands, for what only they
// show: corpus-pack, a page process against Layout.Write in process, memory,
// make -j2 against raw writes, the site for Neocities, and make with the
// pages up to date. The in-process timings of the orderings are the Go
// benchmarks of internal/site, run on the same corpus.
//
// `make bench` builds the tools and runs it; the numbers come from this run.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
)

// CLI is bench's command line.
type CLI struct {
	Poems          int      `default:"7800" help:"Poems in the synthetic corpus."`
	Dim            int      `default:"768" help:"Embedding dimension of the synthetic corpus."`
	Pages          int      `default:"300" help:"Similar pages in the make -j2 throughput run."`
	DifferentPages int      `default:"100" help:"Different pages in the make -j2 throughput run."`
	Rounds         int      `default:"2" help:"Timed make -j2 runs per kind (each followed by a run of the same pages without make), between raw writes (one more raw write than make runs)."`
	Samples        int      `default:"21" help:"Pages per kind for the per-page medians, and iterations of each run of a Go benchmark."`
	Runs           int      `default:"5" help:"Timed runs of what is given as a median of runs: each Go benchmark, make with every page up to date, make similar/N.html."`
	Dir            string   `default:"bench" help:"Scratch directory: the synthetic corpus (kept for the next run) and pages (removed as it goes)."`
	Bin            string   `default:"bin" help:"Where corpus-pack and pagegen are (built by make tools)."`
	Root           string   `default:"." help:"The repository, where the Makefile is; the bench works there and names its files relative to it."`
	Go             string   `default:"go" help:"The go command, to run the Go benchmarks."`
	Only           []string `enum:"pack,orderings,pages,overhead,memory,throughput,publish,up-to-date,deploy" help:"Run only these measurements (a partial table; the corpus is packed untimed if need be): ${enum}."`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var cli CLI
	kong.Parse(&cli, kong.Description("Benchmark pagegen at upstream scale on a synthetic corpus: the real commands timed, and the Go benchmarks of internal/site run on it; prints a markdown table."))
	err := run(ctx, &cli)
	stop()
	if errors.Is(err, exit.ErrInterrupted) {
		progressf("interrupted: the pages it wrote are removed; the synthetic corpus is kept in %s", cli.Dir)
	}
	exit.With("bench", err)
}
