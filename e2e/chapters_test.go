package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// chapterName is the file of chapter c of X.html: X.html, then X-c.html.
func chapterName(base string, c int) string {
	if c == 1 {
		return base + ".html"
	}
	return fmt.Sprintf("%s-%d.html", base, c)
}

// siteFiles reads every file of a site but its records (the stamp, the
// lock), by name relative to it.
func siteFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return nil
		}
		if err != nil || d.IsDir() || d.Name() == siteStamp || d.Name() == lockFile {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sameFiles checks that two sites hold the same files, byte for byte.
func sameFiles(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for name, data := range want {
		if g, ok := got[name]; !ok || !bytes.Equal(g, data) {
			t.Errorf("%s: %s differs (there: %t)", what, name, ok)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: %s is in one site only", what, name)
		}
	}
	if len(want) == 0 {
		t.Errorf("%s: no files to compare", what)
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// TestChapters builds the sample in chapters of 20 with 3 kept
// (PER_PAGE=20 CHAPTERS=3) through the real make, and reads it as a reader
// and a host would: the chapters, the chronology, every link, the budget.
func TestChapters(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site four times")
	}
	const per, kept = 20, 3
	b := newBuild(t)
	b.mustMake("-j2", "all", "PER_PAGE=20", "CHAPTERS=3")
	s := readSample(t, b)
	n := len(s.labels)
	files := siteFiles(t, b.path("site"))
	chapters := (n + per - 1) / per

	t.Run("each chapter is its slice of the ordering, for every anchor", func(t *testing.T) {
		for anchor := range n {
			for _, kind := range []string{"similar", "different"} {
				base := fmt.Sprintf("%s/%d", kind, anchor+1)
				for c := 1; c <= kept; c++ {
					name := chapterName(base, c)
					page, ok := files[name]
					if !ok {
						t.Fatalf("%s is missing", name)
					}
					checkOrdering(t, s, name, kind, anchor, (c-1)*per, page, false)
					if got, _ := entries(t, page); len(got) != per {
						t.Errorf("%s has %d entries, want %d", name, len(got), per)
					}
					if rank := fmt.Sprintf(" -> %*d. ", len(strconv.Itoa(n)), (c-1)*per+1); !bytes.Contains(page, []byte(rank)) {
						t.Errorf("%s does not start at rank %d (ranks run on across chapters)", name, (c-1)*per+1)
					}
					if say := fmt.Sprintf("chapter %d: poems %d to %d", c, (c-1)*per+1, c*per); !bytes.Contains(page, []byte(say)) {
						t.Errorf("%s does not say %q", name, say)
					}
				}
				if _, ok := files[chapterName(base, kept+1)]; ok {
					t.Errorf("%s is there, past the %d chapters kept", chapterName(base, kept+1), kept)
				}
			}
		}
		if want := 2*n*kept + chapters + 1; len(files) != want {
			t.Errorf("the site has %d files, want %d", len(files), want)
		}
	})

	t.Run("-j1 and -j8 build the -j2 site byte for byte", func(t *testing.T) {
		for _, jobs := range []string{"-j1", "-j8"} {
			other := newBuild(t)
			other.mustMake(jobs, "all", "PER_PAGE=20", "CHAPTERS=3")
			sameFiles(t, jobs+" and -j2", siteFiles(t, other.path("site")), files)
		}
	})

	t.Run("the chronology holds every poem once", func(t *testing.T) {
		var all []int
		for c := 1; c <= chapters; c++ {
			page, ok := files[chapterName("chronological", c)]
			if !ok {
				t.Fatalf("%s is missing", chapterName("chronological", c))
			}
			got, _ := entries(t, page)
			all = append(all, got...)
		}
		// The sample has no dates: undated poems come by N.
		for i, p := range all {
			if p != i+1 {
				t.Fatalf("the chronology has poem %d at place %d (%d poems in all)", p, i+1, len(all))
			}
		}
		if len(all) != n {
			t.Errorf("the chronology has %d poems, want %d", len(all), n)
		}
	})

	t.Run("every link leads to a file of the site", func(t *testing.T) {
		links := 0
		for name, page := range files {
			for _, m := range hrefRE.FindAllSubmatch(page, -1) {
				links++
				target, frag, _ := strings.Cut(string(m[1]), "#")
				dest, ok := files[path.Clean(path.Join(path.Dir(name), target))]
				if !ok {
					t.Errorf("%s links to %s, which the site does not have", name, m[1])
				} else if frag != "" && !bytes.Contains(dest, []byte(`name="`+frag+`"`)) {
					t.Errorf("%s links to %s, which has no entry %s", name, m[1], frag)
				}
			}
		}
		t.Logf("%d links followed on %d files", links, len(files))
	})

	t.Run("valid HTML", func(t *testing.T) {
		tidy(t, b.path("site"), "similar/5-2.html", "different/206-3.html", "chronological-11.html", "index.html")
	})

	t.Run("fewer chapters: the last kept is rewritten, the rest removed", func(t *testing.T) {
		b.mustMake("-j2", "all", "PER_PAGE=20", "CHAPTERS=2")
		after := siteFiles(t, b.path("site"))
		for name, page := range files {
			now, ok := after[name]
			switch {
			case strings.HasSuffix(name, "-3.html") && !strings.HasPrefix(name, "chronological"):
				if ok {
					t.Errorf("%s is still there with CHAPTERS=2", name)
				}
			case strings.HasSuffix(name, "-2.html") && !strings.HasPrefix(name, "chronological"):
				if !ok || bytes.Equal(now, page) || !bytes.Contains(now, []byte("keeps the first 40 poems of each ordering")) {
					t.Errorf("%s, now the last chapter, was not rewritten to say so", name)
				}
			case !bytes.Equal(now, page):
				t.Errorf("%s changed with CHAPTERS", name)
			}
		}
	})

	t.Run("a make without the settings keeps the site's layout", func(t *testing.T) {
		before := siteFiles(t, b.path("site"))
		b.mustMake("-j2", "similar/5.html")
		b.mustMake("-j2", "all")
		after := siteFiles(t, b.path("site"))
		if len(after) != len(before) {
			t.Errorf("the site had %d files, now %d", len(before), len(after))
		}
		for name, page := range before {
			if !bytes.Equal(after[name], page) {
				t.Errorf("%s changed", name)
			}
		}
	})

	t.Run("a budget is kept", func(t *testing.T) {
		small := newBuild(t)
		said := small.mustMake("-j2", "all", "PER_PAGE=20", "QUOTA=50M")
		m := regexp.MustCompile(`CHAPTERS=(\d+) of \d+: the most chapters`).FindStringSubmatch(said)
		if m == nil {
			t.Fatalf("the build does not say which CHAPTERS it chose:\n%s", said)
		}
		var bytes int64
		filepath.WalkDir(small.path("site"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				fi, _ := d.Info()
				bytes += fi.Size()
			}
			return err
		})
		if bytes > 50e6 || bytes < 30e6 {
			t.Errorf("the site is %d bytes with QUOTA=50M (CHAPTERS=%s chosen): over it, or far below", bytes, m[1])
		}
	})

	t.Run("the hosts' budgets, through make size", func(t *testing.T) {
		// The limits as the spec's table publishes them; the ones that
		// count directories say "entries".
		for _, h := range []struct{ host, limits string }{
			{"neocities", "50.0 GB, 100000 entries, 100.0 MB a file"},
			{"neocities-free", "1.0 GB, 15000 entries, 100.0 MB a file"},
			{"github-pages", "1.0 GB"},
			{"gitlab-pages", "1.0 GB, 200000 entries"},
			{"cloudflare-pages", "20000 files, 26.2 MB a file"}, // 25 MiB
		} {
			said := b.mustMake("size", "PER_PAGE=20", "HOST="+h.host)
			if want := fmt.Sprintf("CHAPTERS=%d of %d: the most chapters of 20 poems that fit HOST=%s: %s (", chapters, chapters, h.host, h.limits); !strings.Contains(said, want) {
				t.Errorf("make size HOST=%s does not say %q:\n%s", h.host, want, said)
			}
		}
		said, err := b.make("size", "PER_PAGE=20", "HOST=geocities")
		if err == nil || !strings.Contains(said, "neocities-free") {
			t.Errorf("make size HOST=geocities: %v, want a refusal naming the hosts:\n%s", err, said)
		}
	})

	t.Run("MAX_FILE_SIZE below a whole page is refused, with nothing written", func(t *testing.T) {
		whole := newBuild(t)
		said, err := whole.make("-j2", "all", "MAX_FILE_SIZE=100k")
		if err == nil {
			t.Fatalf("make all MAX_FILE_SIZE=100k succeeded with whole pages:\n%s", said)
		}
		for _, w := range []string{"does not fit 100.0 kB a file", "100.0 kB allowed", "PER_PAGE="} {
			if !strings.Contains(said, w) {
				t.Errorf("the refusal does not say %q:\n%s", w, said)
			}
		}
		if got := siteFiles(t, whole.path("site")); len(got) > 0 {
			t.Errorf("the refused build wrote %d files in the site", len(got))
		}
	})

	t.Run("the site as built is checked against its budget", func(t *testing.T) {
		// A host's budget with a file size of its own (MAX_FILE_SIZE over
		// HOST's) that the plan fits; then a page grown past it by hand,
		// which no estimate sees, and a build that writes a page.
		hosted := newBuild(t)
		settings := []string{"PER_PAGE=20", "CHAPTERS=1", "HOST=neocities-free", "MAX_FILE_SIZE=200k"}
		hosted.mustMake(append([]string{"-j2", "all"}, settings...)...)
		grown := append(hosted.read("site/similar/1.html"), bytes.Repeat([]byte("<!-- grown -->\n"), 20000)...)
		hosted.write("site/similar/1.html", grown)
		hosted.remove("site/similar/2.html")
		said, err := hosted.make(append([]string{"-j2", "all"}, settings...)...)
		want := fmt.Sprintf("does not fit 1.0 GB, 15000 entries, 200.0 kB a file as built: a file of %.1f kB, 200.0 kB allowed", float64(len(grown))/1000)
		if err == nil || !strings.Contains(said, want) {
			t.Errorf("make all with a page over MAX_FILE_SIZE: %v, want an error saying %q:\n%s", err, want, said)
		}
		if _, err := os.Stat(hosted.path("site/similar/2.html")); err != nil {
			t.Errorf("the page to build was not built: %v", err)
		}
	})

	t.Run("a budget nothing fits is refused, with nothing written", func(t *testing.T) {
		none := newBuild(t)
		said, err := none.make("-j2", "all", "PER_PAGE=20", "MAX_FILES=100")
		if err == nil {
			t.Fatalf("make all MAX_FILES=100 succeeded:\n%s", said)
		}
		for _, w := range []string{"does not fit 100 files", "206 poems need at least 414 pages"} {
			if !strings.Contains(said, w) {
				t.Errorf("the refusal does not say %q:\n%s", w, said)
			}
		}
		if got := siteFiles(t, none.path("site")); len(got) > 0 {
			t.Errorf("the refused build wrote %d files in the site", len(got))
		}
	})
}
