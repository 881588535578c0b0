package embedding

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Embedder embeds texts with a server.
type Embedder struct {
	Server  *Server
	Batch   int           // texts a request
	Jobs    int           // requests at once
	Retries int           // retries of a request that failed for a passing reason
	Timeout time.Duration // how long a request waits for its reply
	Backoff Backoff
	// GiveUp stops the run when no request has succeeded for this long
	// while requests kept failing: the server is down, not having a bad
	// moment, and a retry of every text would take hours.
	GiveUp time.Duration
	// Dimension is the length every vector must have (the cache's), or 0
	// to take it from the first reply.
	Dimension int
	// Keep receives the texts embedded and their vectors, one reply at a
	// time, before they count as done (the cache keeps them); an error
	// stops the run.
	Keep func(texts []string, vecs [][]float32) error
	// Progress counts what has been done, for a live display.
	Progress Progress

	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// DimensionError is a reply whose vectors all have another length than
// those before them (the cache's, or earlier replies'): the model changed
// under its name, or the server serves another one.
type DimensionError struct {
	Got, Want int
}

// Error says both lengths.
func (e *DimensionError) Error() string {
	return fmt.Sprintf("the server's vectors have %d values, but those before them %d", e.Got, e.Want)
}

// run is one Embed call.
type run struct {
	*Embedder
	texts []string
	vecs  [][]float32
	errs  []error
	stop  context.CancelCauseFunc

	dim         atomic.Int64
	succeeded   atomic.Bool
	lastSuccess atomic.Int64 // time.Now().UnixNano() of the last reply, or of the start

	mu         sync.Mutex // Keep is given one reply at a time
	pauseMu    sync.Mutex
	pauseUntil time.Time // when a server's Retry-After lets requests go again
}

// Embed embeds texts. It returns their vectors, and for a text that could
// not be embedded a nil vector and its error (errs[i]); err ends the whole
// run: ctx's end, a server that cannot work (a wrong address, key or
// model), one that stays down, or Keep's error.
func (e *Embedder) Embed(ctx context.Context, texts []string) (vecs [][]float32, errs []error, err error) {
	r := &run{Embedder: e, texts: texts, vecs: make([][]float32, len(texts)), errs: make([]error, len(texts))}
	if r.sleep == nil {
		r.sleep = sleep
	}
	r.dim.Store(int64(e.Dimension))
	r.lastSuccess.Store(time.Now().UnixNano())
	e.Progress.begin(len(texts))
	ctx, r.stop = context.WithCancelCause(ctx)
	defer r.stop(nil)

	var batches [][]int
	for lo := 0; lo < len(texts); lo += e.Batch {
		idx := make([]int, min(e.Batch, len(texts)-lo))
		for i := range idx {
			idx[i] = lo + i
		}
		batches = append(batches, idx)
	}
	// Requests go one at a time until one succeeds: it tells the vectors'
	// length, and that the server works at all, before many fail alike.
	for whole := 0; len(batches) > 0 && ctx.Err() == nil; {
		first := batches[0]
		batches = batches[1:]
		r.process(ctx, first)
		if r.succeeded.Load() {
			break
		}
		if whole++; whole == 2 && ctx.Err() == nil {
			r.stop(fmt.Errorf("%s: the server embedded none of the first %d texts (the last: %s): stopped", r.Server, first[len(first)-1]+1, r.errs[first[0]]))
		}
	}
	work := make(chan []int)
	var wg sync.WaitGroup
	for range min(e.Jobs, len(batches)) {
		wg.Go(func() {
			for idx := range work {
				r.process(ctx, idx)
			}
		})
	}
feed:
	for _, b := range batches {
		select {
		case work <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, context.Cause(ctx)
	}
	return r.vecs, r.errs, nil
}

// process embeds the texts idx, all in one request if it can: what a
// refused, bad or failed request held is sent again in halves, and a bad
// vector alone, until every text is embedded or failed on its own.
func (r *run) process(ctx context.Context, idx []int) {
	texts := make([]string, len(idx))
	for i, at := range idx {
		texts[i] = r.texts[at]
	}
	vecs, f := r.request(ctx, texts)
	switch {
	case vecs != nil:
		r.accept(ctx, idx, texts, vecs) // even when the run is stopping: it came, keep it
	case f == nil:
		return // the run stopped
	case f.kind == fatal:
		r.stop(fmt.Errorf("%s: %s", r.Server, f.reason))
	case len(idx) > 1:
		r.process(ctx, idx[:len(idx)/2])
		r.process(ctx, idx[len(idx)/2:])
	default:
		r.fail(idx[0], f)
	}
}

// accept takes the good vectors of a reply; a bad one is asked for again
// alone, or is its text's failure when it was alone already.
func (r *run) accept(ctx context.Context, idx []int, texts []string, vecs [][]float32) {
	if got := firstLength(vecs); got > 0 {
		r.dim.CompareAndSwap(0, int64(got))
	}
	want := int(r.dim.Load())
	// Many vectors of one other length are another model; one alone may
	// be a text the server gets wrong.
	if got, same := sameLength(vecs); same && len(vecs) > 1 && got > 0 && got != want {
		r.stop(&DimensionError{Got: got, Want: want})
		return
	}
	var goodTexts []string
	var goodVecs [][]float32
	var bad []int
	for i, v := range vecs {
		if why := check(v, want); why != "" {
			if len(idx) == 1 {
				r.fail(idx[i], &failure{kind: badReply, reason: why})
			} else {
				bad = append(bad, idx[i])
			}
			continue
		}
		goodTexts, goodVecs = append(goodTexts, texts[i]), append(goodVecs, v)
		r.vecs[idx[i]] = v // idx are this call's alone
	}
	if len(goodVecs) > 0 {
		r.mu.Lock()
		err := r.Keep(goodTexts, goodVecs)
		r.mu.Unlock()
		if err != nil {
			r.stop(err)
			return
		}
		r.Progress.done.Add(int64(len(goodVecs)))
	}
	for _, at := range bad {
		r.process(ctx, []int{at})
	}
}

// fail records that text i cannot be embedded.
func (r *run) fail(i int, f *failure) {
	r.errs[i] = f
	r.Progress.failed.Add(1)
}

// request sends one request, again after a pause while it fails for a
// passing reason, up to Retries times. A reply that comes is returned
// unchecked but for its count; neither a reply nor a failure: the run stopped.
func (r *run) request(ctx context.Context, texts []string) ([][]float32, *failure) {
	for n := 0; ; n++ {
		if r.waitPause(ctx) != nil {
			return nil, nil
		}
		actx, cancel := context.WithTimeout(ctx, r.Timeout)
		vecs, f := r.Server.embed(actx, texts, r.most())
		timedOut := actx.Err() == context.DeadlineExceeded
		cancel()
		if f == nil {
			r.succeeded.Store(true)
			r.lastSuccess.Store(time.Now().UnixNano())
			return vecs, nil
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		if timedOut {
			f = &failure{kind: transient, reason: fmt.Sprintf("no reply within %s (EMBED_TIMEOUT)", r.Timeout)}
		}
		if f.kind == unreachable {
			f.kind = transient // a restart, once the server has answered
			if !r.succeeded.Load() {
				f.kind = fatal
				f.reason += ": is the server running there? (Ollama: ollama serve; or set EMBED_URL)"
			}
		}
		if f.kind != transient || n == r.Retries {
			if n > 0 {
				f.reason += fmt.Sprintf(" (%d tries)", n+1)
			}
			r.checkStalled(f)
			return nil, f
		}
		r.Progress.retried(f.reason)
		wait := r.Backoff.pause(n+1, f)
		if f.retryAfter > 0 {
			r.pauseAll(f.retryAfter) // the server is busy for every request, not this one alone
		}
		if r.sleep(ctx, wait) != nil {
			return nil, nil
		}
	}
}

// most is how many values a vector of a reply may have: four times those
// of the vectors before it (so that a model changed under its name shows as
// such), or maxDimension before the first reply.
func (r *run) most() int {
	if d := int(r.dim.Load()); d > 0 {
		return min(4*d, maxDimension)
	}
	return maxDimension
}

// checkStalled stops the run once no request has succeeded for GiveUp.
func (r *run) checkStalled(f *failure) {
	if since := time.Since(time.Unix(0, r.lastSuccess.Load())); since > r.GiveUp {
		r.stop(fmt.Errorf("%s: no request has succeeded for %s (the last: %s): stopped; make embeddings carries on from here when the server works again",
			r.Server, since.Round(time.Second), f.reason))
	}
}

// pauseAll holds every request back for d.
func (r *run) pauseAll(d time.Duration) {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	if until := time.Now().Add(d); until.After(r.pauseUntil) {
		r.pauseUntil = until
		r.Progress.pause(until)
	}
}

// waitPause waits while a server's Retry-After holds requests back.
func (r *run) waitPause(ctx context.Context) error {
	r.pauseMu.Lock()
	d := time.Until(r.pauseUntil)
	r.pauseMu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	return r.sleep(ctx, d)
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

// check says why v cannot be a text's vector, or "" when it can.
func check(v []float32, want int) string {
	if len(v) == 0 {
		return "the server sent an empty vector"
	}
	if len(v) != want {
		return fmt.Sprintf("the server sent a vector of %d values, not %d like the others", len(v), want)
	}
	zero := true
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return "the server sent a vector with NaN or infinite values"
		}
		zero = zero && x == 0
	}
	if zero {
		return "the server sent a vector of zeros, which has no direction to compare"
	}
	return ""
}

// firstLength is the length of the first vector that has values, 0 when none has.
func firstLength(vecs [][]float32) int {
	for _, v := range vecs {
		if len(v) > 0 {
			return len(v)
		}
	}
	return 0
}

// sameLength is the length of vecs when they all have the same.
func sameLength(vecs [][]float32) (int, bool) {
	for _, v := range vecs[1:] {
		if len(v) != len(vecs[0]) {
			return 0, false
		}
	}
	return len(vecs[0]), true
}
