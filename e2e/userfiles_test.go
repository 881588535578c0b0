package e2e

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"pagegen/internal/embedding/embeddingtest"
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
		{"BIN holds a program of the user's named pagegen", func(b *build) { b.write("data/bin/pagegen", []byte("#!/bin/sh\necho mine\n")) },
			func(b *build) []string { return []string{"all", "BIN=" + b.path("data/bin")} },
			"is not a program pagegen built"},
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
		{"a .corpus.bin.orderings of the user's beside the corpus", func(b *build) { b.write("data/.corpus.bin.orderings", []byte("my orderings")) },
			func(b *build) []string { return []string{"all"} },
			".corpus.bin.orderings holds something the build did not write"},
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
	// Cleans and builds that succeed beside the user's files, which stay.
	for _, tc := range []struct {
		name  string
		setup func(b *build)  // the user's files, in b.dir
		run   func(b *build)  // the makes, each of which must succeed
		check func(b *build)  // what else must hold after
		mine  func() []string // the user's files, under b.dir
	}{
		{"make clean with BIN a folder of the user's programs", func(b *build) {
			b.write("shared/embed", []byte("#!/bin/sh\necho my own embed\n"))
			b.write("shared/bench/results.txt", []byte("my benchmarks"))
			b.write("shared/notes.txt", []byte("notes"))
		}, func(b *build) { b.mustMake("clean", "BIN="+b.path("shared")) }, func(b *build) {
			for _, p := range []string{"pagegen", "corpus-pack", ".pagegen.cmd", ".pagegen.stamp"} {
				if _, err := os.Lstat(b.path("shared/" + p)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("make clean left shared/%s, which the build made (%v)", p, err)
				}
			}
		}, func() []string { return []string{"shared/embed", "shared/bench/results.txt", "shared/notes.txt"} }},
		{"make clean with OUT a link to the user's web root", func(b *build) {
			os.MkdirAll(b.path("www"), 0o755)
			os.Symlink(b.path("www"), b.path("link"))
		}, func(b *build) {
			b.mustMake("-j2", "index", "OUT="+b.path("link"))
			b.mustMake("clean", "OUT="+b.path("link"))
		}, func(b *build) {
			if fi, err := os.Lstat(b.path("link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				tl.lose(t, "make clean removed the link OUT (%v)", err)
			}
			if fi, err := os.Stat(b.path("www")); err != nil || !fi.IsDir() {
				tl.lose(t, "make clean removed the folder the link OUT names (%v)", err)
			}
		}, nil},
		{"pages of the user's named like pages the site does not have", func(b *build) {
			b.mustMake("-j2", "all")
			b.write("site/similar/12-2.html", []byte("my chapter"))
			b.write("site/similar/99999.html", []byte("my page"))
			b.write("site/different/12-2.html", pageHead(b))
		}, func(b *build) {
			b.mustMake("clean-similar")
			b.mustMake("-j2", "all")
			b.mustMake("clean")
		}, func(b *build) {
			if _, err := os.Lstat(b.path("site/different/12-2.html")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a page of pagegen's the site no longer has was not removed (%v)", err)
			}
		}, func() []string { return []string{"site/similar/12-2.html", "site/similar/99999.html"} }},
		{"make clean of a site with the user's CNAME, then make and make clean again", func(b *build) {
			b.mustMake("-j2", "index")
			b.write("site/CNAME", []byte("poems.example.org\n"))
		}, func(b *build) {
			b.mustMake("clean")
			b.mustMake("-j2", "index")
			b.mustMake("clean")
		}, nil, func() []string { return []string{"site/CNAME"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl.input()
			tl.fault()
			b := newBuild(t)
			tc.setup(b)
			var mine []string
			if tc.mine != nil {
				mine = tc.mine()
			}
			before := map[string][]byte{}
			for _, name := range mine {
				before[name] = b.read(name)
			}
			tc.run(b)
			tl.checkedN(len(mine))
			for _, name := range mine {
				if got, err := os.ReadFile(b.path(name)); err != nil || !bytes.Equal(got, before[name]) {
					tl.lose(t, "%s, the user's, was changed or removed (%v)", name, err)
				}
			}
			if tc.check != nil {
				tc.check(b)
			}
		})
	}
	// What make embeddings made is kept: a cache with a damaged record, the
	// embeddings named again for the colours.
	t.Run("make embeddings after one record of its cache was damaged", func(t *testing.T) {
		tl.input()
		tl.fault()
		b := newBuild(t)
		srv := embeddingtest.New(t, "ollama", "gemma", nil)
		embed := []string{"embeddings", "EMBED_URL=" + srv.URL, "EMBED_MODEL=gemma", "EMBEDDINGS=" + b.path("made/embeddings.json"), "COLOR_EMBEDDINGS=" + b.path("made/colors.json")}
		b.mustMake(embed...)
		cache := b.path("made/.embeddings.json.cache")
		data := b.read("made/.embeddings.json.cache")
		data[len("pagegen embedding cache\nv1\n")+50] ^= 0x10 // in the first record's vector
		b.write("made/.embeddings.json.cache", data)
		sent := len(srv.Sent())
		out := b.mustMake(embed...)
		tl.noTrace(t, "make embeddings", out)
		tl.checkedN(1)
		if again := len(srv.Sent()) - sent; again != 1 {
			tl.lose(t, "after one record of the cache was damaged, make embeddings sent %d texts again, want 1:\n%s", again, out)
		}
		if !strings.Contains(out, "dropped 1 record found damaged in "+cache) {
			t.Errorf("make embeddings does not say that it dropped a damaged record:\n%s", out)
		}
	})
	t.Run("make embeddings with COLOR_EMBEDDINGS the EMBEDDINGS file", func(t *testing.T) {
		tl.input()
		tl.fault()
		b := newBuild(t)
		srv := embeddingtest.New(t, "ollama", "gemma", nil)
		vectors := "EMBEDDINGS=" + b.path("made/embeddings.json")
		b.mustMake("embeddings", "EMBED_URL="+srv.URL, "EMBED_MODEL=gemma", vectors, "COLOR_EMBEDDINGS="+b.path("made/colors.json"))
		before := b.read("made/embeddings.json")
		out, err := b.make("embeddings", "EMBED_URL="+srv.URL, "EMBED_MODEL=gemma", vectors, "COLOR_EMBEDDINGS="+b.path("made/./embeddings.json"))
		tl.noTrace(t, "make embeddings", out)
		if err == nil || !strings.Contains(out, "EMBEDDINGS and COLOR_EMBEDDINGS are the same file") {
			t.Errorf("make embeddings with one file for both: %v\n%s", err, out)
		}
		tl.checkedN(1)
		if !bytes.Equal(b.read("made/embeddings.json"), before) {
			tl.lose(t, "the poems' embeddings were written over")
		}
	})
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

// pageHead is the head of a page pagegen wrote, as a file of the site's
// that a build may remove: the index of b's site.
func pageHead(b *build) []byte {
	index := b.read("site/index.html")
	return index[:bytes.Index(index, []byte("<h1>"))+len("<h1>")]
}
