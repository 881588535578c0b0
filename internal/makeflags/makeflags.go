// Package makeflags reads MAKEFLAGS, what GNU make tells the programs it
// runs about its own command line: its one-letter options (n for -n), its
// -j, its other options, and the variables given on it.
package makeflags

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// Flags is one MAKEFLAGS, read.
type Flags struct {
	letters string   // the one-letter options, which make puts first, without a dash
	jobs    string   // -jN for a make started from here; "" without -j
	bare    bool     // -j with no number
	pass    string   // MAKEFLAGS for a make started from here
	vars    []string // the variables of make's command line, as NAME=value
}

// Unbounded is what make -j with no number runs at once: not every page of
// the site (thousands of processes and their memory), but two per core.
var Unbounded = 2 * runtime.NumCPU()

// Parse reads mf, as GNU make writes MAKEFLAGS: "kn -j2 --jobserver-auth=3,4
// -- OUT=x". The outer jobserver's pipes do not survive the program make
// runs, so a make it starts in turn gets its own -jN (-j with no number:
// Unbounded) and not the jobserver's options.
func Parse(mf string) Flags {
	var f Flags
	opts, vars, hasVars := strings.Cut(mf, " -- ")
	if first, _, _ := strings.Cut(strings.TrimSpace(mf), " "); !strings.HasPrefix(first, "-") {
		f.letters = first
	}
	var keep []string
	for _, o := range strings.Fields(opts) {
		switch {
		case o == "-j":
			f.jobs, f.bare = fmt.Sprintf("-j%d", Unbounded), true
		case strings.HasPrefix(o, "-j"):
			f.jobs = o
		case strings.HasPrefix(o, "--jobserver"):
		default:
			keep = append(keep, o)
		}
	}
	f.pass = strings.Join(keep, " ")
	if hasVars {
		f.pass += " -- " + vars
	} else if rest, ok := strings.CutPrefix(mf, "-- "); ok {
		vars, hasVars = rest, true // only variables
	}
	if hasVars {
		f.vars = strings.Fields(vars)
	}
	return f
}

// Has reports whether make was given the one-letter option letter (make -n: 'n').
func (f Flags) Has(letter byte) bool { return strings.IndexByte(f.letters, letter) >= 0 }

// JobsOption is the -jN option for a make started from here; "" for none.
func (f Flags) JobsOption() string { return f.jobs }

// NoJobLimit reports whether make was given -j with no number.
func (f Flags) NoJobLimit() bool { return f.bare }

// Jobs is how many jobs make runs at once: N for -jN, 1 without -j.
func (f Flags) Jobs() int {
	n, err := strconv.Atoi(strings.TrimPrefix(f.jobs, "-j"))
	if err != nil {
		return 1
	}
	return max(n, 1)
}

// Pass is MAKEFLAGS for a make started from here, without -j and the
// jobserver (see JobsOption).
func (f Flags) Pass() string { return f.pass }

// Var is the value that make's command line gives variable name; "" when
// it gives none.
func (f Flags) Var(name string) string {
	for _, v := range f.vars {
		if value, ok := strings.CutPrefix(v, name+"="); ok {
			return value
		}
	}
	return ""
}
