// Package retry paces requests sent again to a server: how long a reply
// asks to be left alone (Retry-After), and a doubling pause with jitter.
package retry

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// After is the wait the reply's header h asks for (Retry-After: seconds,
// or an HTTP date), at most most; 0 when it asks for none, or for a time
// already past.
func After(h http.Header, most time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(min(secs, most.Seconds()) * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), most)
}

// Backoff is the pause before a retry: doubling from Base with each retry
// up to Most, half of it random (jitter), so that requests that failed
// together do not all come back at once.
type Backoff struct {
	Base, Most time.Duration
}

// Pause is the wait before retry number n (from 1).
func (b Backoff) Pause(n int) time.Duration {
	d := b.Most
	if n < 32 && b.Base<<(n-1) < b.Most {
		d = b.Base << (n - 1)
	}
	return d/2 + rand.N(d/2+1)
}
