package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"pagegen/internal/synth"
)

// synthesize writes the synthetic inputs, unless a previous run left them
// with the same settings. They are corpus-synth's defaults at the requested
// size, as the Go benchmarks' own corpus (internal/site/bench_test.go).
func (b *bench) synthesize() error {
	opt := synth.Options{Poems: b.cli.Poems, Dim: b.cli.Dim, TextBytes: synthText, Clusters: synthClusters, Seed: synthSeed}
	b.inputs = b.scratch(fmt.Sprintf("corpus-n%d-d%d", opt.Poems, opt.Dim))
	b.corpus = filepath.Join(b.inputs, "corpus.bin")
	stamp := filepath.Join(b.inputs, "synth.done")
	want := fmt.Sprintf("synth %d %+v\n", synth.Version, opt)
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		progressf("reusing the synthetic corpus in %s", b.inputs)
	} else {
		os.RemoveAll(b.inputs)
		start := time.Now()
		if err := synth.Write(b.inputs, opt); err != nil {
			return err
		}
		if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
			return err
		}
		progressf("wrote the synthetic corpus to %s in %s", b.inputs, dur(time.Since(start)))
	}
	var size int64
	for _, f := range b.inputFiles() {
		fi, err := os.Stat(f)
		if err != nil {
			return err
		}
		size += fi.Size()
	}
	b.t.header = append(b.t.header, fmt.Sprintf("Corpus: synthetic (internal/synth, seed %d, %d clusters): %d poems, %d-d, ~%.1f KB of text per poem; %s of JSON",
		opt.Seed, opt.Clusters, opt.Poems, opt.Dim, float64(opt.TextBytes)/1000, mb(size)))
	return nil
}

func (b *bench) inputFiles() []string { return inputsIn(b.inputs) }

// inputsIn are the poems, embeddings and colours in dir.
func inputsIn(dir string) []string {
	return []string{filepath.Join(dir, "poems.json"), filepath.Join(dir, "embeddings.json"), filepath.Join(dir, "color_embeddings.json")}
}

// packCmd is corpus-pack with the arguments make gives it, so that make
// finds the corpus it packs up to date.
func (b *bench) packCmd() *exec.Cmd {
	in := b.inputFiles()
	return b.command(b.pack, "--poems", in[0], "--embeddings", in[1], "--colors", in[2], "-o", b.corpus)
}

// describeCorpus adds the packed corpus's size to the report.
func (b *bench) describeCorpus() {
	if fi, err := os.Stat(b.corpus); err == nil {
		n := int64(b.cli.Poems)
		b.t.header = append(b.t.header, fmt.Sprintf("Packed corpus: %s, of which the Gram matrix %s", mb(fi.Size()), mb(n*n*4)))
	}
}

// packTiming is corpus-pack's own account of its time.
var packTiming = regexp.MustCompile(`in ([0-9.]+)s: read ([0-9.]+)s, gram ([0-9.]+)s, render ([0-9.]+)s`)

// packCorpus times corpus-pack from scratch (the packed file removed first),
// which also leaves the corpus for the rest, and shows its own split.
func (b *bench) packCorpus() error {
	if err := os.Remove(b.corpus); err != nil && !os.IsNotExist(err) {
		return err
	}
	wall, out, err := b.timed(b.packCmd())
	if err != nil {
		return err
	}
	b.t.section("corpus-pack")
	b.t.atMost("`corpus-pack` from scratch, wall (to the fsync'd, renamed file)", wall, 4*time.Second)
	if m := packTiming.FindStringSubmatch(out); m != nil {
		var read, gram, render float64
		for i, f := range []*float64{&read, &gram, &render} {
			*f, _ = strconv.ParseFloat(m[i+2], 64)
		}
		b.t.add("… its own split", "read %.2fs, Gram %.2fs, render %.2fs, rest (start, hash, write, fsync) %.2fs",
			read, gram, render, wall.Seconds()-read-gram-render)
		b.numpyGram(time.Duration(gram * float64(time.Second)))
	}
	return nil
}

// numpyScript times numpy's float64 X @ X.T for an n×d matrix of float32
// values (the best of three), and names the OpenBLAS kernel it ran.
const numpyScript = `
import sys, time, numpy as np
from threadpoolctl import threadpool_info
n, d = int(sys.argv[1]), int(sys.argv[2])
X = np.random.default_rng(1).standard_normal((n, d)).astype(np.float32).astype(np.float64)
X[:8] @ X[:8].T
best = min((lambda t: (X @ X.T, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
kernels = ",".join(str(i.get("architecture")) for i in threadpool_info() if i.get("internal_api") == "openblas")
print("%.6f %s" % (best, kernels))
`

// numpyGram sets corpus-pack's Gram matrix against numpy's float64
// X @ X.T (OpenBLAS dgemm) of the same shape, in the same run. Debian's
// OpenBLAS does not know the newest CPUs and falls back to a slow kernel:
// OPENBLAS_CORETYPE=Haswell picks its AVX2 one, and threadpoolctl says
// which ran. numpy computes the whole product; corpus-pack, each pair once
// and every one summed in a fixed order, so that pages are the same on
// every machine.
func (b *bench) numpyGram(gram time.Duration) {
	// Debian's python3, with Debian's numpy: not one of a version manager's.
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	cmd := b.command(python, "-c", numpyScript, strconv.Itoa(b.cli.Poems), strconv.Itoa(b.cli.Dim))
	cmd.Env = append(os.Environ(), "OPENBLAS_CORETYPE=Haswell")
	out, err := b.runCmd(cmd)
	var secs float64
	var kernel string
	if err == nil {
		_, err = fmt.Sscanf(out, "%f %s", &secs, &kernel)
	}
	if err != nil {
		b.t.add("numpy's float64 `X @ X.T`", "not measured (%v): apt-get install python3-numpy libopenblas0-pthread python3-threadpoolctl", strings.TrimSpace(lastLines(err.Error(), 1)))
		return
	}
	numpy := time.Duration(secs * float64(time.Second))
	b.t.add(fmt.Sprintf("numpy's float64 `X @ X.T`, %d×%d (OpenBLAS, kernel %s, OPENBLAS_CORETYPE=Haswell)", b.cli.Poems, b.cli.Dim, kernel), "%s", dur(numpy))
	ratio := gram.Seconds() / secs
	b.t.check("corpus-pack's Gram matrix / numpy's", fmt.Sprintf("%s / %s = **%.2f**", dur(gram), dur(numpy), ratio), "≤ 2", ratio <= 2)
}
