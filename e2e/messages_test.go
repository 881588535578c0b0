//go:build linux

package e2e

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// Settings and goals that were neither honoured nor refused, or refused
// with a message that misled (a part of TestBadInputsThroughMake): each is
// now refused saying what to do, or done.

// refusedSettings: odd settings and goals are refused with a message about
// the make variable or goal, not about pagegen's flags, and nothing is made.
func refusedSettings(t *testing.T, tl *tally) {
	for _, c := range []struct {
		name  string
		args  []string
		env   []string
		wants []string
		nots  []string
	}{
		{"a negative PER_PAGE", []string{"all", "PER_PAGE=-5"}, nil, []string{"PER_PAGE=-5: give a whole number of 1 or more"}, []string{"flag", "--per-page"}},
		{"HOST=--help", []string{"all", "HOST=--help"}, nil, []string{"HOST=--help is not a host pagegen knows"}, []string{"Usage:", "--host"}},
		{"QUOTA below a byte", []string{"all", "QUOTA=0.5"}, nil, []string{"QUOTA=0.5: less than one byte"}, nil},
		{"MAX_FILE_SIZE below the index", []string{"all", "MAX_FILE_SIZE=10K"}, nil, []string{"the index page alone is", "Raise MAX_FILE_SIZE"}, []string{"No chapter size fits", "pages (a similar and a different page each"}},
		{"make all size", []string{"all", "size"}, nil, []string{"make size shows the plan and builds nothing"}, nil},
		{"PROGRESS_INTERVAL=1ns", []string{"all"}, []string{"PROGRESS_INTERVAL=1ns"}, []string{"PROGRESS_INTERVAL=1ns: give 100ms or more"}, nil},
		{"a | in OUT", []string{"all", "OUT=@/site|x"}, nil, []string{`has a "|"`}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl.input()
			b := newBuild(t)
			args := slices.Clone(c.args)
			for i, a := range args { // @/: in the build's folder
				args[i] = strings.Replace(a, "@/", b.dir+"/", 1)
			}
			cmd := b.command(append([]string{"-j2"}, args...)...)
			cmd.Env = append(cmd.Environ(), c.env...)
			out, err := cmd.CombinedOutput()
			tl.noTrace(t, "make", string(out))
			if err == nil {
				t.Fatalf("make %s was not refused:\n%s", strings.Join(c.args, " "), out)
			}
			for _, w := range c.wants {
				if !strings.Contains(string(out), w) {
					t.Errorf("the refusal does not say %q:\n%s", w, out)
				}
			}
			for _, n := range c.nots {
				if strings.Contains(string(out), n) {
					t.Errorf("the refusal speaks of %q, not of the make variable:\n%s", n, out)
				}
			}
			if n := b.pageCount(); n > 0 {
				t.Errorf("%d pages written", n)
			}
			if entries, _ := os.ReadDir(b.dir); len(entries) != 3 && c.name == "a | in OUT" {
				t.Errorf("a refused OUT left folders: %v", entries)
			}
		})
	}
}

// makeT: make -t, which would take files for made without making them, is
// refused before make touches anything: the programs it would have made
// (empty files, taken for programs by the next build) are not there.
func makeT(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	out, err := b.make("-t", "similar/12.html", "BIN="+b.path("bin"))
	tl.noTrace(t, "make -t", out)
	if err == nil || !strings.Contains(out, "make -t would take files for made") {
		t.Errorf("make -t: %v\n%s", err, out)
	}
	tl.checkedN(1)
	if _, err := os.Lstat(b.path("bin")); !errors.Is(err, fs.ErrNotExist) {
		tl.lose(t, "make -t made or touched the programs before it refused (%v)", err)
	}
}

// honouredGoals: make -B all writes every page again, make OUT/similar/13.html
// builds that page, and a chapter size of one poem is said so.
func honouredGoals(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	b.mustMake("-j2", "all")
	out := b.mustMake("-j2", "-B", "all")
	tl.checkedN(1)
	if !strings.Contains(out, "414 checked and unchanged") {
		t.Errorf("make -B all did not write the pages again:\n%s", out)
	}
	stamp := b.stat("site/.pagegen-site").ModTime()
	b.chtimes("site/similar/13.html", stamp.Add(-time.Hour)) // stale
	out = b.mustMake(b.path("site/similar/13.html"))
	tl.checkedN(1)
	if strings.Contains(out, "Nothing to be done") || b.stat("site/similar/13.html").ModTime().Before(stamp) {
		t.Errorf("make %s did not build the stale page:\n%s", b.path("site/similar/13.html"), out)
	}
	out = b.mustMake("size", "PER_PAGE=1", "MAX_FILES=1000")
	if !strings.Contains(out, "the most chapters of 1 poem that fit") {
		t.Errorf("make size does not say chapters of 1 poem:\n%s", out)
	}
}
