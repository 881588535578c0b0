package e2e

// The fault tests' harness: reference builds to compare with, and the checks
// of a site, a packed corpus and a build's leftovers. Starting makes and
// watching their processes is in procs_test.go; the tallies of what the
// tests tried and found, and the robustness table, in tally_test.go.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// envInt reads a count from the environment, def if it is not set.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a number", name, s)
	}
	return n
}

// ref is a complete site built without any fault, shared by the tests.
type ref struct {
	dir   string
	pages map[string][sha256.Size]byte // site-relative name → checksum
}

// refs holds the reference builds by their make arguments, in binDir,
// which TestMain removes at the end.
var refs struct {
	sync.Mutex
	m map[string]*ref
}

// reference builds (once per test binary) the sample site with extra make
// arguments, without any fault.
func reference(t *testing.T, args ...string) *ref {
	t.Helper()
	key := strings.Join(args, " ")
	refs.Lock()
	defer refs.Unlock()
	if r, ok := refs.m[key]; ok {
		return r
	}
	dir, err := os.MkdirTemp(binDir, "reference")
	if err != nil {
		t.Fatal(err)
	}
	b := &build{t: t, dir: dir}
	copySample(b)
	b.mustMake(append([]string{"-j2", "all"}, args...)...)
	r := &ref{dir: dir, pages: sums(t, b.path("site"))}
	if refs.m == nil {
		refs.m = map[string]*ref{}
	}
	refs.m[key] = r
	return r
}

func (r *ref) path(name string) string { return filepath.Join(r.dir, name) }

// sums checksums every file under dir, by its slash-separated relative name,
// but a site's records of its build (siteStamp, building).
func sums(t *testing.T, dir string) map[string][sha256.Size]byte {
	t.Helper()
	m := map[string][sha256.Size]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isRecord(d.Name()) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		m[filepath.ToSlash(rel)] = sha256.Sum256(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// siteStamp is the file that says what a site's pages are made of
// (site.StampName); building records a build that has not ended, such as
// one killed (site.BuildingName); lockFile is the lock a build holds in each
// folder it writes (lock.Name).
const (
	siteStamp = ".pagegen-site"
	building  = ".pagegen-building"
	lockFile  = ".pagegen-lock"
)

// isRecord reports whether name is one of a site's own records, not a page.
func isRecord(name string) bool { return name == siteStamp || name == building || name == lockFile }

// isTemp tells atomicfile's temporary files: .name.pagegen-random.tmp.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".pagegen-") && strings.HasSuffix(name, ".tmp")
}

// pageRE is what a site may hold: pages named by numbers only.
var pageRE = regexp.MustCompile(`^(?:(?:similar|different)/[1-9][0-9]*(?:-[1-9][0-9]*)?\.html|chronological(?:-[1-9][0-9]*)?\.html|index\.html)$`)

const pageEnd = "</html>\n"

// checkSite checks every file of got's site (OUT): a page of the reference,
// whole and byte-identical to it; with all, every reference page is there.
// It returns the temporary files it found, which it leaves to the caller.
func checkSite(t *testing.T, tl *tally, want *ref, got *build, all bool) (temps []string) {
	t.Helper()
	site := got.path("site")
	seen := map[string]bool{}
	err := filepath.WalkDir(site, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == site {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(site, path)
		rel = filepath.ToSlash(rel)
		if isTemp(d.Name()) {
			temps = append(temps, rel)
			return nil
		}
		if isRecord(d.Name()) {
			return nil
		}
		tl.checkedN(1)
		sum, ok := want.pages[rel]
		if !ok || !pageRE.MatchString(rel) {
			tl.lose(t, "%s: a file the site should not have", rel)
			return nil
		}
		seen[rel] = true
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case !bytes.HasSuffix(data, []byte(pageEnd)):
			tl.lose(t, "%s is a partial page (%d bytes, not ending in %q)", rel, len(data), pageEnd)
		case sha256.Sum256(data) != sum:
			tl.lose(t, "%s is not the reference build's page (%d bytes)", rel, len(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if all {
		for rel := range want.pages {
			if !seen[rel] {
				tl.lose(t, "%s is missing", rel)
			}
		}
	}
	return temps
}

// checkCorpus checks the packed corpus and page list of a build, if they
// exist: the corpus has the size of a whole one and pagegen opens it (its
// header, table and checksum), the page list is whole.
func checkCorpus(t *testing.T, tl *tally, b *build, corpus string, wantSize int64) {
	t.Helper()
	if fi, err := os.Stat(corpus); err == nil {
		tl.checkedN(1)
		if fi.Size() != wantSize {
			tl.lose(t, "%s is %d bytes, a whole one %d", corpus, fi.Size(), wantSize)
		}
		out, err := exec.Command(filepath.Join(binDir, "pagegen"), "--corpus", corpus, "index", "--out", t.TempDir()).CombinedOutput()
		if err != nil {
			tl.lose(t, "pagegen cannot use %s: %v\n%s", corpus, err, out)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	list := filepath.Join(filepath.Dir(corpus), "pages.mk")
	if data, err := os.ReadFile(list); err == nil {
		tl.checkedN(1)
		if !wholePageList(string(data)) {
			tl.lose(t, "%s is not a whole page list:\n%.300s", list, data)
		}
	}
}

// wholePageList reports whether a page list (pages.mk: the pages to build,
// by kind, and their rules) is whole: its last line ended, and every page
// it lists has its rule.
func wholePageList(text string) bool {
	if !strings.HasSuffix(text, "\n") || !strings.Contains(text, "\nINDEX_FILES :=") {
		return false
	}
	listed, ruled := []string{}, map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if _, files, ok := strings.Cut(line, "_FILES :="); ok {
			listed = append(listed, strings.Fields(files)...)
		}
		if targets, _, ok := strings.Cut(line, "&:"); ok {
			for _, f := range strings.Fields(targets) {
				ruled[f] = true
			}
		}
	}
	for _, f := range listed {
		if !ruled[f] {
			return false
		}
	}
	return true
}

// corpusSize is the size of a reference's packed corpus.
func corpusSize(t *testing.T, r *ref) int64 {
	t.Helper()
	fi, err := os.Stat(r.path("data/corpus.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// editJSON rewrites one of the build's JSON inputs through fn (numbers kept
// as written).
func (b *build) editJSON(name string, fn func(doc map[string]any)) {
	b.t.Helper()
	data, err := os.ReadFile(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		b.t.Fatal(err)
	}
	fn(doc)
	if data, err = json.Marshal(doc); err != nil {
		b.t.Fatal(err)
	}
	b.write(name, data)
}

func list(doc map[string]any, key string) []any { return doc[key].([]any) }

func item(doc map[string]any, key string, i int) map[string]any {
	return list(doc, key)[i].(map[string]any)
}

// pageCount counts the finished pages of the site.
func (b *build) pageCount() int {
	n := 0
	for _, dir := range []string{"similar", "different"} {
		entries, _ := os.ReadDir(b.path(filepath.Join("site", dir)))
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".html") && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
	}
	return n
}

// leftovers lists temporary files anywhere in the build.
func (b *build) leftovers() []string {
	var tmp []string
	filepath.Walk(b.dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(path, ".tmp") {
			tmp = append(tmp, path)
		}
		return nil
	})
	return tmp
}
