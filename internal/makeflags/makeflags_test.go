package makeflags

import (
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		makeflags, pass, jobs string
	}{
		{"", "", ""},
		{" -j16 --jobserver-auth=3,4", "", "-j16"},
		{"k -j3 --jobserver-auth=3,4", "k", "-j3"},
		{" -j", "", "-j" + strconv.Itoa(Unbounded)},
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
		f := Parse(c.makeflags)
		if f.Pass() != c.pass || f.JobsOption() != c.jobs {
			t.Errorf("Parse(%q) passes %q, %q; want %q, %q", c.makeflags, f.Pass(), f.JobsOption(), c.pass, c.jobs)
		}
	}
}

func TestJobs(t *testing.T) {
	for flags, want := range map[string]int{"": 1, "k -j3 --jobserver-auth=3,4": 3, " -j": Unbounded, " -j0": 1, " -- X=-j4": 1} {
		if got := Parse(flags).Jobs(); got != want {
			t.Errorf("Parse(%q).Jobs() = %d, want %d", flags, got, want)
		}
	}
	if !Parse("k -j -- X=1").NoJobLimit() || Parse(" -j2").NoJobLimit() {
		t.Error("NoJobLimit is not -j alone")
	}
}

func TestLetters(t *testing.T) {
	for flags, want := range map[string]string{
		"": "", " -j2 --jobserver-auth=3,4": "", "n": "n", "kn -j2": "kn", "rRn": "rRn", "t": "t", "q -- OUT=x": "q",
		"k -- OUT=n": "k", "--no-builtin-rules": "", "ks -j2 -- n=1": "ks", " -- OUT=t": "",
	} {
		f := Parse(flags)
		for _, l := range []byte("nkrRtqsBj-=") {
			if got := f.Has(l); got != strings.ContainsRune(want, rune(l)) {
				t.Errorf("Parse(%q).Has(%q) = %v, want the letters %q", flags, l, got, want)
			}
		}
	}
}

func TestVar(t *testing.T) {
	for makeflags, want := range map[string]string{
		"":                                      "",
		" -- NEOCITIES_API_KEY=abc":             "abc",
		"s -- OUT=site NEOCITIES_API_KEY=abc":   "abc",
		"k -j2 --jobserver-auth=3,4 -- X=a\\ b": "",
		" -- NEOCITIES_API_KEY=":                "",
		" -- MY_NEOCITIES_API_KEY=abc":          "",
		"-- NEOCITIES_API_KEY=abc":              "abc",
		"NEOCITIES_API_KEY=abc":                 "", // not a variable of make's command line
	} {
		if got := Parse(makeflags).Var("NEOCITIES_API_KEY"); got != want {
			t.Errorf("Parse(%q).Var = %q, want %q", makeflags, got, want)
		}
	}
}
