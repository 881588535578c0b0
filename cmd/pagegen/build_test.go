package main

import (
	"strconv"
	"testing"
)

func TestMakeFlags(t *testing.T) {
	for _, c := range []struct {
		makeflags, flags, jobs string
	}{
		{"", "", ""},
		{" -j16 --jobserver-auth=3,4", "", "-j16"},
		{"k -j3 --jobserver-auth=3,4", "k", "-j3"},
		{" -j", "", "-j" + strconv.Itoa(unboundedJobs)},
		{"ks -j2 --jobserver-auth=fifo:/tmp/x -- OUT=x POEMS=a\\ b", "ks -- OUT=x POEMS=a\\ b", "-j2"},
		{"--no-builtin-rules", "--no-builtin-rules", ""},
		// As GNU make 4.3 writes them.
		{"s -- OUT=x", "s -- OUT=x", ""},
		{" -- OUT=x", " -- OUT=x", ""},
		{"r", "r", ""},
		{"ks -j2 --jobserver-auth=3,4 -- Q=x\\ --\\ y E= POEMS=a\\ b OUT=x", "ks -- Q=x\\ --\\ y E= POEMS=a\\ b OUT=x", "-j2"},
		// Older makes and other options.
		{" -j4 --jobserver-fds=3,4", "", "-j4"},
		{"k -j4 -l3.5 -Otarget --debug=b", "k -l3.5 -Otarget --debug=b", "-j4"},
		// Variables are not options, even when they look like some.
		{" -- X=-j4 Y=--jobserver-auth=1,2", " -- X=-j4 Y=--jobserver-auth=1,2", ""},
		{"-- OUT=x", "-- OUT=x", ""},
	} {
		flags, jobs := makeFlags(c.makeflags)
		if flags != c.flags || jobs != c.jobs {
			t.Errorf("makeFlags(%q) = %q, %q; want %q, %q", c.makeflags, flags, jobs, c.flags, c.jobs)
		}
	}
}

func TestMakeLetters(t *testing.T) {
	for flags, want := range map[string]string{
		"": "", " -j2 --jobserver-auth=3,4": "", "n": "n", "kn -j2": "kn", "rRn": "rRn", "t": "t", "q -- OUT=x": "q",
		"k -- OUT=n": "k", "--no-builtin-rules": "", "ks -j2 -- n=1": "ks", " -- OUT=t": "",
	} {
		if got := makeLetters(flags); got != want {
			t.Errorf("makeLetters(%q) = %q, want %q", flags, got, want)
		}
	}
}

// TestMakeNoise: make's words about a page that failed are dropped (the
// build names it), anything else make says is shown.
func TestMakeNoise(t *testing.T) {
	for line, drop := range map[string]bool{
		"make[1]: *** [data/pages.mk:13: /tmp/site/similar/5.html] Error 1":      true,
		"make: *** [pages.mk:2: site/index.html] Interrupt":                      true,
		"make[1]: *** Waiting for unfinished jobs....":                           true,
		"make[1]: *** [pages.mk:546: site/similar/538.html] Terminated":          true,
		"make[1]: *** wait: No child processes.  Stop.":                          true,
		"make[1]: Target 'similar/5.html' not remade because of errors.":         true,
		"make[1]: Nothing to be done for 'all'.":                                 true,
		"make[1]: 'similar/97.html' is up to date.":                              true,
		"make[1]: warning:  Clock skew detected.  Your build may be incomplete.": false,
		"make[1]: *** No rule to make target 'x'.  Stop.":                        false,
		"pagegen: error: writing site/similar/5.html: no space left on device":   false,
	} {
		if got := makeNoise().MatchString(line); got != drop {
			t.Errorf("%q dropped: %v, want %v", line, got, drop)
		}
	}
}
