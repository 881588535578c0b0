package neocitiestest

import (
	"io"
	"net/http"
	"sync"
)

// Fault may answer a request instead of the API; it reports whether it did.
type Fault func(w http.ResponseWriter, r *http.Request) bool

// On has f answer only requests to the API's endpoint ("upload", "list",
// "delete", "info").
func On(endpoint string, f Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		return r.URL.Path == "/api/"+endpoint && f(w, r)
	}
}

// Times has f answer at most n requests, the first ones it would answer.
func Times(n int, f Fault) Fault {
	var mu sync.Mutex
	done := 0
	return func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if done >= n || !f(w, r) {
			return false
		}
		done++
		return true
	}
}

// Any has the first of faults that answers a request answer it.
func Any(faults ...Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		for _, f := range faults {
			if f(w, r) {
				return true
			}
		}
		return false
	}
}

// TooMany answers 429 with Retry-After (none when empty), as a rate limit does.
func TooMany(retryAfter string) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		apiError(w, http.StatusTooManyRequests, "rate_limited", "too many requests, slow down")
		return true
	}
}

// ServerError answers 500 with an HTML page, as a crashed application
// behind a proxy does.
func ServerError() Fault {
	return htmlPage(http.StatusInternalServerError, "500 Internal Server Error")
}

// NotJSON answers 200 with an HTML page: a proxy's or a maintenance page
// that says all is well.
func NotJSON() Fault {
	return htmlPage(http.StatusOK, "Neocities is down for maintenance")
}

func htmlPage(code int, title string) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(code)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>"+title+"</title></head><body><h1>"+title+"</h1></body></html>\n")
		return true
	}
}

// Drop closes the connection without a reply, half way through the request.
func Drop() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		io.CopyN(io.Discard, r.Body, max(r.ContentLength/2, 0))
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic("neocitiestest: cannot drop the connection: " + err.Error())
		}
		conn.Close()
		return true
	}
}

// Stall answers nothing until the client gives up (or the server closes).
func Stall() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return true
	}
}

// Bigger has f answer only requests whose body is over n bytes.
func Bigger(n int64, f Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		return r.ContentLength > n && f(w, r)
	}
}
