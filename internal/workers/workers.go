// Package workers shares numbered jobs out among goroutines, each taking the
// next job as soon as it is done with one, so that uneven jobs even out.
package workers

import (
	"sync"
	"sync/atomic"
)

// Run calls fn(i) for every i in [0, n) on k goroutines. After a job fails no
// new job starts; Run returns the first error.
func Run(n, k int, fn func(i int) error) error {
	var next atomic.Int64
	var failed atomic.Bool
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range max(k, 1) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return first
}
