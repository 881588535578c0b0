package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// machine says where and when the numbers were taken.
type machine struct {
	what      string // the CPU, memory, kernel, Go, make and filesystem
	start     time.Time
	loadStart string
	code      string // the commit measured
	partial   string // the measurements of a partial run (--only)
}

func readMachine(dir string) machine {
	m := machine{start: time.Now().UTC(), loadStart: loadAverage(), code: codeVersion()}
	simd := "without GOEXPERIMENT=simd"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "GOEXPERIMENT" && strings.Contains(s.Value, "simd") {
				simd = "GOEXPERIMENT=simd"
			}
		}
	}
	cpu := strings.TrimSpace(strings.TrimPrefix(firstLine("grep", "-m1", "^model name", "/proc/cpuinfo"), "model name\t:"))
	m.what = fmt.Sprintf("%s, %d cores, %s, Linux %s, %s (%s), %s, scratch on %s",
		cpu, runtime.NumCPU(), memoryInfo(), firstLine("uname", "-r"), runtime.Version(), simd,
		firstLine("make", "--version"), firstLine("findmnt", "--noheadings", "--output=FSTYPE", "--target", dir))
	return m
}

// firstLine is the first line a command prints, "?" if it fails.
func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

// finish is the report's header, once the run b is done.
func (m machine) finish(b *bench) []string {
	h := []string{
		"Machine: " + m.what,
		fmt.Sprintf("Date: %s; load average %s at the start, %s at the end; the run took %s",
			m.start.Format("2006-01-02 15:04 MST"), m.loadStart, loadAverage(), time.Since(m.start).Round(time.Second)),
		fmt.Sprintf("Command: `%s`; code: %s", strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " "), m.code),
	}
	if m.partial != "" {
		h = append(h, "Partial run: only "+m.partial)
	}
	var size int64
	for _, f := range inputsIn(b.inputs) {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	o, n := synthOptions, int64(b.cli.Poems)
	h = append(h, fmt.Sprintf("Corpus: synthetic (internal/synth, seed %d, %d clusters): %d poems, %d-d, ~%.1f KB of text per poem; %s of JSON",
		o.Seed, o.Clusters, n, b.cli.Dim, float64(o.TextBytes)/1000, mb(size)))
	if fi, err := os.Stat(b.corpus); err == nil {
		h = append(h, fmt.Sprintf("Packed corpus: %s, of which the Gram matrix %s", mb(fi.Size()), mb(n*n*4)))
	}
	return h
}

// codeVersion is the commit of the repository, and the tracked files with
// changes on top (the tools are built from the working tree).
func codeVersion() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	v := "commit " + strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		var paths []string
		for line := range strings.Lines(string(st)) {
			if len(line) > 3 {
				paths = append(paths, strings.TrimSpace(line[3:]))
			}
		}
		v += " with uncommitted changes to " + strings.Join(paths, ", ")
	}
	return v
}

// loadAverage is the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// memoryInfo is the RAM and the dirty page limits, which shape write
// bandwidth: past dirty_background_ratio of the memory the kernel starts
// writing back, near dirty_ratio it slows the writers.
func memoryInfo() string {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return "? RAM"
	}
	sysctl := func(name string) string {
		b, _ := os.ReadFile("/proc/sys/vm/" + name)
		return strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%.1f GB RAM, vm.dirty_background_ratio %s%%, vm.dirty_ratio %s%%",
		float64(si.Totalram)*float64(si.Unit)/1e9, sysctl("dirty_background_ratio"), sysctl("dirty_ratio"))
}
