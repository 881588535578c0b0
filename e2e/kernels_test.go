//go:build linux

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cpuFlags are the CPU's features as Linux lists them (/proc/cpuinfo).
func cpuFlags(t *testing.T) []string {
	t.Helper()
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		if name, flags, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			return strings.Fields(flags)
		}
	}
	t.Fatal("/proc/cpuinfo lists no flags")
	return nil
}

// corpusHeader is the size of a packed corpus's header (internal/corpus).
const corpusHeader = 256

// TestKernelsSamePages builds the sample site with each kernel of the
// orderings' and the Gram matrix's vector code and wants the default
// build's pages and packed corpus byte for byte: GODEBUG=cpu.avx512f=off
// (the AVX2 kernel, as on most laptops) and the tools built without vector
// code (GOEXPERIMENT=, the portable code). The default build uses the
// AVX-512 kernels on a CPU that has them.
func TestKernelsSamePages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site twice, and the tools once more")
	}
	want := reference(t)
	wantCorpus, err := os.ReadFile(want.path("data/corpus.bin"))
	if err != nil {
		t.Fatal(err)
	}
	flags := cpuFlags(t)
	has := func(features ...string) bool {
		return !slices.ContainsFunc(features, func(f string) bool { return !slices.Contains(flags, f) })
	}
	if has("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl") {
		t.Log("the default build runs the AVX-512 kernels")
	} else {
		t.Log("this CPU lacks AVX-512: the default build runs the AVX2 or the portable kernels")
	}
	for _, c := range []struct {
		name  string
		needs []string // CPU features, as /proc/cpuinfo names them
		env   []string
		args  []string
	}{
		{"AVX2 (GODEBUG=cpu.avx512f=off)", []string{"avx2", "fma"}, []string{"GODEBUG=cpu.avx512f=off"}, nil},
		{"portable (GOEXPERIMENT=)", nil, nil, []string{"GOEXPERIMENT=", "BIN=" + filepath.Join(binDir, "portable")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !has(c.needs...) {
				t.Skipf("this CPU lacks %v", c.needs)
			}
			b := newBuild(t)
			cmd := b.command(append([]string{"-j2", "all"}, c.args...)...)
			cmd.Env = append(os.Environ(), c.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make -j2 all %v: %v\n%s", c.args, err, out)
			}
			// Past its header, whose fingerprint covers corpus-pack's own bytes.
			if corpus := b.read("data/corpus.bin"); len(corpus) <= corpusHeader || !bytes.Equal(corpus[corpusHeader:], wantCorpus[corpusHeader:]) {
				t.Errorf("the packed corpus's sections (the Gram matrix among them) differ from the default build's")
			}
			got := sums(t, b.path("site"))
			for name, sum := range want.pages {
				if g, ok := got[name]; !ok || g != sum {
					t.Errorf("%s differs from the default build's (there: %t)", name, ok)
				}
			}
			if len(got) != len(want.pages) || len(got) == 0 {
				t.Errorf("%d files, the default build %d", len(got), len(want.pages))
			}
		})
	}
}
