package main

import (
	"bufio"
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

// machine describes where and when the numbers were taken.
type machine struct {
	cpu, kernel, goVersion, make, fs string
	cores                            int
	simd                             bool
	date                             time.Time
	loadStart, loadEnd               string
	elapsed                          time.Duration
	memory                           string // RAM and the kernel's dirty page limits, which shape write bandwidth
	partial                          string // the measurements of a partial run (--only)
	code                             string // the commit measured
}

// codeVersion is the commit of the repository (the working directory), and
// whether its tracked files have changes on top (the tools are built from
// the working tree).
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

func readMachine(dir string) machine {
	m := machine{cpu: cpuModel(), cores: runtime.NumCPU(), goVersion: runtime.Version(), date: time.Now().UTC(), loadStart: loadAverage(), code: codeVersion()}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.kernel = "Linux " + unix.ByteSliceToString(u.Release[:])
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "GOEXPERIMENT" && strings.Contains(s.Value, "simd") {
				m.simd = true
			}
		}
	}
	if out, err := exec.Command("make", "--version").Output(); err == nil {
		m.make, _, _ = strings.Cut(string(out), "\n")
	}
	m.fs = fsType(dir)
	m.memory = memoryInfo()
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadAverage is the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// fsType names the filesystem the scratch directory is on (its nearest existing ancestor).
func fsType(dir string) string {
	var st unix.Statfs_t
	for unix.Statfs(dir, &st) != nil {
		if dir == filepath.Dir(dir) {
			return "unknown"
		}
		dir = filepath.Dir(dir)
	}
	names := map[int64]string{unix.EXT4_SUPER_MAGIC: "ext4", unix.XFS_SUPER_MAGIC: "xfs", unix.BTRFS_SUPER_MAGIC: "btrfs",
		unix.TMPFS_MAGIC: "tmpfs", unix.OVERLAYFS_SUPER_MAGIC: "overlayfs"}
	if name, ok := names[st.Type]; ok {
		return name
	}
	return fmt.Sprintf("type %#x", st.Type)
}

// memoryInfo is the RAM and the dirty page limits: past dirty_background_ratio
// of the memory the kernel starts writing back, near dirty_ratio it slows the writers.
func memoryInfo() string {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return "? RAM"
	}
	sysctl := func(name string) string {
		b, err := os.ReadFile("/proc/sys/vm/" + name)
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%.1f GB RAM, vm.dirty_background_ratio %s%%, vm.dirty_ratio %s%%",
		float64(si.Totalram)*float64(si.Unit)/1e9, sysctl("dirty_background_ratio"), sysctl("dirty_ratio"))
}
