package site_test

// Benchmarks of what one pagegen process does in process, through the
// functions it calls, on a synthetic collection packed by the real pipeline:
//
//	go test -run '^$' -bench . ./internal/site                         # 1,000 poems
//	PAGEGEN_BENCH_POEMS=7800 go test -run '^$' -bench . ./internal/site # make bench's size
//
// PAGEGEN_BENCH_CORPUS names a packed corpus to use instead (make bench
// passes its own). The corpus is made only when a benchmark runs, never by
// plain go test.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"unsafe"

	"pagegen/internal/corpus"
	"pagegen/internal/input"
	"pagegen/internal/pack"
	"pagegen/internal/pack/packtest"
	"pagegen/internal/render"
	"pagegen/internal/site"
	"pagegen/internal/synth"
)

// benchCorpus is made once per test binary, for every benchmark and every
// -count; benchPath is its file, and benchTemp the folder it was packed into
// when no PAGEGEN_BENCH_CORPUS was given, which TestMain removes.
var (
	benchCorpus          = sync.OnceValues(openBenchCorpus)
	benchPath, benchTemp string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTemp != "" {
		os.RemoveAll(benchTemp)
	}
	os.Exit(code)
}

func synthetic(b *testing.B) *corpus.Corpus {
	b.Helper()
	c, err := benchCorpus()
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func openBenchCorpus() (*corpus.Corpus, error) {
	benchPath = os.Getenv("PAGEGEN_BENCH_CORPUS")
	if benchPath == "" {
		var err error
		if benchTemp, err = os.MkdirTemp("", "pagegen-bench-"); err != nil {
			return nil, err
		}
		if benchPath, err = packSynthetic(benchTemp); err != nil {
			return nil, err
		}
	}
	c, err := corpus.Open(benchPath)
	if err != nil {
		return nil, err
	}
	// Reads every byte, so that no benchmark pays for mapping the corpus in:
	// in a build, the other pages' processes keep it in the page cache.
	return c, c.Verify()
}

// packSynthetic packs a synthetic collection of PAGEGEN_BENCH_POEMS poems
// (1,000 by default), made as make bench makes its own, into dir.
func packSynthetic(dir string) (string, error) {
	n := 1000
	if v := os.Getenv("PAGEGEN_BENCH_POEMS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			return "", err
		}
	}
	if err := synth.Write(dir, synth.Options{Poems: n, Dim: 768, TextBytes: 1100, Clusters: 40, Seed: 1}); err != nil {
		return "", err
	}
	in, err := input.Read(input.Options{Poems: filepath.Join(dir, "poems.json"),
		Embeddings: filepath.Join(dir, "embeddings.json"), Colors: filepath.Join(dir, "color_embeddings.json")})
	if err != nil {
		return "", err
	}
	contents, _ := pack.Contents(in, corpus.Fingerprint{}, nil)
	path := filepath.Join(dir, "corpus.bin")
	return path, packtest.WriteFile(path, contents)
}

// anchor is the poem of iteration i: a prime step takes the iterations all
// over the collection, not through one cluster of neighbours.
func anchor(c *corpus.Corpus, i int) int { return i * 7919 % c.Len() }

var orderings = []render.Kind{render.Similar, render.Different}

// BenchmarkOrdering is one poem's ordering as its page lays it out when the
// record of the orderings does not have it (Layout.Pages: order.Similar,
// order.Walk, and the chapters' closure): whole, and capped as
// on the site for Neocities (PER_PAGE=100 CHAPTERS=6: 600 poems).
func BenchmarkOrdering(b *testing.B) {
	c := synthetic(b)
	for _, s := range []struct {
		name     string
		settings site.Settings
	}{{"whole", site.Settings{}}, {"capped", site.Settings{PerPage: 100, Chapters: 6}}} {
		l, err := site.New(c, s.settings)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range orderings {
			b.Run(k.Name()+"/"+s.name, func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					l.Pages(site.Seq{Kind: site.Kind(k), N: c.N(anchor(c, i))})
				}
			})
		}
	}
}

// BenchmarkWrite is one whole page written as pagegen similar N and
// different N write it (Layout.Write: the ordering, the entries, a new file
// renamed into place): with the corpus open, and with the corpus opened
// afresh for the page and closed after, as a page process does, which sets
// the cost of mapping the corpus apart from that of starting a process.
// Each page is removed untimed: over a page with the same bytes, Write only
// compares them.
func BenchmarkWrite(b *testing.B) {
	c := synthetic(b)
	out := b.TempDir()
	write := func(b *testing.B, l site.Layout, q site.Seq) {
		if _, err := l.Write(context.Background(), out, "", q, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := os.Remove(filepath.Join(out, l.Name(q, 1))); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	l, err := site.New(c, site.Settings{})
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range orderings {
		b.Run(k.Name(), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				write(b, l, site.Seq{Kind: site.Kind(k), N: c.N(anchor(c, i))})
			}
		})
		b.Run(k.Name()+"/fresh", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				fresh, err := corpus.Open(benchPath)
				if err != nil {
					b.Fatal(err)
				}
				l, err := site.New(fresh, site.Settings{})
				if err != nil {
					b.Fatal(err)
				}
				write(b, l, site.Seq{Kind: site.Kind(k), N: c.N(anchor(c, i))})
				fresh.Close()
			}
		})
	}
}

// BenchmarkGramRead reads the whole Gram matrix once on one core, as the
// whole different ordering does: the floor under its time. It reads eight
// bytes at a time in four independent chains, so that memory, not the
// loop, sets the pace.
func BenchmarkGramRead(b *testing.B) {
	g := synthetic(b).Gram()
	words := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(g))), len(g)/2)
	b.SetBytes(int64(len(words)) * 8)
	for b.Loop() {
		var w, x, y, z uint64
		for i := 0; i+3 < len(words); i += 4 {
			w ^= words[i]
			x ^= words[i+1]
			y ^= words[i+2]
			z ^= words[i+3]
		}
		gramSink = w ^ x ^ y ^ z // a store the compiler keeps, and so the reads
	}
}

var gramSink uint64
