package progress

import (
	"fmt"
	"io"
	"time"
)

// Line shows a one-line status on out until the returned stop is called:
// redrawn in place with a bar of its share (0 to 1) on a terminal of width
// columns, five times a second; otherwise a plain line with prefix every
// interval (none if interval <= 0). It is the display of the commands that
// are one process (make embeddings, make deploy), where Monitor follows
// many.
func Line(out io.Writer, tty bool, width int, interval time.Duration, prefix string, status func() (line string, share float64)) (stop func()) {
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
					fmt.Fprint(out, "\r\x1b[K")
				}
				return
			case <-t.C:
				line, share := status()
				if tty {
					fmt.Fprint(out, "\r\x1b[K"+cut(bar(int(share*1000), 1000, 24)+" "+line, width-1))
				} else {
					fmt.Fprintf(out, "%s%s\n", prefix, line)
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// cut cuts line to width characters on screen: a line the terminal wraps
// cannot be redrawn in place.
func cut(line string, width int) string {
	visible := sgr().ReplaceAllString(line, "")
	r := []rune(visible)
	if len(r) <= width {
		return line
	}
	return string(r[:max(width-1, 0)]) + "…"
}
