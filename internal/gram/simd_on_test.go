//go:build goexperiment.simd && amd64

package gram

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// simdBuild says that this build has the vector kernels.
const simdBuild = true

const envKernel = "PAGEGEN_GRAM_KERNEL_CHILD"

// TestGODEBUGSelectsAVX2: GODEBUG=cpu.avx512f=off, as the end-to-end test
// of the kernels builds with, puts the AVX2 kernel in use.
func TestGODEBUGSelectsAVX2(t *testing.T) {
	if os.Getenv(envKernel) != "" {
		os.Stdout.WriteString("in use: " + Kernels.InUse() + "\n")
		return
	}
	if k := Kernels.All()[1]; k.Missing != "" {
		t.Skip(k.Missing)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGODEBUGSelectsAVX2$")
	cmd.Env = append(os.Environ(), envKernel+"=1", "GODEBUG=cpu.avx512f=off")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "in use: avx2\n") {
		t.Errorf("with GODEBUG=cpu.avx512f=off: %v\n%s", err, out)
	}
}
