package main

import (
	"fmt"
	"strings"
	"testing"

	"pagegen/internal/neocities"
)

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
