package main

import (
	"os"
	"time"

	"github.com/mattn/go-isatty"

	"pagegen/internal/embedding"
	"pagegen/internal/progress"
)

// showProgress shows p until the returned stop is called: redrawn in place
// on a terminal, a plain line every interval otherwise (none if interval <= 0).
func showProgress(p *embedding.Progress, interval time.Duration) (stop func()) {
	return progress.Line(os.Stdout, isatty.IsTerminal(os.Stdout.Fd()), progress.TermWidth(), interval, "embed: ",
		func() (string, float64) { return p.Line(), p.Fraction() })
}
