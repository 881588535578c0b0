package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// done runs fn and fails the test if it has not returned within a minute:
// a bound that tells a hang, not speed.
func done(t *testing.T, what string, fn func()) {
	t.Helper()
	ch := make(chan struct{})
	go func() { fn(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return: it waits on the FIFO", what)
	}
}

// TestOpenRegularRefusesWithoutBlocking: a FIFO, a folder, a device and (not
// followed) a link are refused at once, each saying what it is; a regular
// file, and a link to one when followed, open.
func TestOpenRegularRefusesWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		follow bool
		want   string // "" opens
	}{
		{file, false, ""},
		{link, true, ""},
		{link, false, "is a symbolic link"},
		{fifo, false, "is a pipe"},
		{fifo, true, "is a pipe"},
		{dir, false, "is a directory"},
		{"/dev/null", true, "is a character device"},
	} {
		done(t, "OpenRegular("+c.path+")", func() {
			f, err := OpenRegular(c.path, c.follow)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("OpenRegular(%s, %t): %v", c.path, c.follow, err)
			case c.want == "":
				f.Close()
			case err == nil:
				f.Close()
				t.Errorf("OpenRegular(%s, %t) opened it", c.path, c.follow)
			case !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.want):
				t.Errorf("OpenRegular(%s, %t) = %v, want %q and ErrNotRegular", c.path, c.follow, err, c.want)
			}
		})
	}
	if _, err := OpenRegular(filepath.Join(dir, "none"), false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenRegular of a missing file = %v, want ErrNotExist", err)
	}
}

// TestReadSmall reads a small file whole and refuses a large one (sparse:
// 100 GB that take no disk) without reading it.
func TestReadSmall(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "stamp")
	if err := os.WriteFile(small, []byte("pagegen site\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadSmall(small, 64); err != nil || string(b) != "pagegen site\n" {
		t.Errorf("ReadSmall = %q, %v", b, err)
	}
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 100<<30); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadSmall(huge, 4<<10); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "107374182400 bytes") || b != nil {
		t.Errorf("ReadSmall of 100 GB = %d bytes, %v", len(b), err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done(t, "ReadSmall(fifo)", func() {
		if _, err := ReadSmall(fifo, 64); !errors.Is(err, ErrNotRegular) {
			t.Errorf("ReadSmall of a FIFO = %v", err)
		}
	})
}

// TestSameAndCheckOursOnAFIFO: neither blocks on a FIFO at the path.
func TestSameAndCheckOursOnAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pages.mk")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done(t, "Same", func() {
		if Same(fifo, [][]byte{[]byte("x")}) {
			t.Error("a FIFO is the same as some bytes")
		}
	})
	done(t, "CheckOurs", func() {
		if err := CheckOurs(fifo, []byte("# mark")); !errors.Is(err, ErrNotOurs) || !strings.Contains(err.Error(), "is a pipe") {
			t.Errorf("CheckOurs of a FIFO = %v", err)
		}
	})
}
