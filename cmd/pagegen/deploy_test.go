package main

import "testing"

func TestKeyOnMakeCommandLine(t *testing.T) {
	for makeflags, want := range map[string]bool{
		"":                                      false,
		" -- NEOCITIES_API_KEY=abc":             true,
		"s -- OUT=site NEOCITIES_API_KEY=abc":   true,
		"k -j2 --jobserver-auth=3,4 -- X=a\\ b": false,
		" -- NEOCITIES_API_KEY=":                false, // empty: no key given
		" -- MY_NEOCITIES_API_KEY=abc":          false,
		"-- NEOCITIES_API_KEY=abc":              true,
		"NEOCITIES_API_KEY=abc":                 false, // not a variable of make's command line
	} {
		if got := keyOnMakeCommandLine(makeflags); got != want {
			t.Errorf("keyOnMakeCommandLine(%q) = %v, want %v", makeflags, got, want)
		}
	}
}
