// Command corpus-pack packs poems.json and embeddings.json (and optionally
// color_embeddings.json) into the memory-mapped corpus that pagegen reads.
package main

import (
	"context"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
)

// CLI is corpus-pack's command line.
type CLI struct {
	Poems        string `default:"data/poems.json" help:"Poems file (upstream poems.json)."`
	Embeddings   string `default:"data/embeddings.json" help:"Embeddings file, aligned with the poems."`
	Colors       string `default:"data/color_embeddings.json" help:"Colour-word embeddings; empty for none (every poem gray)."`
	AllowMissing bool   `help:"Leave out poems without an embedding instead of failing."`
	Out          string `short:"o" default:"data/corpus.bin" help:"Packed corpus to write."`
	Previous     string `placeholder:"CORPUS" help:"A corpus packed before, to keep what it holds of these inputs (default: the one at --out)."`
	MaxMemoryMB  int64  `name:"max-memory-mb" help:"Memory packing may use, in MB (default: what the machine has available)."`
}

func main() { exit.Main("corpus-pack", run) }

// run packs the corpus that args describe, until it ends or ctx does; its
// error gives the exit status (exit.Code).
func run(ctx context.Context, args []string) error {
	var cli CLI
	kctx, err := exit.Parse(&cli, args, kong.Description("Pack a poetry collection and its embeddings for pagegen."))
	if kctx == nil {
		return err
	}
	return packCorpus(ctx, &cli)
}
