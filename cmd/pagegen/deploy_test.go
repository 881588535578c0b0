package main

import (
	"fmt"
	"strings"
	"testing"

	"pagegen/internal/neocities"
)

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

func TestExplain(t *testing.T) {
	c, err := neocities.New("https://neocities.org", "k", 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind neocities.Kind
		says []string
	}{
		{neocities.Unauthorized, []string{"refused the API key from NEOCITIES_API_KEY", "https://neocities.org/settings", "HTTP 403"}},
		{neocities.Full, []string{"HTTP 403", "no room", "DRY_RUN=1"}},
		{neocities.Unreachable, []string{"NEOCITIES_URL=https://neocities.org"}},
		{neocities.Overloaded, []string{"HTTP 403"}},
	} {
		err := explain(fmt.Errorf("listing: %w", &neocities.Error{Kind: tc.kind, Status: 403, Type: "x"}), neocities.KeyEnv, c)
		for _, want := range tc.says {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("kind %d: %q does not say %q", tc.kind, err, want)
			}
		}
	}
	if err := explain(nil, neocities.KeyEnv, c); err != nil {
		t.Errorf("explain(nil) = %v", err)
	}
}
