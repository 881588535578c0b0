// Command embed makes embeddings.json, and color_embeddings.json for the
// palette's colour words, from poems.json with an embedding server: Ollama,
// or any server with the OpenAI-style API. It sends only the texts its
// cache beside the embeddings does not have for the model.
package main

import (
	"context"
	"time"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
)

// CLI is embed's command line. The key is not on it (a command line is
// seen by every user of the machine): it comes from EMBED_API_KEY, or
// OPENAI_API_KEY with the openai API; make passes the server's address,
// which may hold a password, in EMBED_URL too.
type CLI struct {
	Poems        string        `default:"data/poems.json" help:"Poems file (upstream poems.json)."`
	Embeddings   string        `default:"data/embeddings.json" help:"Embeddings file to write, lined up with the poems; the cache goes beside it."`
	Colors       string        `default:"data/color_embeddings.json" help:"Colour-word embeddings file to write; empty for none."`
	API          string        `default:"ollama" enum:"ollama,openai" help:"The server's protocol: ollama (POST /api/embed) or openai (POST /v1/embeddings)."`
	URL          string        `env:"EMBED_URL" help:"The server's address (default with the ollama API: ${ollama_url}); in the environment, not on a command line every user can read, when it holds a password."`
	Model        string        `help:"The embedding model (default with the ollama API: ${ollama_model})."`
	Batch        int           `default:"16" help:"Texts a request."`
	Jobs         int           `default:"2" help:"Requests at once."`
	Timeout      time.Duration `default:"60s" help:"How long a request waits for its reply."`
	Retries      int           `default:"5" help:"Retries of a request that failed for a passing reason (429, 5xx, a timeout, a dropped connection)."`
	AllowMissing bool          `help:"Succeed even when some poems could not be embedded (the site is then built without them)."`
	Interval     time.Duration `default:"10s" env:"PROGRESS_INTERVAL" help:"Time between progress lines when the output is not a terminal."`
}

func main() { exit.Main("embed", run) }

// run embeds the poems that args describe, until it ends or ctx does; its
// error gives the exit status (exit.Code).
func run(ctx context.Context, args []string) error {
	var cli CLI
	kctx, err := exit.Parse(&cli, args, kong.Description("Embed a poetry collection and the palette's colour words with an embedding server."),
		kong.Vars{"ollama_url": ollamaURL, "ollama_model": ollamaModel})
	if kctx == nil {
		return err
	}
	return embedPoems(ctx, &cli)
}
