package workers

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestRunEveryJobOnce(t *testing.T) {
	for _, tt := range []struct{ n, k int }{{0, 2}, {1, 2}, {100, 1}, {1000, 3}, {5, 0}} {
		counts := make([]atomic.Int32, tt.n)
		if err := Run(tt.n, tt.k, func(i int) error { counts[i].Add(1); return nil }); err != nil {
			t.Fatal(err)
		}
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Fatalf("n=%d k=%d: job %d ran %d times", tt.n, tt.k, i, c)
			}
		}
	}
}

func TestRunStopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	var ran atomic.Int32
	err := Run(1000, 1, func(i int) error {
		ran.Add(1)
		if i == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || ran.Load() != 11 {
		t.Errorf("Run = %v after %d jobs, want boom after 11", err, ran.Load())
	}
}
