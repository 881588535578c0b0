// Package memstat reads a process's memory use as the kernel accounts it:
// private pages (its own) apart from shared ones (the page cache it maps).
package memstat

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Usage is a process's resident memory in kB.
type Usage struct {
	RSS, Private, Shared, PeakRSS int64
}

// Self reads the current process's usage from /proc (Linux only).
func Self() (Usage, error) {
	var u Usage
	fields := map[string]*int64{
		"Rss:": &u.RSS, "Private_Clean:": &u.Private, "Private_Dirty:": &u.Private,
		"Shared_Clean:": &u.Shared, "Shared_Dirty:": &u.Shared,
	}
	if err := scan("/proc/self/smaps_rollup", fields); err != nil {
		return u, err
	}
	return u, scan("/proc/self/status", map[string]*int64{"VmHWM:": &u.PeakRSS})
}

// scan adds up the kB values of the named fields of a /proc file.
func scan(path string, fields map[string]*int64) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading memory use: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		w := strings.Fields(s.Text())
		if len(w) >= 2 {
			if p, ok := fields[w[0]]; ok {
				v, _ := strconv.ParseInt(w[1], 10, 64)
				*p += v
			}
		}
	}
	return s.Err()
}

func (u Usage) String() string {
	return fmt.Sprintf("rss %d kB (peak %d kB): private %d kB, shared %d kB", u.RSS, u.PeakRSS, u.Private, u.Shared)
}

// Available is the memory a new allocation can get without swapping or
// being killed: MemAvailable, or the cgroup's limit less its use when lower.
func Available() (int64, error) {
	var kb int64
	if err := scan("/proc/meminfo", map[string]*int64{"MemAvailable:": &kb}); err != nil {
		return 0, err
	}
	avail := kb << 10
	if limit, err := cgroupBytes("/sys/fs/cgroup/memory.max"); err == nil {
		if used, err := cgroupBytes("/sys/fs/cgroup/memory.current"); err == nil && limit-used < avail {
			avail = max(0, limit-used)
		}
	}
	return avail, nil
}

// cgroupBytes reads a cgroup v2 memory file ("max" is no limit: an error).
func cgroupBytes(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// EnvReport names the environment variable that asks a command to report its
// memory at exit (make bench sets it).
const EnvReport = "PAGEGEN_MEMORY"

// ReportIfAsked prints "cmd: memory: ..." on stderr when EnvReport is set.
func ReportIfAsked(cmd string) {
	if os.Getenv(EnvReport) == "" {
		return
	}
	if u, err := Self(); err == nil {
		fmt.Fprintf(os.Stderr, "%s: memory: %s\n", cmd, u)
	}
}
