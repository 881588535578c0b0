package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// packTiming is corpus-pack's own account of its time.
var packTiming = regexp.MustCompile(`in ([0-9.]+)s: read ([0-9.]+)s, gram ([0-9.]+)s, render ([0-9.]+)s`)

// packCorpus times corpus-pack from scratch (the packed file removed first),
// with its own split, and its Gram matrix against numpy's.
func (b *bench) packCorpus() error {
	if err := os.Remove(b.corpus); err != nil && !os.IsNotExist(err) {
		return err
	}
	wall, out, err := b.timed(b.packCmd())
	if err != nil {
		return err
	}
	b.t.section("corpus-pack, n=%d, d=%d", b.cli.Poems, b.cli.Dim)
	m := packTiming.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("corpus-pack did not account for its time:\n%s", out)
	}
	var split [3]float64 // read, gram, render
	for i := range split {
		split[i], _ = strconv.ParseFloat(m[i+2], 64)
	}
	b.t.add("`corpus-pack` from scratch, wall (to the fsync'd, renamed file)", dur(wall),
		fmt.Sprintf("its own split: read %.2fs, Gram %.2fs, render %.2fs, rest (start, hash, write, fsync) %.2fs",
			split[0], split[1], split[2], wall.Seconds()-split[0]-split[1]-split[2]), "")
	b.numpyGram(time.Duration(split[1] * float64(time.Second)))
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

// numpyGram sets corpus-pack's Gram matrix against numpy's float64 X @ X.T
// (OpenBLAS dgemm) of the same shape. Debian's OpenBLAS does not know the
// newest CPUs and falls back to a slow kernel: OPENBLAS_CORETYPE=Haswell
// picks its AVX2 one, and threadpoolctl says which ran. numpy computes the
// whole product; corpus-pack, each pair once and every one summed in a fixed
// order, so that pages are the same on every machine.
func (b *bench) numpyGram(gram time.Duration) {
	python := "/usr/bin/python3" // Debian's, with Debian's numpy: not a version manager's
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	cmd := b.command(python, "-c", numpyScript, strconv.Itoa(b.cli.Poems), strconv.Itoa(b.cli.Dim))
	cmd.Env = append(os.Environ(), "OPENBLAS_CORETYPE=Haswell")
	out, err := b.output(cmd)
	var secs float64
	var kernel string
	if err == nil {
		_, err = fmt.Sscanf(out, "%f %s", &secs, &kernel)
	}
	what := "corpus-pack's Gram matrix"
	if err != nil {
		b.t.add(what, dur(gram), fmt.Sprintf("numpy not measured (%v): apt-get install python3-numpy libopenblas0-pthread python3-threadpoolctl",
			strings.TrimSpace(lastLines(err.Error(), 1))), "")
		return
	}
	b.t.add(what, dur(gram), fmt.Sprintf("numpy's float64 `X @ X.T` (OpenBLAS, kernel %s, OPENBLAS_CORETYPE=Haswell): %s", kernel, dur(time.Duration(secs*1e9))),
		ratio(gram.Seconds(), secs))
}
