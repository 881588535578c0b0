// Command deploy publishes the site pagegen built to Neocities through its
// API, for make deploy once the site is up to date: only the files whose
// SHA-1 differs from the live site's, many in a request, then the site's
// own pages it no longer has removed. It is a program of its own so that
// the thousands of page processes of a build do not load its HTTP client.
package main

import (
	"context"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"pagegen/internal/exit"
	"pagegen/internal/makeflags"
	"pagegen/internal/siteflags"
)

// CLI is deploy's command line. The key is not on it, which every user of
// the machine can read: it comes from NEOCITIES_API_KEY, or the official
// CLI's config file.
type CLI struct {
	Corpus     string        `default:"data/corpus.bin" help:"Packed corpus made by corpus-pack, whose site is published."`
	Out        string        `required:"" help:"Site directory (OUT)."`
	URL        string        `default:"https://neocities.org" help:"The Neocities API's base (NEOCITIES_URL)."`
	Dir        string        `help:"The folder of the Neocities site that the site goes to (DEPLOY_DIR); empty: its root."`
	DryRun     bool          `help:"Show the plan, and send and remove nothing (DRY_RUN=1)."`
	Interval   time.Duration `default:"10s" env:"PROGRESS_INTERVAL" help:"Time between progress lines when the output is not a terminal."`
	Jobs       int           `default:"3" hidden:"" help:"Requests at once."`
	BatchBytes string        `default:"16MiB" hidden:"" help:"Bytes a request holds at most."`
	BatchFiles int           `default:"200" hidden:"" help:"Files a request holds at most."`
	Timeout    time.Duration `default:"2m" hidden:"" help:"How long a request waits for its reply (more for its bytes)."`
	siteflags.Shape
	siteflags.Budget
}

func main() {
	// Its messages are the product's, as the build's before it in make deploy.
	exit.Main("pagegen", run)
}

// run publishes the site that args describe, until it ends or ctx does; its
// error gives the exit status (exit.Code).
func run(ctx context.Context, args []string) error {
	var cli CLI
	kctx, err := exit.Parse(&cli, args, kong.Description("Publish the site pagegen built to Neocities through its API (make deploy): only what changed, then the site's own pages it no longer has removed."))
	if kctx == nil {
		return err
	}
	go exit.AfterGrace(ctx, 500*time.Millisecond, "")
	return cli.publish(ctx, makeflags.Parse(os.Getenv("MAKEFLAGS")))
}
