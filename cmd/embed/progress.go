package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"pagegen/internal/embedding"
	"pagegen/internal/progress"
)

// showProgress shows p until the returned stop is called: redrawn in place
// on a terminal, a plain line every interval otherwise (none if interval <= 0).
func showProgress(p *embedding.Progress, interval time.Duration) (stop func()) {
	tty := isatty.IsTerminal(os.Stdout.Fd())
	if tty {
		interval = 200 * time.Millisecond
	}
	if interval <= 0 {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-quit:
				if tty {
					fmt.Print("\r\x1b[K")
				}
				return
			case <-t.C:
				if tty {
					fmt.Print("\r\x1b[K" + fit(bar(p.Fraction(), 24)+" "+p.Line(), progress.TermWidth()-1))
				} else {
					fmt.Printf("embed: %s\n", p.Line())
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// bar draws a share from 0 to 1 in width cells.
func bar(share float64, width int) string {
	full := min(width, max(0, int(share*float64(width))))
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

// fit cuts line to width characters: a wrapped line cannot be redrawn in place.
func fit(line string, width int) string {
	r := []rune(line)
	if len(r) <= width {
		return line
	}
	return string(r[:max(width-1, 0)]) + "…"
}
