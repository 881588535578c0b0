package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// entries lists dir's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// temps lists the temporary files for name in dir.
func temps(t *testing.T, dir, name string) []string {
	t.Helper()
	var found []string
	for _, n := range entries(t, dir) {
		if strings.HasPrefix(n, "."+name+".") && strings.HasSuffix(n, ".tmp") {
			found = append(found, n)
		}
	}
	return found
}

func TestCreateCommit(t *testing.T) {
	for _, sync := range []bool{false, true} {
		t.Run(fmt.Sprint("sync=", sync), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "12.html")
			f, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write([]byte("<html>")); err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("</html>\n"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the target exists before Commit (%v)", err)
			}
			if tmp := temps(t, dir, "12.html"); len(tmp) != 1 || filepath.Join(dir, tmp[0]) != f.Name() {
				t.Errorf("temporary files %q, want one: %s", tmp, f.Name())
			}
			if err := f.Commit(sync); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil || string(data) != "<html></html>\n" {
				t.Errorf("after Commit the file holds %q, %v", data, err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != 0o644 {
				t.Errorf("mode %v, want 0644", fi.Mode())
			}
			if got := entries(t, dir); !slices.Equal(got, []string{"12.html"}) {
				t.Errorf("after Commit the directory holds %q", got)
			}

			if err := f.Commit(sync); err == nil {
				t.Error("a second Commit succeeded")
			}
			f.Abort() // a no-op now
			if _, err := os.Stat(path); err != nil {
				t.Errorf("Abort after Commit removed the file: %v", err)
			}
		})
	}
}

// TestCommitReplaces: committing over an existing file replaces it whole, and
// a reader holding the old file keeps the old bytes.
func TestCommitReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.html")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Errorf("the file holds %q, want new", data)
	}
	if fi, _ := os.Stat(path); fi.Mode() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode())
	}
	buf := make([]byte, 8)
	if n, _ := old.Read(buf); string(buf[:n]) != "old" {
		t.Errorf("the old file reads %q", buf[:n])
	}
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "12.html")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteBuffers([][]byte{[]byte("partial")}); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	f.Abort()
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("after Abort the directory holds %q", got)
	}
	if err := f.Commit(false); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Commit after Abort made the file (%v)", err)
	}
}

func TestWriteBuffers(t *testing.T) {
	many := func(n int, f func(i int) []byte) [][]byte {
		bufs := make([][]byte, n)
		for i := range bufs {
			bufs[i] = f(i)
		}
		return bufs
	}
	for _, tc := range []struct {
		name string
		bufs [][]byte
	}{
		{"none", nil},
		{"one empty", [][]byte{{}}},
		{"all empty", many(3000, func(int) []byte { return nil })},
		{"one", [][]byte{[]byte("x")}},
		{"exactly a batch", many(maxIovecs, func(i int) []byte { return []byte{byte('a' + i%26)} })},
		{"a batch and one", many(maxIovecs+1, func(i int) []byte { return []byte(fmt.Sprint(i, ",")) })},
		{"small and empty", many(5000, func(i int) []byte {
			if i%3 == 0 {
				return []byte{}
			}
			return []byte(fmt.Sprintf("<%d>", i))
		})},
		{"empties filling a batch before data", slices.Concat(many(maxIovecs, func(int) []byte { return nil }), [][]byte{[]byte("tail")})},
		{"large", many(40, func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 100_000+i) })},
		{"shared backing", func() [][]byte {
			b := []byte("abcdefghij")
			return [][]byte{b[:3], b[2:5], b[:0], b[9:], b}
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "page.html")
			f, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			before := make([][]byte, len(tc.bufs))
			for i, b := range tc.bufs {
				before[i] = slices.Clone(b)
			}
			// A write before and after: writev continues at the file's offset.
			f.WriteString("[")
			n, err := f.WriteBuffers(tc.bufs)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("]")
			if err := f.Commit(false); err != nil {
				t.Fatal(err)
			}
			want := bytes.Join(tc.bufs, nil)
			if n != int64(len(want)) {
				t.Errorf("WriteBuffers = %d, want %d", n, len(want))
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := "[" + string(want) + "]"; string(got) != want {
				t.Errorf("the file holds %d bytes, want %d (the concatenation)", len(got), len(want))
			}
			for i := range tc.bufs {
				if !bytes.Equal(tc.bufs[i], before[i]) || len(tc.bufs[i]) != len(before[i]) {
					t.Errorf("WriteBuffers changed buffer %d", i)
					break
				}
			}
		})
	}
}

