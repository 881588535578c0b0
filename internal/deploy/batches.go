package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"pagegen/internal/neocities"
	"pagegen/internal/retry"
)

// Failure is a file the server would not take (or delete), and why.
type Failure struct {
	Name string
	Err  error
}

// Control is how batches are sized and paced, what a server's strain
// changes and when to give up.
type Control struct {
	Jobs     int   // requests in flight at once
	Bytes    int64 // bytes a request holds at most (one larger file goes alone)
	Files    int   // files a request holds at most
	Retries  int   // tries again of one file the server fails alone (a 5xx, no reply)
	GrowFrom int   // requests that pass in a row before the batches grow again
	// GiveUp stops a deploy when no request has passed for this long while
	// requests kept failing: the server is down, not having a bad moment.
	GiveUp time.Duration
	// Backoff paces what is sent again after a failure that a server's
	// strain explains (a 5xx, no reply), and after a 429 that does not say
	// how long to wait.
	Backoff retry.Backoff
	// MostWaits stops a deploy after so many 429s in a row.
	MostWaits int
}

// DefaultControl suits Neocities: a few requests at once, of up to 16 MB
// (some 80 of the site's 190 kB chapters) or 200 files.
var DefaultControl = Control{
	Jobs: 3, Bytes: 16 << 20, Files: 200, Retries: 5, GrowFrom: 8,
	GiveUp:  10 * time.Minute,
	Backoff: retry.Backoff{Base: time.Second, Most: time.Minute}, MostWaits: 30,
}

// batches sends n items (files to upload, names to delete) in batches over
// a few requests at once, each batch as large as the server takes:
//
//   - a 429 holds every request back for as long as the server asks
//     (Retry-After), then the same batch goes again: smaller ones would
//     only be more requests;
//   - a 413, a 5xx, no reply in time, a dropped connection or a reply that
//     is not the API's halves the batches, which grow again once requests
//     pass (but never back to a size that got a 413); a file that fails so
//     alone is tried again a few times, then counted failed;
//   - a batch the server refuses (a file it does not take) is sent again in
//     halves, each alone, until the file is found and counted failed, with
//     the server's words, while the others go;
//   - a wrong key, a full site or a wrong address stops everything at once.
type batches struct {
	Control
	sizes    []int64 // of each item (bytes; 1 for a name)
	name     func(i int) string
	send     func(ctx context.Context, batch []int) error
	progress *Progress

	mu          sync.Mutex
	cond        *sync.Cond
	next        int     // the next item never sent
	front       []group // items to send again, before next
	inFlight    int
	limBytes    int64
	limFiles    int
	ceiling     int64 // the smallest batch a 413 refused (0: none)
	inRow       int   // requests passed in a row
	strained    int   // failures a strain explains, in a row
	waits       int   // 429s in a row
	pauseUntil  time.Time
	lastSuccess time.Time
	tries       map[int]int
	failed      []Failure
	stop        error
	cancel      func() // ends the requests in flight
	passedFiles int    // items the server took
	passedBytes int64  // and their size
}

// group is items to send again: alone, they were refused together and
// must not be sent with others until the one the server refuses is found.
type group struct {
	items []int
	alone bool
}

// run sends the items, and returns those that failed; err stops it all:
// ctx's end, or a failure no request can get past.
func (b *batches) run(parent context.Context) ([]Failure, error) {
	// A failure that stops the run ends the requests in flight too.
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	b.cancel = cancel
	b.cond = sync.NewCond(&b.mu)
	b.limBytes, b.limFiles = max(b.Bytes, 1), max(b.Files, 1)
	b.lastSuccess = time.Now()
	b.tries = map[int]int{}
	wake := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	defer wake()
	var wg sync.WaitGroup
	for range max(b.Jobs, 1) {
		wg.Go(func() { b.work(ctx) })
	}
	wg.Wait()
	slices.SortFunc(b.failed, func(x, y Failure) int { return compareNames(x.Name, y.Name) })
	if b.stop == nil && parent.Err() != nil {
		return b.failed, parent.Err()
	}
	return b.failed, b.stop
}

// halt stops the run with err, ending the requests in flight.
func (b *batches) halt(err error) {
	if b.stop == nil {
		b.stop = err
		b.cancel()
	}
}

// work sends batches until there are none left, or the run stops.
func (b *batches) work(ctx context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		for b.stop == nil && ctx.Err() == nil && !b.pending() && b.inFlight > 0 {
			b.cond.Wait() // a batch in flight may come back
		}
		if b.stop != nil || ctx.Err() != nil || !b.pending() {
			b.cond.Broadcast()
			return
		}
		batch, alone := b.take()
		b.inFlight++
		for wait := time.Until(b.pauseUntil); wait > 0 && ctx.Err() == nil; wait = time.Until(b.pauseUntil) {
			b.mu.Unlock()
			sleep(ctx, wait)
			b.mu.Lock()
		}
		err := ctx.Err()
		if err == nil {
			b.mu.Unlock()
			b.progress.sent()
			err = b.send(ctx, batch)
			b.mu.Lock()
		}
		b.inFlight--
		b.outcome(ctx, batch, alone, err)
		b.cond.Broadcast()
	}
}

