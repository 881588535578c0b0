// Command corpus-synth writes a synthetic collection in the upstream JSON
// formats, at any scale, for benchmarks and large tests.
package main

import (
	"context"
	"fmt"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
	"pagegen/internal/synth"
)

// CLI is corpus-synth's command line.
type CLI struct {
	Poems     int    `default:"7800" help:"Number of poems."`
	Dim       int    `default:"768" help:"Embedding dimension."`
	TextBytes int    `default:"1100" help:"Mean text length of a poem, in bytes."`
	Clusters  int    `default:"40" help:"Number of topics the embeddings gather around."`
	Seed      uint64 `default:"1" help:"Random seed: the same seed gives the same files."`
	Out       string `short:"o" required:"" help:"Directory to write poems.json, embeddings.json and color_embeddings.json into."`
}

func main() { exit.Main("corpus-synth", run) }

// run writes the collection that args describe; its error gives the exit
// status (exit.Code). It is quick and leaves whole files or none: ctx is
// not watched.
func run(_ context.Context, args []string) error {
	var cli CLI
	kctx, err := exit.Parse(&cli, args, kong.Description("Write a synthetic poetry collection with embeddings."))
	if kctx == nil {
		return err
	}
	if err := synth.Write(cli.Out, synth.Options{Poems: cli.Poems, Dim: cli.Dim, TextBytes: cli.TextBytes, Clusters: cli.Clusters, Seed: cli.Seed}); err != nil {
		return err
	}
	fmt.Printf("corpus-synth: %d poems, %d-d, in %s\n", cli.Poems, cli.Dim, cli.Out)
	return nil
}