func TestWriteBuffersError(t *testing.T) {
	f, err := Create(filepath.Join(t.TempDir(), "x.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	// A file descriptor opened read-only: writev fails with EBADF.
	ro, err := os.Open(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	f.File, ro = ro, f.File
	defer ro.Close()
	if _, err := f.WriteBuffers([][]byte{[]byte("x")}); err == nil || !strings.Contains(err.Error(), "x.html") {
		t.Errorf("WriteBuffers on a read-only file = %v, want an error naming x.html", err)
	}
}

func TestFailedSaysWhatToDo(t *testing.T) {
	f := &File{path: "site/similar/1.html"}
	for _, tc := range []struct {
		err  error
		hint bool
	}{
		{syscall.ENOSPC, true},
		{fmt.Errorf("write: %w", syscall.EDQUOT), true},
		{syscall.EIO, false},
	} {
		err := f.Failed(tc.err)
		msg := err.Error()
		if !strings.Contains(msg, "site/similar/1.html") || !strings.Contains(msg, tc.err.Error()) {
			t.Errorf("Failed(%v) = %q, want the path and the cause", tc.err, msg)
		}
		if hint := strings.Contains(msg, "free some space"); hint != tc.hint {
			t.Errorf("Failed(%v) = %q; the hint to free space shown: %v, want %v", tc.err, msg, hint, tc.hint)
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("Failed(%v) does not wrap the cause", tc.err)
		}
	}
}

func TestCreateMakesDirectories(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "site", "similar", "deep", "1.html")
	if err := WriteFile(path, []byte("page")); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "page" {
		t.Errorf("read back %q, %v", data, err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o755&^umask() {
		t.Errorf("the new directory: %v, %v", fi.Mode(), err)
	}

	// A relative name, in the working directory.
	t.Chdir(root)
	if err := WriteFile("rel.html", []byte("r")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "rel.html")); string(data) != "r" {
		t.Errorf("rel.html holds %q", data)
	}

	// A directory that cannot be made.
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Create(filepath.Join(file, "x.html")); err == nil {
		t.Error("Create under a regular file succeeded")
	}
}

func TestSweep(t *testing.T) {
	for _, name := range []string{"site", "site [draft]", "a*b?c", `back\slash`} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			for _, d := range []string{"sub", ".d.tmp", ".x.html.pagegen-1.tmp"} { // directories stay
				if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, d, ".1.html.9.tmp"), nil, 0o644) // not swept: another directory
			}
			// A writer killed midway.
			f, err := Create(filepath.Join(dir, "12.html"))
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("partial")
			leftovers := []string{filepath.Base(f.Name()), ".corpus.bin.pagegen-123.tmp", ".index.html.pagegen-9.tmp"}
			// Another program's temporary files are not ours to sweep.
			keep := []string{"12", "12.html", "a.tmp", ".hidden", ".tmpx", ".x.tmp.html", ".embeddings.json.tmp", ".corpus.bin.123.tmp", "sub", ".d.tmp", ".x.html.pagegen-1.tmp"}
			for _, n := range slices.Concat(leftovers[1:], keep[:len(keep)-3]) {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			n, err := Sweep(dir)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(leftovers) {
				t.Errorf("Sweep removed %d files, want %d", n, len(leftovers))
			}
			got := entries(t, dir)
			slices.Sort(keep)
			if !slices.Equal(got, keep) {
				t.Errorf("after Sweep the directory holds %q, want %q", got, keep)
			}
			for _, d := range []string{"sub", ".d.tmp", ".x.html.pagegen-1.tmp"} {
				if _, err := os.Stat(filepath.Join(dir, d, ".1.html.9.tmp")); err != nil {
					t.Errorf("Sweep went into a subdirectory: %v", err)
				}
			}
			if n, err := Sweep(dir); n != 0 || err != nil {
				t.Errorf("a second Sweep = %d, %v", n, err)
			}
			f.Abort()
		})
	}
	// A site's folder: more names than one read of the folder returns.
	dir := t.TempDir()
	var leftovers []string
	for i := range 3000 {
		name := fmt.Sprintf("%d.html", i)
		if i%1000 == 999 {
			name = fmt.Sprintf(".%d.html.pagegen-%d.tmp", i, i)
			leftovers = append(leftovers, name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := Sweep(dir); n != len(leftovers) || err != nil {
		t.Errorf("Sweep of a folder of 3000 files = %d, %v; want %d, nil", n, err, len(leftovers))
	}
	if got := entries(t, dir); len(got) != 3000-len(leftovers) || slices.ContainsFunc(got, IsTemp) {
		t.Errorf("after Sweep the folder of 3000 files holds %d, of which temporary files: %v", len(got), slices.ContainsFunc(got, IsTemp))
	}
	if n, err := Sweep(filepath.Join(t.TempDir(), "missing")); n != 0 || err != nil {
		t.Errorf("Sweep of a missing directory = %d, %v; want 0, nil", n, err)
	}
}

func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

// TestUmask: a file is as readable as the user's umask says, not more.
func TestUmask(t *testing.T) {
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o027, 0o640}, {0o002, 0o664}} {
		old := unix.Umask(tc.umask)
		path := filepath.Join(t.TempDir(), "page.html")
		err := WriteFile(path, []byte("x"))
		unix.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != tc.want {
			t.Errorf("umask %03o: the file is %v, want %v", tc.umask, fi.Mode().Perm(), tc.want)
		}
	}
}

