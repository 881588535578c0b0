package quote

import "testing"

func TestName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"similar/12.html", "similar/12.html"},
		{"poèmes d'été 詩 🌙", "poèmes d'été 詩 🌙"},
		{"a\x1b[2Jb", `"a\x1b[2Jb"`},
		{"bidi\u202eevil", `"bidi\u202eevil"`},
		{"new\nline", `"new\nline"`},
		{"tab\there", `"tab\there"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"\ufffd", "\ufffd"},
		{"", ""},
	} {
		if got := Name(c.in); got != c.want {
			t.Errorf("Name(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"poem 3 notes/x: bad", "poem 3 notes/x: bad"},
		{"\x1b[31mred\x1b[0m 詩", `\x1b[31mred\x1b[0m 詩`},
		{"over\u202eride", `over\u202eride`},
		{"cut\xff", `cut\xff`},
		{"a\tb", `a\tb`},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "corpus-pack: 2 poems:\n  3 notes/\x1b]0;owned\x07x\n\tfix them"
	want := "corpus-pack: 2 poems:\n  3 notes/\\x1b]0;owned\\ax\n\tfix them"
	if got := Lines(in); got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
}
