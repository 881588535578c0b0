package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestOf(t *testing.T) {
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
		if got := Of(h, time.Minute); got < tt.min || got > tt.max {
			t.Errorf("Of(Retry-After: %q) = %s, want %s to %s", tt.value, got, tt.min, tt.max)
		}
	}
}