// TestUpdate: a file is written only when its bytes change, whatever the
// pieces, which Same compares against the file in blocks of its own size.
func TestUpdate(t *testing.T) {
	// A page of 1,000 entries of 300 to 899 bytes: pieces across the blocks.
	var page [][]byte
	var whole []byte
	for i := range 1000 {
		p := bytes.Repeat([]byte{byte('a' + i%26)}, 300+i*7%600)
		page = append(page, p, nil) // an empty piece between entries
		whole = append(whole, p...)
	}
	changed := func(at int) [][]byte {
		b := bytes.Clone(whole)
		b[at] ^= 1
		return [][]byte{b[:at/2], b[at/2:]}
	}
	for _, tc := range []struct {
		name   string
		before []byte // the file's bytes (nil: no file)
		pieces [][]byte
		write  bool
	}{
		{"no file", nil, page, true},
		{"the same bytes", whole, page, false},
		{"the same bytes, one piece", whole, [][]byte{whole}, false},
		{"first byte differs", whole, changed(0), true},
		{"a byte at the end of a block differs", whole, changed(256<<10 - 1), true},
		{"a byte after a block differs", whole, changed(256 << 10), true},
		{"last byte differs", whole, changed(len(whole) - 1), true},
		{"the file is a byte longer", append(bytes.Clone(whole), 'x'), page, true},
		{"the file is a byte shorter", whole[:len(whole)-1], page, true},
		{"empty, and no pieces", []byte{}, nil, false},
		{"empty, and one empty piece", []byte{}, [][]byte{{}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.html")
			if tc.before != nil {
				if err := os.WriteFile(path, tc.before, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wrote, err := Update(path, tc.pieces)
			if err != nil || wrote != tc.write {
				t.Fatalf("Update = %v, %v; want %v, nil", wrote, err, tc.write)
			}
			got, err := os.ReadFile(path)
			if want := bytes.Join(tc.pieces, nil); err != nil || !bytes.Equal(got, want) {
				t.Errorf("the file holds %d bytes (%v), want the %d of the pieces", len(got), err, len(want))
			}
		})
	}
	// A folder of that name is not the same, and is not replaced.
	dir := t.TempDir()
	if Same(dir, nil) {
		t.Error("Same took a folder for an empty file")
	}
}
