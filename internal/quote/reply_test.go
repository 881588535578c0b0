package quote

import (
	"strings"
	"testing"
)

func TestReply(t *testing.T) {
	for _, tt := range []struct {
		in      string
		secrets []string
		want    string
	}{
		{"bad key sk-1\n\x1b[31mred\u202e", []string{"sk-1"}, "bad key [the key] [31mred"},
		{"a  b\t\tc", []string{""}, "a b c"}, // an empty secret hides nothing
		{"k1 and k2", []string{"k1", "k2"}, "[the key] and [the key]"},
		{strings.Repeat("é", 400), nil, strings.Repeat("é", 150) + "…"},
	} {
		if got := Reply(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("Reply(%q, %q) = %q, want %q", tt.in, tt.secrets, got, tt.want)
		}
	}
}
