package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"pagegen/internal/neocities/neocitiestest"
)

// benchFiles is the size of the benchmarks' site: a Neocities-sized one
// (PAGEGEN_BENCH_FILES changes it).
func benchFiles(b *testing.B) int {
	n := 93_693
	if v := os.Getenv("PAGEGEN_BENCH_FILES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("PAGEGEN_BENCH_FILES=%s: give a number of files, at least 100", v)
		}
	}
	return n
}

// benchSite writes a site of n small files named as the site for
// Neocities names them (the index, 78 chronological chapters, then six
// chapters of each poem's similar and different orderings), published as
// it is on a stand-in server beside 300 files of the poet's. The files are
// ~200 bytes: a plan with a warm hash cache reads none of them, and its
// cost is in their number (a stat each, a line of the list each), not
// their size; the site for Neocities is ~190 kB a file, 17.7 GB.
func benchSite(b *testing.B, n int) (*Deploy, *neocitiestest.Server, []string) {
	b.Helper()
	dir := b.TempDir()
	names := []string{"index.html"}
	for c := 1; c <= 78 && len(names) < n; c++ {
		names = append(names, chapter("chronological", c))
	}
	for p := 1; len(names) < n; p++ {
		for _, kind := range []string{"similar", "different"} {
			for c := 1; c <= 6 && len(names) < n; c++ {
				names = append(names, chapter(fmt.Sprintf("%s/%d", kind, p), c))
			}
		}
	}
	s := neocitiestest.New(b, key)
	for i := range 300 {
		s.PutHash(fmt.Sprintf("art/%d.png", i), fmt.Sprintf("%040x", i), 50_000)
	}
	pages := make(map[string]string, len(names))
	for _, name := range names {
		data := fmt.Sprintf("<html><head><title>%s</title></head><body><pre>%0150d</pre></body></html>\n", name, len(name))
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
		s.PutHash(name, sha1Hex(data), int64(len(data)))
		pages[name] = ""
	}
	d := newDeploy(b, s, dir, "", pages, key)
	d.Control = DefaultControl
	// The first plan hashes every file and fills the cache.
	if p, err := d.Plan(context.Background()); err != nil || p.Sends() || p.Hashed != n {
		b.Fatalf("the first plan: %v; sends %v, hashed %d of %d", err, p.Sends(), p.Hashed, n)
	}
	return d, s, names
}

func chapter(base string, c int) string {
	if c == 1 {
		return base + ".html"
	}
	return fmt.Sprintf("%s-%d.html", base, c)
}

// BenchmarkPlan is a deploy's plan of a Neocities-sized site with nothing
// changed and the hash cache warm, against a local stand-in server: the
// site's files listed and stat'ed, the cache read and written, the live
// site listed (the site's files, the poet's 300 and the folders: 94,000
// entries of JSON, made and read) and compared. list is the listing alone,
// of which the stand-in's making is part.
func BenchmarkPlan(b *testing.B) {
	n := benchFiles(b)
	d, _, _ := benchSite(b, n)
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			p, err := d.Plan(context.Background())
			if err != nil || p.Sends() || p.Hashed != 0 {
				b.Fatalf("plan: %v; sends %v, hashed %d", err, p.Sends(), p.Hashed)
			}
		}
		b.ReportMetric(float64(n), "files")
	})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.Client.List(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeployNewPoem is a deploy after one new poem at the size of the
// site for Neocities: its 12 pages new, the index and the last
// chronological chapter changed, and 3% of the other pages (those that
// show the new poem among their entries) changed, against a local
// stand-in server that answers at once: the plan, the upload in batches,
// and the check of the list. It fails unless exactly those files are sent.
func BenchmarkDeployNewPoem(b *testing.B) {
	n := benchFiles(b)
	d, s, names := benchSite(b, n)
	poem := len(names) // a number no page has yet
	round := 0
	for b.Loop() {
		b.StopTimer()
		round++
		var want []string
		change := func(name string) {
			path := filepath.Join(d.Site, filepath.FromSlash(name))
			if err := os.WriteFile(path, []byte(fmt.Sprintf("%s, round %d\n", name, round)), 0o644); err != nil {
				b.Fatal(err)
			}
			want = append(want, name)
		}
		poem++
		for _, kind := range []string{"similar", "different"} {
			for c := 1; c <= 6; c++ {
				change(chapter(fmt.Sprintf("%s/%d", kind, poem), c))
			}
		}
		change("index.html")
		change(names[78]) // the last chronological chapter
		for i := 79 + round; i < len(names); i += 33 {
			change(names[i])
		}
		before := len(s.Stored())
		d.Progress = Progress{}
		b.StartTimer()
		p, err := d.Plan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		r, err := d.Publish(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var sent []string
		for _, batch := range s.Stored()[before:] {
			sent = append(sent, batch...)
		}
		slices.Sort(sent)
		slices.Sort(want)
		if !slices.Equal(sent, want) || r.Sent != len(want) {
			b.Fatalf("sent %d files, want exactly the %d changed", len(sent), len(want))
		}
		b.ReportMetric(float64(len(want)), "files-sent")
		b.ReportMetric(float64(r.Requests), "requests")
		b.StartTimer()
	}
}
