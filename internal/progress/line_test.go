package progress

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// buffer is a writer safe to read while Line writes.
type buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestLine(t *testing.T) {
	var plain buffer
	stop := Line(&plain, false, 80, 10*time.Millisecond, "deploy: ", func() (string, float64) { return "3/4 files", 0.75 })
	time.Sleep(60 * time.Millisecond)
	stop()
	if got := plain.String(); !strings.HasPrefix(got, "deploy: 3/4 files\n") || strings.Contains(got, "\x1b") {
		t.Errorf("plain lines: %q", got)
	}

	var tty buffer
	stop = Line(&tty, true, 30, time.Hour, "deploy: ", func() (string, float64) { return strings.Repeat("x", 50), 0.5 })
	time.Sleep(300 * time.Millisecond)
	stop()
	got := tty.String()
	if !strings.HasPrefix(got, "\r\x1b[K") || !strings.HasSuffix(got, "\r\x1b[K") || !strings.Contains(got, "…") || strings.Contains(got, "\n") {
		t.Errorf("a line redrawn in place, cut to the width, and erased at the end: %q", got)
	}

	var none buffer
	Line(&none, false, 80, 0, "", func() (string, float64) { return "x", 0 })()
	if none.String() != "" {
		t.Errorf("no interval, no lines: %q", none.String())
	}
}
