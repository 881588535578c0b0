// Command bench times pagegen's real commands at upstream scale on a
// synthetic corpus and prints one markdown table: each row a measurement, its
// floor or reference taken in the same run, and their ratio. The targets are
// in docs/performance.md, and the in-process timings are Go benchmarks in the
// packages they time: make bench runs them after this, with go test -bench.
package main

import (
	"context"
	"errors"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
)

// CLI is bench's command line.
type CLI struct {
	Poems          int      `default:"7800" help:"Poems in the synthetic corpus."`
	Dim            int      `default:"768" help:"Embedding dimension of the synthetic corpus."`
	Pages          int      `default:"300" help:"Similar pages in the make -j2 throughput run."`
	DifferentPages int      `default:"100" help:"Different pages in the make -j2 throughput run."`
	Rounds         int      `default:"2" help:"Timed make -j2 runs per kind, between raw writes (one more raw write than make runs)."`
	Samples        int      `default:"21" help:"Pages per kind for the per-page medians."`
	Runs           int      `default:"5" help:"Timed runs of make with every page up to date, and pages of make similar/N.html."`
	Dir            string   `default:"bench" help:"Scratch directory: the synthetic corpus (kept for the next run) and pages (removed as it goes)."`
	Bin            string   `default:"bin" help:"Where corpus-pack and pagegen are (built by make tools)."`
	Root           string   `default:"." help:"The repository, where the Makefile is; the bench works there and names its files relative to it."`
	Go             string   `default:"go" help:"The go command, to build a bare Go program as the tools are built."`
	Only           []string `enum:"pack,pages,throughput,up-to-date,neocities" help:"Run only these measurements (a partial table; the corpus is packed untimed if need be): ${enum}."`
}

func main() { exit.Main("bench", run) }

// run measures what args ask, until it ends or ctx does; its error gives
// the exit status (exit.Code).
func run(ctx context.Context, args []string) error {
	var cli CLI
	kctx, err := exit.Parse(&cli, args, kong.Description("Time pagegen's real commands at upstream scale on a synthetic corpus, each beside its floor or reference; prints a markdown table."))
	if kctx == nil {
		return err
	}
	err = measure(ctx, &cli)
	if errors.Is(err, exit.ErrInterrupted) {
		progressf("interrupted: the pages it wrote are removed; the synthetic corpus is kept in %s", cli.Dir)
	}
	return err
}
