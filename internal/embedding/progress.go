package embedding

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress counts a run's texts as they are done, for a live display; it
// is safe to read while the run goes on.
type Progress struct {
	done, failed, retries atomic.Int64

	mu          sync.Mutex
	total       int
	start       time.Time
	lastRetry   string    // why the last retry was needed
	pausedUntil time.Time // when a server's Retry-After lets requests go again
}

func (p *Progress) begin(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.start = total, time.Now()
}

func (p *Progress) retried(reason string) {
	p.retries.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastRetry = reason
}

func (p *Progress) pause(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pausedUntil = until
}

// Done is the number of texts embedded so far.
func (p *Progress) Done() int { return int(p.done.Load()) }

// Retries is the number of requests sent again so far.
func (p *Progress) Retries() int { return int(p.retries.Load()) }

// Fraction is the share of the texts done or failed, from 0 to 1.
func (p *Progress) Fraction() float64 {
	p.mu.Lock()
	total := p.total
	p.mu.Unlock()
	if total == 0 {
		return 0
	}
	return float64(p.done.Load()+p.failed.Load()) / float64(total)
}

// Line is the progress in a line: "1200/7800 texts, 85.3 texts/s, ETA
// 1m17s, 3 retries (the last: HTTP 503: busy)".
func (p *Progress) Line() string {
	p.mu.Lock()
	total, start, last, paused := p.total, p.start, p.lastRetry, time.Until(p.pausedUntil)
	p.mu.Unlock()
	done, failed, retries := int(p.done.Load()), int(p.failed.Load()), int(p.retries.Load())
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d texts", done+failed, total)
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	if secs := time.Since(start).Seconds(); done+failed > 0 && secs > 0 {
		rate := float64(done+failed) / secs
		fmt.Fprintf(&b, ", %.1f texts/s", rate)
		if left := total - done - failed; left > 0 {
			fmt.Fprintf(&b, ", ETA %s", time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	if retries > 0 {
		noun := map[bool]string{true: "retry", false: "retries"}[retries == 1]
		fmt.Fprintf(&b, ", %d %s (the last: %s)", retries, noun, last)
	}
	if paused > 0 {
		fmt.Fprintf(&b, "; the server asked to wait %s", paused.Round(time.Second))
	}
	return b.String()
}
