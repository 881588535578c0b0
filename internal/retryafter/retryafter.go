// Package retryafter reads how long a server asks to be left alone
// (Retry-After: seconds, or an HTTP date).
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Of is the wait the reply's header h asks for, at most most; 0 when it
// asks for none, or for a time already past.
func Of(h http.Header, most time.Duration) time.Duration {
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
