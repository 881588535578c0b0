package main

import (
	"fmt"
	"time"
)

// deploy runs the Go benchmarks of internal/deploy: make deploy's plan of a
// site the size of the one for Neocities with nothing changed and the hash
// cache warm, and a deploy after one new poem, both against a local
// stand-in Neocities that answers at once. The files are small: a plan
// with the cache warm reads none of them, and its cost is in their number.
func (b *bench) deploy() error {
	const iterations, runs = 3, 3
	results, err := b.goBench("./internal/deploy", "^Benchmark(Plan|DeployNewPoem)$", iterations, runs)
	if err != nil {
		return err
	}
	b.t.section(fmt.Sprintf("`make deploy` at the size of the site for Neocities: 93,693 files of ~200 bytes, against a local stand-in Neocities; `go test -bench` in internal/deploy (median of %d runs of %d, range in brackets)", runs, iterations))
	for _, r := range []struct {
		name, what string
		limit      time.Duration
	}{
		{"Plan/whole", "the plan with nothing changed and the hash cache warm: every file stat'ed, the cache read, the live site listed, compared", 3 * time.Second},
		{"Plan/list", "… of which the list: the stand-in writing 94,000 entries of JSON, the client reading them", 0},
		{"DeployNewPoem", "a deploy after one new poem (12 pages new, 2,839 changed): the plan, the upload in batches, the list checked again; it fails unless exactly those files are sent", 0},
	} {
		d, err := benchResult(results, r.name)
		if err != nil {
			return err
		}
		if r.limit > 0 {
			b.t.atMostRange(fmt.Sprintf("`Benchmark%s`: %s", r.name, r.what), d, r.limit)
		} else {
			b.t.addRange(fmt.Sprintf("`Benchmark%s`: %s", r.name, r.what), d)
		}
	}
	return nil
}
