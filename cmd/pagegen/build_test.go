package main

import (
	"testing"
)

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