// pending reports whether items wait to be sent.
func (b *batches) pending() bool { return len(b.front) > 0 || b.next < len(b.sizes) }

// take is the next batch within the limits: the items to send again
// first, in order; a group that must go alone goes without others.
func (b *batches) take() (batch []int, alone bool) {
	var bytes int64
	fits := func(i int) bool {
		if len(batch) > 0 && (len(batch) >= b.limFiles || bytes+b.sizes[i] > b.limBytes) {
			return false
		}
		batch = append(batch, i)
		bytes += b.sizes[i]
		return true
	}
	for len(b.front) > 0 {
		g := &b.front[0]
		if g.alone && len(batch) > 0 {
			return batch, false
		}
		for len(g.items) > 0 && fits(g.items[0]) {
			g.items = g.items[1:]
		}
		if len(g.items) > 0 || g.alone {
			if len(g.items) == 0 {
				b.front = b.front[1:]
			}
			return batch, g.alone
		}
		b.front = b.front[1:]
	}
	for b.next < len(b.sizes) && fits(b.next) {
		b.next++
	}
	return batch, false
}

// again puts groups back at the front, before everything else.
func (b *batches) again(groups ...group) {
	b.front = append(groups, b.front...)
}

func (b *batches) bytes(batch []int) int64 {
	var n int64
	for _, i := range batch {
		n += b.sizes[i]
	}
	return n
}

// outcome takes in what came of sending batch.
func (b *batches) outcome(ctx context.Context, batch []int, alone bool, err error) {
	if err == nil {
		b.passed(batch)
		return
	}
	if ctx.Err() != nil {
		return // stopped: what was in flight is sent again by the next run
	}
	var e *neocities.Error
	if !errors.As(err, &e) {
		b.halt(err) // a file of the site that cannot be read
		return
	}
	b.inRow = 0
	switch e.Kind {
	case neocities.RateLimited:
		b.again(group{batch, alone})
		if b.waits++; b.waits > b.MostWaits {
			b.halt(fmt.Errorf("the server asked to wait %d times in a row (the last: %v): stopped; run make deploy again later to carry on", b.waits, e))
			return
		}
		wait := e.RetryAfter
		if wait <= 0 {
			wait = b.Backoff.Pause(b.waits)
		}
		b.hold(wait)
		b.progress.retried(e.Error())
	case neocities.Overloaded, neocities.Unreachable:
		b.strained++
		switch {
		case len(batch) > 1 && e.Kind == neocities.Overloaded:
			b.shrink(batch, e)
			b.again(group{batch, alone})
		case len(batch) > 1:
			b.again(group{batch, alone})
		case e.Status == 413:
			b.fail(batch[0], fmt.Errorf("%w: the file alone is more than the server takes in one request", e))
			return
		default:
			if b.tries[batch[0]]++; b.tries[batch[0]] > b.Retries {
				b.fail(batch[0], fmt.Errorf("%w (%d tries)", e, b.tries[batch[0]]))
				return
			}
			b.again(group{batch, alone})
		}
		if e.Status != 413 {
			b.hold(b.Backoff.Pause(b.strained))
		}
		b.progress.retried(e.Error())
		if since := time.Since(b.lastSuccess); since > b.GiveUp {
			b.halt(fmt.Errorf("no request has passed for %s (the last: %v): stopped; run make deploy again when the server works again", since.Round(time.Second), e))
		}
	case neocities.Refused:
		if len(batch) == 1 {
			b.fail(batch[0], e)
			return
		}
		// The API refuses a whole request for one file: find it.
		half := len(batch) / 2
		b.again(group{batch[:half], true}, group{batch[half:], true})
	default:
		b.halt(e)
	}
}

// passed counts a batch the server took, and lets the batches grow again
// once enough have passed in a row.
func (b *batches) passed(batch []int) {
	b.passedFiles += len(batch)
	b.passedBytes += b.bytes(batch)
	b.progress.add(len(batch), b.bytes(batch))
	b.lastSuccess = time.Now()
	b.strained, b.waits = 0, 0
	if b.inRow++; b.inRow < b.GrowFrom {
		return
	}
	b.inRow = 0
	most := b.Bytes
	if b.ceiling > 0 {
		most = min(most, b.ceiling*3/4) // below what a 413 refused
	}
	b.limBytes = max(b.limBytes, min(most, 2*b.limBytes))
	b.limFiles = min(b.Files, 2*b.limFiles)
}

// shrink halves the batches after batch failed for its size, or under strain.
func (b *batches) shrink(batch []int, e *neocities.Error) {
	size := b.bytes(batch)
	b.limBytes = max(1, min(b.limBytes, size/2))
	b.limFiles = max(1, min(b.limFiles, len(batch)/2))
	if e.Status == 413 && (b.ceiling == 0 || size < b.ceiling) {
		b.ceiling = size
	}
}

// hold holds every request back for d.
func (b *batches) hold(d time.Duration) {
	if until := time.Now().Add(d); until.After(b.pauseUntil) {
		b.pauseUntil = until
		b.progress.pause(until)
	}
}

// fail counts item i failed, for good.
func (b *batches) fail(i int, err error) {
	b.failed = append(b.failed, Failure{Name: b.name(i), Err: err})
	b.progress.fail(1, b.sizes[i])
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
