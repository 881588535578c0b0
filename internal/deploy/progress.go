package deploy

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"pagegen/internal/amount"
)

// Progress counts a deploy's work as it is done, for a live display; it is
// safe to read while the deploy goes on.
type Progress struct {
	mu          sync.Mutex
	phase       string // hashing, sending, removing
	total       int
	totalBytes  int64
	done        int
	doneBytes   int64
	failed      int
	start       time.Time
	requests    int // requests sent, all phases
	retries     int // all phases
	lastRetry   string
	pausedUntil time.Time
}

// begin starts a phase of files and bytes to do.
func (p *Progress) begin(phase string, files int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.total, p.totalBytes, p.done, p.doneBytes, p.failed, p.start = phase, files, bytes, 0, 0, 0, time.Now()
}

func (p *Progress) add(files int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += files
	p.doneBytes += bytes
}

func (p *Progress) fail(files int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failed += files
	p.doneBytes += bytes
}

func (p *Progress) sent() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
}

func (p *Progress) retried(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retries++
	p.lastRetry = reason
}

func (p *Progress) pause(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pausedUntil = until
}

// Requests is the number of requests sent so far.
func (p *Progress) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Retries is the number of requests sent again so far.
func (p *Progress) Retries() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.retries
}

// Line is the progress in a line, and the share of the phase done: "sending:
// 1200/4000 files, 230.1 MB/820.4 MB, 2.3 MB/s, ETA 4m20s, 3 retries (the
// last: HTTP 429 ...)".
func (p *Progress) Line() (string, float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	n := p.done + p.failed
	fmt.Fprintf(&b, "%s: %d/%d files", p.phase, n, p.total)
	if p.totalBytes > 0 {
		fmt.Fprintf(&b, ", %s/%s", amount.Bytes(p.doneBytes), amount.Bytes(p.totalBytes))
	}
	if p.failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", p.failed)
	}
	share := 0.0
	if p.totalBytes > 0 {
		share = float64(p.doneBytes) / float64(p.totalBytes)
	} else if p.total > 0 {
		share = float64(n) / float64(p.total)
	}
	if secs := time.Since(p.start).Seconds(); n > 0 && secs > 0 && share > 0 {
		if p.totalBytes > 0 {
			fmt.Fprintf(&b, ", %.1f MB/s", float64(p.doneBytes)/1e6/secs)
		} else {
			fmt.Fprintf(&b, ", %.1f files/s", float64(n)/secs)
		}
		if share < 1 {
			fmt.Fprintf(&b, ", ETA %s", time.Duration(secs*(1-share)/share*float64(time.Second)).Round(time.Second))
		}
	}
	if p.retries > 0 {
		fmt.Fprintf(&b, ", %d %s (the last: %s)", p.retries, map[bool]string{true: "retry", false: "retries"}[p.retries == 1], p.lastRetry)
	}
	if wait := time.Until(p.pausedUntil); wait > 0 {
		fmt.Fprintf(&b, "; waiting %s before sending again", wait.Round(time.Second))
	}
	return b.String(), share
}
