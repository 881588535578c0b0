// Command bench measures pagegen at upstream scale on a synthetic corpus and
// prints one table: corpus-pack, per-page cost, make -j2 throughput against
// this machine's raw write bandwidth, one process per page against an
// in-process loop, memory, and make with every page up to date.
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
	Samples        int      `default:"21" help:"Pages per kind for the per-page medians."`
	UpToDateRuns   int      `default:"5" name:"up-to-date-runs" help:"Timed runs of make with every page up to date."`
	Dir            string   `default:"bench" help:"Scratch directory: the synthetic corpus (kept for the next run) and pages (removed as it goes)."`
	Bin            string   `default:"bin" help:"Where corpus-pack and pagegen are (built by make tools)."`
	Root           string   `default:"." help:"The repository, where the Makefile is."`
	Only           []string `enum:"pack,orderings,pages,memory,throughput,publish,up-to-date" help:"Run only these measurements (a partial table; the corpus is packed untimed if need be): ${enum}."`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var cli CLI
	kong.Parse(&cli, kong.Description("Benchmark pagegen at upstream scale on a synthetic corpus; prints a markdown table."))
	err := run(ctx, &cli)
	stop()
	if errors.Is(err, exit.ErrInterrupted) {
		progressf("interrupted: the pages it wrote are removed; the synthetic corpus is kept in %s", cli.Dir)
	}
	exit.With("bench", err)
}
