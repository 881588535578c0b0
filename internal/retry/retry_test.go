package retry

import (
	"net/http"
	"testing"
	"time"
)

func TestAfter(t *testing.T) {
	for _, tt := range []struct {
		value    string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"7", 7 * time.Second, 7 * time.Second},
		{"0.5", 500 * time.Millisecond, 500 * time.Millisecond},
		{"-3", 0, 0},
		{"86400", time.Minute, time.Minute}, // bounded
		{"soon", 0, 0},
		{time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat), 28 * time.Second, 30 * time.Second},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
	} {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if got := After(h, time.Minute); got < tt.min || got > tt.max {
			t.Errorf("After(Retry-After: %q) = %s, want %s to %s", tt.value, got, tt.min, tt.max)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Most: 8 * time.Second}
	for _, tt := range []struct {
		n        int
		min, max time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{60, 4 * time.Second, 8 * time.Second}, // no overflow
	} {
		for range 20 {
			if got := b.Pause(tt.n); got < tt.min || got > tt.max {
				t.Fatalf("Pause(%d) = %s, want %s to %s", tt.n, got, tt.min, tt.max)
			}
		}
	}
}
