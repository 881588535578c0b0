package embedding

import (
	"net/http"
	"time"

	"pagegen/internal/retry"
)

// kind says what may come of a failed request if it is sent again.
type kind int

const (
	// transient: it may pass later (429, 5xx, a timeout, a dropped
	// connection, a reply cut short): retried after a pause.
	transient kind = iota
	// unreachable: no connection at all. Before the server has answered
	// once this is a wrong address or a server not started, and the run
	// stops at once; after, a restart, and it is transient.
	unreachable
	// refused: the server refused the request (a 4xx): a smaller batch
	// may pass, the same one will not.
	refused
	// badReply: the reply as a whole failed the checks (the count, a NaN
	// in JSON, the shape): a smaller batch may pass.
	badReply
	// fatal: no request will pass (a wrong key, model or address): the run stops.
	fatal
)

// failure is why a request failed, in words for people (and the
// embeddings file), and when the server asked to be called again.
type failure struct {
	kind       kind
	reason     string
	retryAfter time.Duration // 0: the server did not say
}

func (f *failure) Error() string { return f.reason }

// maxRetryAfter bounds how long a server's Retry-After is honoured: a
// longer wait is cut to it (and counts as one retry like any other).
const maxRetryAfter = 10 * time.Minute

// retryAfter is the wait a reply's Retry-After asks for (seconds, or an
// HTTP date), 0 when it asks for none.
func retryAfter(h http.Header) time.Duration { return retry.After(h, maxRetryAfter) }

// Backoff is the pause before a retry: doubling from base with each retry
// up to most, half of it random (jitter), so that requests that failed
// together do not all come back at once; and never shorter than what the
// server asked for.
type Backoff struct {
	Base, Most time.Duration
}

// pause is the wait before retry number n (from 1) of a request that failed with f.
func (b Backoff) pause(n int, f *failure) time.Duration {
	return max(retry.Backoff(b).Pause(n), f.retryAfter)
}
