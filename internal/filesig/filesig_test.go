package filesig

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"pagegen/internal/atomicfile"
)

// old writes a file dated an hour ago. Its change time is now, which no
// test can set back: see later.

func old(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
}

// later is a reading made well after the files of the test were written,
// when their signatures can be trusted.
func later() time.Time { return time.Now().Add(Racy + time.Second) }

func TestUnchanged(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
		want   bool
	}{
		{"untouched", func(*testing.T, string) {}, true},
		{"read", func(t *testing.T, p string) {
			if _, err := os.ReadFile(p); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"rewritten, same size, old date put back", func(t *testing.T, p string) {
			old(t, p, "verse B")
		}, false},
		{"touched", func(t *testing.T, p string) {
			now := time.Now()
			os.Chtimes(p, now, now)
		}, false},
		{"dated back", func(t *testing.T, p string) {
			os.Chtimes(p, hourAgo.Add(-time.Hour), hourAgo.Add(-time.Hour))
		}, false},
		{"replaced by a copy", func(t *testing.T, p string) {
			old(t, p+".new", "verse A")
			if err := os.Rename(p+".new", p); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"removed", func(t *testing.T, p string) { os.Remove(p) }, false},
		{"replaced by a pipe", func(t *testing.T, p string) {
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "poems.json")
			old(t, p, "verse A")
			r := New("k")
			r.Add(p, later())
			if !r.Unchanged(p) {
				t.Fatal("a file just recorded is not unchanged")
			}
			tc.change(t, p)
			if got := r.Unchanged(p); got != tc.want {
				t.Errorf("Unchanged = %v, want %v", got, tc.want)
			}
		})
	}
}

// A file written near its reading, or dated in the future, is not trusted:
// a write in the same clock tick would leave the same signature behind.
func TestRacyFilesAreReadAgain(t *testing.T) {
	dir := t.TempDir()
	fresh, future, built := filepath.Join(dir, "fresh"), filepath.Join(dir, "future"), filepath.Join(dir, "built")
	for _, p := range []string{fresh, future, built} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ahead := time.Now().Add(time.Hour)
	if err := os.Chtimes(future, ahead, ahead); err != nil {
		t.Fatal(err)
	}
	r := New("k")
	r.Add(fresh, time.Now())
	r.Add(future, later())
	r.Add(built, time.Time{})
	if r.Unchanged(fresh) || r.Unchanged(future) {
		t.Error("a file changed near its reading, or dated in the future, was trusted")
	}
	if !r.Unchanged(built) {
		t.Error("a file the build wrote itself was not recorded")
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a b.json"), filepath.Join(dir, "é\n.json")
	old(t, a, "A")
	old(t, b, "B")
	r := New("fp 1234")
	r.Add(a, later())
	r.Add(b, later())
	rec := filepath.Join(dir, ".corpus.bin.checked")
	if err := r.Save(rec); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(rec)
	got := Load(rec)
	if got.Key != "fp 1234" || !got.Unchanged(a, b) {
		t.Errorf("loaded %+v, want key %q with both files", got, r.Key)
	}
	if err := got.Save(rec); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(rec); !after.ModTime().Equal(before.ModTime()) {
		t.Error("saving the same record rewrote the file")
	}

	for name, text := range map[string]string{"empty": "", "foreign": "key x\n", "torn": Mark + "key x\n12 3\n"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		if got := Load(p); got.Key != "" || got.Unchanged(a) {
			t.Errorf("%s record loaded as %+v, want empty", name, got)
		}
	}
}

// A record is never written over a file the build did not make.
func TestSaveRefusesAUsersFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".corpus.bin.checked")
	mine := []byte("my notes\n")
	os.WriteFile(p, mine, 0o644)
	err := New("k").Save(p)
	if err == nil || !errors.Is(err, atomicfile.ErrNotOurs) {
		t.Errorf("Save over a user's file: %v, want ErrNotOurs", err)
	}
	if b, _ := os.ReadFile(p); string(b) != string(mine) {
		t.Errorf("the user's file now holds %q", b)
	}
}
