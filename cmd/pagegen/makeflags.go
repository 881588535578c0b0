package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// makeLetters are the one-letter options of the outer make (n for -n, k for
// -k...), which GNU make puts first in MAKEFLAGS, without a dash.
func makeLetters(makeflags string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(makeflags), " ")
	if strings.HasPrefix(first, "-") {
		return ""
	}
	return first
}

// unboundedJobs is what make -j with no number runs at once: not every page
// of the site (thousands of processes and their memory), but two per core.
var unboundedJobs = 2 * runtime.NumCPU()

// makeFlags splits the outer make's MAKEFLAGS into the flags to pass on and
// its -j option: the outer jobserver's pipes do not survive this process, so
// the inner make gets its own -jN (-j with no number: unboundedJobs).
func makeFlags(mf string) (flags, jobs string) {
	opts, vars, hasVars := strings.Cut(mf, " -- ")
	var keep []string
	for _, f := range strings.Fields(opts) {
		switch {
		case f == "-j":
			jobs = fmt.Sprintf("-j%d", unboundedJobs)
		case strings.HasPrefix(f, "-j"):
			jobs = f
		case strings.HasPrefix(f, "--jobserver"):
		default:
			keep = append(keep, f)
		}
	}
	flags = strings.Join(keep, " ")
	if hasVars {
		flags += " -- " + vars
	}
	return flags, jobs
}

// jobCount is how many pages make writes at once for its -jN option (see
// makeFlags).
func jobCount(jobs string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(jobs, "-j"))
	if err != nil {
		return 1
	}
	return max(n, 1)
}
