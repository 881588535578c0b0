package input

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"
)

// utf16Text encodes s as UTF-16, with a byte order mark when bom.
func utf16Text(s string, big, bom bool) string {
	var b []byte
	put := func(u uint16) {
		if big {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		put(u)
	}
	return string(b)
}

// utf32Text encodes s as UTF-32, with a byte order mark when bom.
func utf32Text(s string, big, bom bool) string {
	var b []byte
	put := func(r rune) {
		u := uint32(r)
		if big {
			b = append(b, byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, r := range s {
		put(r)
	}
	return string(b)
}

func TestReadEncodings(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	t.Run("UTF-8 byte order mark", func(t *testing.T) {
		c := mustRead(t, inputs{bom + stdPoems, bom + stdEmb, bom + colorsDoc(allColors(nil))}, false)
		if len(c.Poems) != 4 || len(c.Colors) == 0 {
			t.Errorf("%d poems, %d colours; want 4 and all", len(c.Poems), len(c.Colors))
		}
	})
	t.Run("UTF-8 byte order mark, then broken JSON", func(t *testing.T) {
		// Columns count from after the mark, which editors do not show.
		_, plain, opt1 := read(t, inputs{`{"poems": x}`, stdEmb, ""}, false)
		_, err, opt2 := read(t, inputs{bom + `{"poems": x}`, stdEmb, ""}, false)
		if err == nil || plain == nil {
			t.Fatalf("errors %v and %v; want two", plain, err)
		}
		if a, b := strings.TrimPrefix(plain.Error(), opt1.Poems), strings.TrimPrefix(err.Error(), opt2.Poems); a != b || !strings.HasPrefix(a, ":1:") {
			t.Errorf("with a mark: %s\nwithout: %s", b, a)
		}
	})
	tests := []struct {
		name string
		in   inputs
		want []string
	}{
		{"UTF-16 LE with a mark", inputs{utf16Text(stdPoems, false, true), stdEmb, ""},
			[]string{"$P: the file is UTF-16 (little-endian, with a byte order mark) text", "must be UTF-8", "save it as UTF-8", "iconv -f UTF-16 -t UTF-8"}},
		{"UTF-16 BE with a mark", inputs{stdPoems, utf16Text(stdEmb, true, true), ""},
			[]string{"$E: the file is UTF-16 (big-endian, with a byte order mark) text", "save it as UTF-8"}},
		{"UTF-16 LE", inputs{utf16Text(stdPoems, false, false), stdEmb, ""},
			[]string{"$P: the file is UTF-16 (little-endian) text", "iconv -f UTF-16LE -t UTF-8"}},
		{"UTF-16 BE", inputs{stdPoems, stdEmb, utf16Text(colorsDoc(allColors(nil)), true, false)},
			[]string{"$C: the file is UTF-16 (big-endian) text", "iconv -f UTF-16BE -t UTF-8"}},
		{"UTF-32 LE with a mark", inputs{utf32Text(stdPoems, false, true), stdEmb, ""},
			[]string{"$P: the file is UTF-32 (little-endian, with a byte order mark) text", "save it as UTF-8"}},
		{"UTF-32 BE with a mark", inputs{utf32Text(stdPoems, true, true), stdEmb, ""},
			[]string{"$P: the file is UTF-32 (big-endian, with a byte order mark) text"}},
		{"UTF-32 LE", inputs{stdPoems, utf32Text(stdEmb, false, false), ""},
			[]string{"$E: the file is UTF-32 (little-endian) text", "iconv -f UTF-32LE -t UTF-8"}},
		{"UTF-32 BE", inputs{utf32Text(stdPoems, true, false), stdEmb, ""},
			[]string{"$P: the file is UTF-32 (big-endian) text"}},
		{"zeros", inputs{strings.Repeat("\x00", 4096), stdEmb, ""},
			[]string{"$P: the file starts with zero bytes, not text", "give the JSON file"}},
		{"two bytes of UTF-16", inputs{"{\x00", stdEmb, ""},
			[]string{"$P: the file is UTF-16 (little-endian) text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err, opt := read(t, tt.in, false)
			if err == nil {
				t.Fatal("Read succeeded; want an error")
			}
			for _, w := range tt.want {
				if w = expand(w, opt); !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%s", w, err)
				}
			}
			if strings.Contains(err.Error(), "invalid char") {
				t.Errorf("error blames a character:\n%s", err)
			}
		})
	}
}

// fifo makes a named pipe in a fresh directory.
func fifo(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("named pipes are tested on Linux")
	}
	path := filepath.Join(t.TempDir(), "poems.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// files writes the standard embeddings beside poems and returns the options.
func files(t *testing.T, poems string) Options {
	t.Helper()
	emb := filepath.Join(t.TempDir(), "embeddings.json")
	if err := os.WriteFile(emb, []byte(stdEmb), 0o644); err != nil {
		t.Fatal(err)
	}
	return Options{Poems: poems, Embeddings: emb}
}

// hangLimit bounds a read that must end, so that one that hangs fails the
// test: it tells a hang, not speed.
const hangLimit = time.Minute

// readWithin reads opt and fails the test when it has not returned after
// hangLimit.
func readWithin(t *testing.T, opt Options) (*Corpus, error) {
	d := hangLimit
	t.Helper()
	type result struct {
		c   *Corpus
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Read(opt)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(d):
		t.Fatalf("Read has not returned after %v", d)
		return nil, nil
	}
}

// TestReadPipes: poems given through a pipe are read whole, whether the
// writer comes before or after, and an empty pipe is not "an empty file".
func TestReadPipes(t *testing.T) {
	t.Run("process substitution", func(t *testing.T) {
		// POEMS=<(cat poems.json): the shell passes /dev/fd/N of a pipe.
		if runtime.GOOS != "linux" {
			t.Skip("/dev/fd is tested on Linux")
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		go func() {
			w.WriteString(stdPoems)
			w.Close()
		}()
		c, err := readWithin(t, files(t, "/dev/fd/"+strconv.Itoa(int(r.Fd()))))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Poems) != 4 {
			t.Errorf("%d poems, want 4", len(c.Poems))
		}
	})
	t.Run("named pipe, large, writer first", func(t *testing.T) {
		path := fifo(t)
		big := poemsDoc(strings.Replace(poem("fediverse", 1, ""), "the text", strings.Repeat("long ", 200000), 1),
			poem("fediverse", 2, ""), poem("notes", 1, ""), poem("messages", 7, ""))
		go func() {
			w, err := os.OpenFile(path, os.O_WRONLY, 0) // blocks until Read opens it
			if err != nil {
				return
			}
			w.WriteString(big)
			w.Close()
		}()
		c, err := readWithin(t, files(t, path))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Poems) != 4 || len(c.Poems[0].Content) < 1000000 {
			t.Errorf("%d poems, the first of %d bytes; want 4, the first of a megabyte", len(c.Poems), len(c.Poems[0].Content))
		}
	})
	t.Run("named pipe, writer later", func(t *testing.T) {
		path := fifo(t)
		go func() {
			time.Sleep(300 * time.Millisecond) // Read is waiting for a writer by now
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			w.WriteString(stdPoems[:20])
			time.Sleep(100 * time.Millisecond)
			w.WriteString(stdPoems[20:])
			w.Close()
		}()
		c, err := readWithin(t, files(t, path))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Poems) != 4 {
			t.Errorf("%d poems, want 4", len(c.Poems))
		}
	})
	t.Run("named pipe, nothing written", func(t *testing.T) {
		path := fifo(t)
		go func() {
			time.Sleep(100 * time.Millisecond)
			if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
				w.Close()
			}
		}()
		_, err := readWithin(t, files(t, path))
		if err == nil {
			t.Fatal("Read succeeded; want an error")
		}
		for _, w := range []string{path + ": nothing could be read", "a pipe, not a regular file", "save the poems file to a file"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q:\n%s", w, err)
			}
		}
		if strings.Contains(err.Error(), "the file is empty") {
			t.Errorf("error calls the pipe an empty file:\n%s", err)
		}
	})
	t.Run("device with nothing to read", func(t *testing.T) {
		if _, err := os.Stat("/dev/null"); err != nil {
			t.Skip("no /dev/null")
		}
		_, err := Read(files(t, "/dev/null"))
		if err == nil || !strings.Contains(err.Error(), "/dev/null: nothing could be read: it is a character device, not a regular file: save the poems file to a file") {
			t.Errorf("error %v; want one saying /dev/null is a device with nothing to read", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Read(files(t, dir))
		if err == nil || !strings.Contains(err.Error(), dir+" is a directory: give the path of the poems file") {
			t.Errorf("error %v; want one saying %s is a directory", err, dir)
		}
	})
}

// TestReadCancel: a read that waits or never ends stops once its context
// is cancelled (within hangLimit: it did not hang), and says so.
func TestReadCancel(t *testing.T) {
	tests := []struct {
		name   string
		poems  func(t *testing.T) string
		cancel time.Duration // after this long; 0 cancels before Read
		want   string        // in the error; "" for a cancellation
	}{
		{"pipe without a writer", fifo, 200 * time.Millisecond, ""},
		{"pipe whose writer writes nothing", func(t *testing.T) string {
			path := fifo(t)
			done := make(chan struct{})
			t.Cleanup(func() { close(done) })
			go func() {
				w, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				<-done // open, silent, until the test ends
				w.Close()
			}()
			return path
		}, 200 * time.Millisecond, ""},
		{"pipe that never ends", func(t *testing.T) string {
			path := fifo(t)
			go func() {
				w, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				defer w.Close()
				b := []byte(`{"poems": [` + strings.Repeat(`{"id": 1, "category": "a", "content": "x"}, `, 1000))
				for {
					if _, err := w.Write(b); err != nil {
						return
					}
				}
			}()
			return path
		}, 300 * time.Millisecond, ""},
		{"cancelled before", func(t *testing.T) string { return filepath.Join(t.TempDir(), "poems.json") }, 0, ""},
		{"/dev/zero", func(t *testing.T) string {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			return "/dev/zero"
		}, time.Hour, "/dev/zero: the file starts with zero bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := files(t, tt.poems(t))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opt.Context = ctx
			if tt.cancel == 0 {
				cancel()
			} else {
				time.AfterFunc(tt.cancel, cancel)
			}
			_, err := readWithin(t, opt)
			if err == nil {
				t.Fatal("Read succeeded; want an error")
			}
			if tt.want != "" {
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error lacks %q:\n%s", tt.want, err)
				}
				return
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), opt.Poems+": reading the poems file stopped") {
				t.Errorf("error %q; want a cancellation naming %s", err, opt.Poems)
			}
		})
	}
}
