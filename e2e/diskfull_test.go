//go:build linux

package e2e

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of the given size at dir until the test ends; it
// skips the test where mounting is not allowed.
func mountTmpfs(t *testing.T, tl *tally, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Mode 0755, not tmpfs's 1777: a site folder every user may write to
	// is refused.
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0755"); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			tl.skip(t, "cannot mount a %s tmpfs to fill (%v): run the test as root (CAP_SYS_ADMIN)", size, err)
		}
		t.Fatalf("mount -t tmpfs -o size=%s tmpfs %s: %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
}

// TestDiskFull builds on a disk too small: the site on a 3 MB tmpfs (refused
// up front by the space check, and with SPACE_CHECK=0 hitting the full disk
// while writing pages), the packed corpus on a 1 MB one, and the page list on
// one that just holds the corpus. Each must fail with a clear message and
// leave no temporary file and no partial page or corpus.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the sample site")
	}
	tl := newTally(t)
	want := reference(t)
	wantCorpus := corpusSize(t, want)

	for _, c := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"site, space check", nil, []string{"free some space"}},
		{"site, SPACE_CHECK=0", []string{"SPACE_CHECK=0"}, []string{"no space left on device", "free some space"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBuild(t)
			mountTmpfs(t, tl, b.path("site"), "3m")
			tl.fault()
			out, err := b.make(append([]string{"-j2", "all"}, c.args...)...)
			t.Logf("make -j2 all %s on a 3 MB disk: %v; %d pages written\n%s", strings.Join(c.args, " "), err, b.pageCount(), out)
			tl.noTrace(t, c.name, out)
			if err == nil {
				t.Fatalf("make -j2 all succeeded on a 3 MB disk")
			}
			for _, w := range append(c.wants, b.path("site")) {
				if !strings.Contains(out, w) {
					t.Errorf("the error does not say %q:\n%s", w, out)
				}
			}
			if temps := checkSite(t, tl, want, b, false); len(temps) > 0 {
				tl.lose(t, "temporary files left on the full disk: %v", temps)
			}
			checkCorpus(t, tl, b, b.path("data/corpus.bin"), wantCorpus)
		})
	}

	t.Run("packed corpus", func(t *testing.T) {
		b, corpus := makeOnFullCorpusDisk(t, tl, "corpus", "1m", "corpus.bin")
		tl.checkedN(1)
		if _, err := os.Stat(corpus); !errors.Is(err, fs.ErrNotExist) {
			tl.lose(t, "a corpus was left on the full disk: %v", err)
		}
		if tmp := b.leftovers(); len(tmp) > 0 {
			tl.lose(t, "temporary files left: %v", tmp)
		}
		if n := b.pageCount(); n > 0 {
			t.Errorf("%d pages built without a corpus", n)
		}
	})

	t.Run("record of the orderings", func(t *testing.T) {
		// Room for the corpus and its record (a 4 KB block: tmpfs counts in
		// blocks), not for the record of the orderings, the next file the
		// build writes beside them.
		size := strconv.FormatInt((wantCorpus+4095)/4096*4096+4096, 10)
		b, corpus := makeOnFullCorpusDisk(t, tl, "record of the orderings", size, ".corpus.bin.orderings")
		checkCorpus(t, tl, b, corpus, wantCorpus)
		if tmp := b.leftovers(); len(tmp) > 0 {
			tl.lose(t, "temporary files left: %v", tmp)
		}
		if n := b.pageCount(); n > 0 {
			t.Errorf("%d pages built without a record of their orderings", n)
		}
	})
}

// makeOnFullCorpusDisk runs make -j2 all with the corpus's folder on a tmpfs
// of size, and checks that it failed saying that the disk is full and naming
// file there, the one the build could not write (what). It returns the
// build and the corpus's path.
func makeOnFullCorpusDisk(t *testing.T, tl *tally, what, size, file string) (*build, string) {
	t.Helper()
	b := newBuild(t)
	small := b.path("small")
	mountTmpfs(t, tl, small, size)
	tl.fault()
	corpus := filepath.Join(small, "corpus.bin")
	out, err := b.make("-j2", "all", "CORPUS="+corpus)
	tl.noTrace(t, what+" on a full disk", out)
	if err == nil {
		t.Fatalf("make -j2 all succeeded with the %s on a full disk:\n%s", what, out)
	}
	for _, w := range []string{filepath.Join(small, file), "no space left on device", "free some space"} {
		if !strings.Contains(out, w) {
			t.Errorf("the error does not say %q:\n%s", w, out)
		}
	}
	return b, corpus
}
