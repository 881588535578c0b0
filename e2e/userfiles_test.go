package e2e

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestUserFilesUntouched points the build at files and folders that are not
// its own, through the real make: each is refused with a message that says
// why, and every file of the user's is left exactly as it was. Its tally:
// each case is an input and a fault, each file of the user's compared is
// checked, and one changed, removed or written beside them is lost.
func TestUserFilesUntouched(t *testing.T) {
	tl := newTally(t)
	for _, tc := range []struct {
		name  string
		setup func(b *build) // the user's files, in b.dir
		args  func(b *build) []string
		want  string
	}{
		{"CORPUS is an input", nil,
			func(b *build) []string { return []string{"all", "CORPUS=" + b.path("poems.json")} },
			"is the input"},
		{"CORPUS is a file of the user's", func(b *build) { b.write("notes.bin", []byte("my notes")) },
			func(b *build) []string { return []string{"all", "CORPUS=" + b.path("notes.bin")} },
			"holds something the build did not write"},
		{"CORPUS is a folder", func(b *build) { os.Mkdir(b.path("folder"), 0o755) },
			func(b *build) []string { return []string{"all", "CORPUS=" + b.path("folder")} },
			"is a directory"},
		{"OUT holds the user's own site", func(b *build) {
			os.MkdirAll(b.path("mysite/similar"), 0o755)
			b.write("mysite/index.html", []byte("my index"))
			b.write("mysite/similar/99.html", []byte("my page"))
		}, func(b *build) []string { return []string{"all", "OUT=" + b.path("mysite")} },
			"is not a site pagegen made"},
		{"make clean of the user's own site", func(b *build) {
			os.MkdirAll(b.path("mysite"), 0o755)
			b.write("mysite/index.html", []byte("my index"))
		}, func(b *build) []string { return []string{"clean", "OUT=" + b.path("mysite")} },
			"is not a site pagegen made"},
		{"make clean-similar of the user's own site", func(b *build) {
			os.MkdirAll(b.path("mysite/similar"), 0o755)
			b.write("mysite/similar/1.html", []byte("my page"))
		}, func(b *build) []string { return []string{"clean-similar", "OUT=" + b.path("mysite")} },
			"is not a site pagegen made"},
		{"OUT is the inputs' folder", nil,
			func(b *build) []string { return []string{"all", "OUT=" + b.dir} },
			"a folder the build reads"},
		{"OUT holds the corpus's folder", nil,
			func(b *build) []string { return []string{"all", "OUT=" + b.path("data/..")} },
			"a folder the build reads"},
		{"OUT has a %", nil,
			func(b *build) []string { return []string{"all", "OUT=" + b.path("site%")} },
			`has a "%"`},
		{"CORPUS has a :", nil,
			func(b *build) []string { return []string{"all", "CORPUS=" + b.path("a:b.bin")} },
			`has a ":"`},
		{"OUT has a $", nil,
			func(b *build) []string {
				return []string{"all", "OUT=" + b.path("site$(shell touch "+b.path("pwned")+")")}
			},
			`has a "$"`},
		{"POEMS has a new line", nil,
			func(b *build) []string { return []string{"all", "POEMS=" + b.path("poems\n.json")} },
			"has a new line"},
		// A name from the disk is shown, not played to the terminal.
		{"OUT holds a name with escape sequences", func(b *build) {
			b.write("mysite/\x1b]0;pwned\x07\x1b[2J.html", []byte("mine"))
		}, func(b *build) []string { return []string{"all", "OUT=" + b.path("mysite")} },
			`"\x1b]0;pwned\a\x1b[2J.html"`},
		{"make clean of a folder with a name with escape sequences", func(b *build) {
			b.write("mysite/\u202eevil.html", []byte("mine"))
		}, func(b *build) []string { return []string{"clean", "OUT=" + b.path("mysite")} },
			`"\u202eevil.html"`},
		// The build writes a few files beside the corpus; never over the user's.
		{"a pages.mk of the user's beside the corpus", func(b *build) { b.write("data/pages.mk", []byte("all: ; echo mine")) },
			func(b *build) []string { return []string{"all"} },
			"pages.mk holds something the build did not write"},
		{"a missing-embeddings.txt of the user's beside the corpus", func(b *build) { b.write("data/missing-embeddings.txt", []byte("my list")) },
			func(b *build) []string { return []string{"all"} },
			"missing-embeddings.txt holds something the build did not write"},
		{"an orderings.bin of the user's beside the corpus", func(b *build) { b.write("data/orderings.bin", []byte("my orderings")) },
			func(b *build) []string { return []string{"all"} },
			"orderings.bin holds something the build did not write"},
		{"a .corpus.bin.checked of the user's beside the corpus", func(b *build) { b.write("data/.corpus.bin.checked", []byte("mine")) },
			func(b *build) []string { return []string{"corpus"} },
			".corpus.bin.checked holds something the build did not write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuild(t)
			if tc.setup != nil {
				tc.setup(b)
			}
			tl.input()
			tl.fault()
			before := sums(t, b.dir)
			out, err := b.make(append([]string{"-j2"}, tc.args(b)...)...)
			tl.noTrace(t, "make", out)
			if err == nil {
				t.Fatalf("make %s succeeded:\n%s", strings.Join(tc.args(b), " "), out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("the refusal does not say %q:\n%s", tc.want, out)
			}
			if i := strings.IndexAny(out, "\x1b\x07\u202e"); i >= 0 {
				r, _ := utf8.DecodeRuneInString(out[i:])
				t.Errorf("the output plays a control character to the terminal (%q):\n%q", r, out)
			}
			after := sums(t, b.dir)
			tl.checkedN(len(before))
			for name, sum := range before {
				if got, ok := after[name]; !ok || got != sum {
					tl.lose(t, "%s was changed or removed", name)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok && !strings.HasPrefix(name, "data/") {
					tl.lose(t, "%s was written, outside the build's own files", name)
				}
			}
		})
	}
	// Goals that write nothing in the site, and a build refused, leave no
	// folder of it behind, nor of the folders above it they would make.
	for _, args := range [][]string{{"corpus"}, {"size"}, {"all", "MAX_FILES=10"}} {
		t.Run("make "+strings.Join(args, " ")+" with OUT in new folders", func(t *testing.T) {
			tl.input()
			b := newBuild(t)
			out, err := b.make(append([]string{"-j2", "OUT=" + b.path("new/folders/site")}, args...)...)
			tl.noTrace(t, "make", out)
			if args[0] == "all" && err == nil {
				t.Fatalf("make %s was not refused:\n%s", strings.Join(args, " "), out)
			}
			tl.checkedN(1)
			if _, err := os.Lstat(b.path("new")); !errors.Is(err, fs.ErrNotExist) {
				tl.lose(t, "make %s left the folders of OUT (%v):\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}
