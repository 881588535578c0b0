//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// editLine rewrites line i of a file (the sample's embeddings have one entry a line).
func (b *build) editLine(name string, i int, fn func(string) string) {
	b.t.Helper()
	data, err := os.ReadFile(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[i] = fn(lines[i])
	b.write(name, []byte(strings.Join(lines, "\n")))
}

// embeddingLine is the line of the sample's embeddings.json that holds poem n's entry.
func embeddingLine(b *build, n int) int {
	b.t.Helper()
	data, err := os.ReadFile(b.path("embeddings.json"))
	if err != nil {
		b.t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, fmt.Sprintf(`"poem_index":%d,"embedding":[`, n)) {
			return i
		}
	}
	b.t.Fatalf("no line for poem %d in embeddings.json", n)
	return 0
}

var numberRE = regexp.MustCompile(`-?[0-9][0-9.eE+-]*`)

// remedyWords: an error says what to do with one of these.
var remedyWords = []string{"fix", "regenerate", "re-run", "give ", "add ", "set ", "embed every", "remove", "rebuild", "split", "free some space", "more memory", "should look like", "should hold", "check ", "move it away"}

// TestBadInputsThroughMake feeds broken and hostile inputs to the real make.
// A broken input fails with a message that names the file and the fix,
// without a Go trace, and leaves no page, no corpus and no temporary file;
// odd but valid inputs (a 10 MB poem, tens of thousands of poems, dirty text,
// labels that try to escape their place) build a correct site.
func TestBadInputsThroughMake(t *testing.T) {
	tl := newTally(t)
	s := readSample(t, newBuild(t))
	ref := func(n int) string { return fmt.Sprintf("%d %s", n, s.labels[n-1]) }
	setEmbedding := func(n int, fn func(values string) string) func(b *build) {
		return func(b *build) {
			b.editLine("embeddings.json", embeddingLine(b, n), func(l string) string {
				head, rest, _ := strings.Cut(l, `"embedding":[`)
				values, tail, _ := strings.Cut(rest, "]")
				return head + `"embedding":[` + fn(values) + "]" + tail
			})
		}
	}
	// Broken inputs, each refused by make -j2 all.
	refused := []struct {
		name  string
		file  string // the input the message must name
		edit  func(b *build)
		wants []string
	}{
		{"poems.json missing", "poems.json", func(b *build) { b.remove("poems.json") }, []string{"not found"}},
		{"embeddings.json missing", "embeddings.json", func(b *build) { b.remove("embeddings.json") }, []string{"not found"}},
		{"colour file missing", "color_embeddings.json", func(b *build) { b.remove("color_embeddings.json") }, []string{"COLOR_EMBEDDINGS="}},
		{"poems.json a directory", "poems.json", func(b *build) {
			b.remove("poems.json")
			if err := os.Mkdir(b.path("poems.json"), 0o755); err != nil {
				b.t.Fatal(err)
			}
		}, nil},
		{"poems.json empty", "poems.json", func(b *build) { b.write("poems.json", nil) }, []string{"empty"}},
		{"poems.json not JSON", "poems.json", func(b *build) { b.write("poems.json", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) }, []string{"invalid JSON"}},
		{"poems.json truncated", "poems.json", func(b *build) {
			data := b.read("poems.json")
			b.write("poems.json", data[:len(data)*2/3])
		}, []string{"truncated"}},
		{"embeddings.json truncated", "embeddings.json", func(b *build) {
			data := b.read("embeddings.json")
			b.write("embeddings.json", data[:len(data)/2])
		}, []string{"truncated"}},
		{"poems.json a top-level array", "poems.json", func(b *build) {
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(b.read("poems.json"), &doc); err != nil || !bytes.HasPrefix(doc["poems"], []byte("[")) {
				b.t.Fatalf("the sample's poems.json has no array of poems (%v)", err)
			}
			b.write("poems.json", doc["poems"])
		}, nil},
		{"poems an object", "poems.json", func(b *build) { b.write("poems.json", []byte(`{"poems": {"1": {"id": 1}}}`)) }, nil},
		{"embeddings a number", "embeddings.json", func(b *build) { b.write("embeddings.json", []byte(`{"embeddings": 5}`)) }, nil},
		{"id a string", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 16)["id"] = "17" })
		}, []string{"poems[16].id"}},
		{"id a path", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 2)["id"] = "../../etc" })
		}, []string{"poems[2].id"}},
		{"content missing", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { delete(item(d, "poems", 3), "content") })
		}, []string{`poems[3] has no "content"`}},
		{"date not a date", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 8)["creation_date"] = "2023-13-45" })
		}, []string{"2023-13-45", ref(9)}},
		{"count mismatch", "embeddings.json", func(b *build) {
			b.editJSON("embeddings.json", func(d map[string]any) { d["embeddings"] = list(d, "embeddings")[:len(s.labels)-1] })
		}, []string{fmt.Sprintf("%d entries", len(s.labels)-1), fmt.Sprintf("%d poems", len(s.labels))}},
		{"entries out of step", "embeddings.json", func(b *build) {
			b.editJSON("embeddings.json", func(d map[string]any) {
				e := list(d, "embeddings")
				e[0], e[1] = e[1], e[0]
			})
		}, []string{"does not line up", ref(1)}},
		{"wrong dimension in one entry", "embeddings.json", setEmbedding(10, func(v string) string {
			return strings.Join(strings.Split(v, ",")[:100], ",")
		}), []string{ref(10)}},
		{"a bare NaN", "embeddings.json", setEmbedding(43, func(v string) string {
			_, rest, _ := strings.Cut(v, ",")
			return "NaN," + rest
		}), []string{ref(43), "NaN"}},
		{"a bare -Infinity", "embeddings.json", setEmbedding(101, func(v string) string {
			_, rest, _ := strings.Cut(v, ",")
			return "-Infinity," + rest
		}), []string{ref(101)}},
		{"a zero vector", "embeddings.json", setEmbedding(44, func(v string) string {
			return numberRE.ReplaceAllString(v, "0")
		}), []string{ref(44), "zero"}},
		{"duplicate poem_index", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", 20)["poem_index"] = 10 })
		}, []string{"poem_index 10", s.labels[9], s.labels[20]}},
		{"empty collection", "poems.json", func(b *build) {
			b.editJSON("poems.json", func(d map[string]any) { d["poems"] = []any{} })
			b.editJSON("embeddings.json", func(d map[string]any) { d["embeddings"] = []any{} })
		}, []string{"empty"}},
		{"a stamp of 100 GB in the site", "site/.pagegen-site", func(b *build) {
			b.write("site/.pagegen-site", []byte("pagegen site\n"))
			if err := os.Truncate(b.path("site/.pagegen-site"), 100<<30); err != nil { // sparse: no disk taken
				b.t.Fatal(err)
			}
		}, []string{"107374182400 bytes", "move it away"}},
		{"colour missing and colour extra", "color_embeddings.json", func(b *build) {
			b.editJSON("color_embeddings.json", func(d map[string]any) {
				e := d["embeddings"].(map[string]any)
				e["pink"] = e["red"]
				delete(e, "red")
			})
		}, []string{`"red" is missing`, `"pink" is not a palette colour`}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tl.input()
			b := newBuild(t)
			c.edit(b)
			out, err := b.make("-j2", "all")
			checkRefused(t, tl, b, out, err, b.path(c.file), c.wants)
		})
	}

	// Refused by corpus-pack itself, which make does not give a memory limit.
	t.Run("collection too large for memory", func(t *testing.T) {
		t.Parallel()
		tl.input()
		b := newBuild(t)
		b.mustMake("tools")
		out, err := exec.Command(filepath.Join(binDir, "corpus-pack"), "--max-memory-mb", "1",
			"--poems", b.path("poems.json"), "--embeddings", b.path("embeddings.json"),
			"--colors", b.path("color_embeddings.json"), "-o", b.path("data/corpus.bin")).CombinedOutput()
		checkRefused(t, tl, b, string(out), err, b.path("poems.json"),
			[]string{fmt.Sprintf("%d poems need", len(s.labels)), "MB", "available"})
	})

	// Odd but valid inputs, each building a correct site.
	for _, c := range []struct {
		name  string
		slow  bool // skipped by go test -short
		build func(t *testing.T, tl *tally)
	}{
		{"10 MB poem", true, bigPoem},
		{"many tiny poems", true, manyPoems},
		{"dirty text", false, dirtyText},
		{"labels that try to escape", true, escapingLabels},
		{"a password in EMBED_URL", false, passwordShown},
		{"an embedding server that redirects", false, redirected},
		{"an embedding server whose replies never end", false, endless},
		{"odd settings and goals", false, refusedSettings},
		{"make -t", false, makeT},
		{"make -B, a page by its file, a chapter of one poem", true, honouredGoals},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.slow && testing.Short() {
				tl.skip(t, "slow: a large collection or the whole site")
			}
			c.build(t, tl)
		})
	}
}

// checkRefused checks a refused input: make (or the command) failed with a
// message that names the file and the remedy and shows no Go trace, and left
// no page, no corpus and no temporary file.
func checkRefused(t *testing.T, tl *tally, b *build, out string, err error, file string, wants []string) {
	t.Helper()
	tl.noTrace(t, "the error", out)
	if err == nil {
		t.Fatalf("accepted:\n%s", out)
	}
	if !strings.Contains(out, file) {
		t.Errorf("the error does not name %s:\n%s", file, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("the error does not say %q:\n%s", w, out)
		}
	}
	lower := strings.ToLower(out)
	if !slices.ContainsFunc(remedyWords, func(w string) bool { return strings.Contains(lower, w) }) {
		t.Errorf("the error says nothing of what to do (none of %q):\n%s", remedyWords, out)
	}
	if n := b.pageCount(); n > 0 {
		t.Errorf("%d pages written", n)
	}
	for _, name := range []string{"site/index.html", "data/corpus.bin"} {
		if _, err := os.Stat(b.path(name)); err == nil {
			t.Errorf("%s written", name)
		}
	}
	if tmp := b.leftovers(); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("%s", out)
}

// tagRE matches an HTML tag.
var tagRE = regexp.MustCompile(`<[^>]*>`)

// columns is how many terminal columns s takes (East Asian wide characters
// 2, combining marks 0).
func columns(s string) int {
	w := 0
	for _, r := range s {
		switch k := width.LookupRune(r).Kind(); {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case k == width.EastAsianWide || k == width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
	}
	return w
}

// checkText checks the text of a page: whole, valid UTF-8 without control
// characters other than newline, and every line of its <pre> at most 80
// columns once tags are stripped.
func checkText(t *testing.T, tl *tally, name string, page []byte) {
	t.Helper()
	tl.checkedN(1)
	if !bytes.HasSuffix(page, []byte(pageEnd)) {
		tl.lose(t, "%s is a partial page", name)
		return
	}
	if !utf8.Valid(page) {
		t.Errorf("%s is not valid UTF-8", name)
	}
	if i := bytes.IndexFunc(page, func(r rune) bool { return r != '\n' && (unicode.IsControl(r) || r == '\u202e') }); i >= 0 {
		t.Errorf("%s has a control character at byte %d: %q", name, i, page[max(0, i-20):min(len(page), i+20)])
	}
	start, end := bytes.Index(page, []byte("<pre>")), bytes.LastIndex(page, []byte("</pre>"))
	if start < 0 || end < start {
		t.Errorf("%s has no <pre>", name)
		return
	}
	wide := 0
	for i, line := range strings.Split(string(page[start+len("<pre>"):end]), "\n") {
		plain := html.UnescapeString(tagRE.ReplaceAllString(line, ""))
		if w := columns(plain); w > 80 {
			if wide++; wide <= 3 {
				t.Errorf("%s: line %d of the text is %d columns: %.120q", name, i+1, w, plain)
			}
		}
	}
	if wide > 3 {
		t.Errorf("%s: %d lines wider than 80 columns in all", name, wide)
	}
}

// bigPoem: a poem of 10 MB, with a 3 MB line, a line of 1 MB of wide
// characters, a 500 KB word and thousands of indented lines, renders with
// every line in 80 columns. Only two pages are built: each holds the poem.
func bigPoem(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	var poem strings.Builder
	poem.WriteString("BEGIN-OF-BIG-POEM\n")
	words := []string{"the", "quiet", "river", "of", "evening", "carries", "lanterns", "déjà", "vu", "home"}
	for i := 0; poem.Len() < 3<<20; i++ {
		poem.WriteString(words[i%len(words)] + " ")
	}
	poem.WriteString("\n" + strings.Repeat("詩歌之河", 1<<20/12) + "\n")
	for i := 0; poem.Len() < 9<<20+512<<10; i++ {
		fmt.Fprintf(&poem, "\tverse %d,\tindented by a tab, and long enough to need a second line when the tab is expanded to eight columns\n", i)
	}
	poem.WriteString(strings.Repeat("x", 500<<10) + "\nEND-OF-BIG-POEM")
	const n = 5
	b.editJSON("poems.json", func(d map[string]any) { item(d, "poems", n-1)["content"] = poem.String() })
	pages := []string{"similar/1.html", fmt.Sprintf("different/%d.html", n)}
	// A wrap that is quadratic in the length of a line takes hours here.
	r := b.startRun(nil, append([]string{"-j2"}, pages...)...)
	if err := r.wait(t, 3*time.Minute); err != nil {
		t.Fatalf("make: %v\n%s", err, r.out.String())
	}
	out := r.out.String()
	tl.noTrace(t, "a 10 MB poem", out)
	for _, p := range pages {
		page, err := os.ReadFile(b.path("site/" + p))
		if err != nil {
			tl.lose(t, "%s: %v", p, err)
			continue
		}
		checkText(t, tl, p, page)
		if len(page) < 10<<20 || !bytes.Contains(page, []byte("BEGIN-OF-BIG-POEM")) || !bytes.Contains(page, []byte("END-OF-BIG-POEM")) {
			t.Errorf("%s (%d bytes) does not show the whole 10 MB poem", p, len(page))
		}
	}
}

// manyPoems: tens of thousands of tiny poems with 4-d embeddings pack (the
// Gram matrix is n² × 4 bytes: 1.6 GB at 20,000) and one page builds. Their
// number is ROBUSTNESS_POEMS (default 12,000).
func manyPoems(t *testing.T, tl *tally) {
	tl.input()
	n := envInt(t, "ROBUSTNESS_POEMS", 12000)
	if avail := memAvailable(); avail > 0 && int64(n)*int64(n)*4*3 > avail && n > 12000 {
		t.Logf("%d poems need %d MB for the Gram matrix; %d MB available: using 12,000", n, int64(n)*int64(n)*4>>20, avail>>20)
		n = 12000
	}
	tl.note("%d tiny poems", n)
	t.Logf("%d tiny poems (ROBUSTNESS_POEMS; make check-robustness uses 20,000, whose Gram matrix is 1.6 GB)", n)
	b := &build{t: t, dir: t.TempDir()}
	rng := rand.New(rand.NewPCG(uint64(n), 4))
	cats := []string{"fediverse", "messages", "notes"}
	var poems, emb bytes.Buffer
	poems.WriteString(`{"metadata": {"source": "faults_test"}, "poems": [`)
	emb.WriteString(`{"metadata": {"embedding_model": "test", "embedding_dimension": 4}, "embeddings": [`)
	vec := func() string {
		v := make([]string, 4)
		for k := range v {
			v[k] = strconv.FormatFloat(rng.Float64()*2-1, 'f', 5, 32)
		}
		v[0] = strconv.FormatFloat(rng.Float64()+0.01, 'f', 5, 32) // never all zero
		return "[" + strings.Join(v, ",") + "]"
	}
	for i := range n {
		if i > 0 {
			poems.WriteString(",\n")
			emb.WriteString(",\n")
		}
		fmt.Fprintf(&poems, `{"id": %d, "category": %q, "content": "tiny poem %d", "creation_date": "2020-01-%02dT10:00:00Z"}`, i/len(cats)+1, cats[i%len(cats)], i+1, i%28+1)
		fmt.Fprintf(&emb, `{"id": %d, "embedding": %s}`, i/len(cats)+1, vec())
	}
	poems.WriteString("]}\n")
	emb.WriteString("]}\n")
	b.write("poems.json", poems.Bytes())
	b.write("embeddings.json", emb.Bytes())
	var colors []string
	for _, c := range []string{"red", "blue", "green", "purple", "orange", "yellow", "gray"} {
		colors = append(colors, fmt.Sprintf("%q: %s", c, vec()))
	}
	b.write("color_embeddings.json", []byte(`{"embeddings": {`+strings.Join(colors, ", ")+"}}\n"))

	start := time.Now()
	out := b.mustMake("-j2", "corpus")
	t.Logf("make corpus: %v\n%s", time.Since(start).Round(time.Millisecond), out)
	tl.noTrace(t, "make corpus", out)
	page := fmt.Sprintf("similar/%d.html", n)
	out = b.mustMake("-j2", page)
	tl.noTrace(t, "make "+page, out)
	data, err := os.ReadFile(b.path("site/" + page))
	if err != nil {
		tl.lose(t, "%s: %v", page, err)
		return
	}
	checkText(t, tl, page, data)
	ns, _ := entries(t, data)
	if len(ns) != n || ns[0] != n {
		t.Errorf("%s has %d entries starting with poem %v, want %d starting with %d", page, len(ns), ns[:min(1, len(ns))], n, n)
	}
	// The corpus is n² × 4 bytes: do not keep it until the end of the test.
	os.RemoveAll(b.path("data"))
}

func memAvailable() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// dirtyText: invalid UTF-8, control characters, CR LF, lone CR, tabs and a
// bidirectional override in a poem and its content warning build, cleaned.
func dirtyText(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	const n = 7
	const invalid = "@INVALID@"
	b.editJSON("poems.json", func(d map[string]any) {
		p := item(d, "poems", n-1)
		p["content"] = "caf" + invalid + " broken\r\nCRLF line\rCR line\n\ttab\tstops\nbell\x07 esc\x1b[31m nul\x00 del\x7f bidi\u202eevil\u202c end"
		p["content_warning"] = "cw\twith\r\nbreaks\x07"
	})
	data, err := os.ReadFile(b.path("poems.json"))
	if err != nil {
		t.Fatal(err)
	}
	b.write("poems.json", bytes.Replace(data, []byte(invalid), []byte("\xe9\xff\xfe"), 1)) // raw invalid UTF-8 in the JSON string
	page := fmt.Sprintf("similar/%d.html", n)
	out := b.mustMake("-j2", page, "index")
	tl.noTrace(t, "dirty text", out)
	for _, p := range []string{page, "index.html"} {
		data, err := os.ReadFile(b.path("site/" + p))
		if err != nil {
			tl.lose(t, "%s: %v", p, err)
			continue
		}
		checkText(t, tl, p, data)
		if bytes.Contains(data, []byte("\r")) || bytes.Contains(data, []byte("\t")) {
			t.Errorf("%s has a CR or a tab", p)
		}
	}
	data = b.read("site/" + page)
	text := html.UnescapeString(tagRE.ReplaceAllString(string(data), ""))
	for _, w := range []string{"caf\ufffd", "broken\nCRLF line\nCR line\n        tab     stops\n", "bell esc[31m nul del bidievil end", "CW: cw with breaks"} {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not show the cleaned text %q", page, w)
		}
	}
}

// escapingLabels: categories, a content warning and content made of path and
// markup tricks build a site whose files are all under OUT and named by
// numbers, whose links and anchors are numbers, and where the tricks are text.
func escapingLabels(t *testing.T, tl *tally) {
	tl.input()
	b := newBuild(t)
	tricks := map[int]string{3: "../../etc", 4: "</pre><script>x</script>", 5: `a"b`, 6: "/abs/path", 7: "..", 8: "%2e%2e%2f&amp;"}
	b.editJSON("poems.json", func(d map[string]any) {
		for n, c := range tricks {
			item(d, "poems", n-1)["category"] = c
		}
		p := item(d, "poems", 9)
		p["content_warning"] = `</pre><a href="../../x">`
		p["content"] = `<script>alert(1)</script> & "quotes" ' <!-- -->`
	})
	out := b.mustMake("-j2", "all")
	tl.noTrace(t, "escaping labels", out)

	var names []string
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"color_embeddings.json", "data", "embeddings.json", "poems.json", "site"}; !slices.Equal(names, want) {
		t.Errorf("the build's directory holds %v, want %v", names, want)
	}
	if up, _ := os.ReadDir(filepath.Dir(b.dir)); len(up) != 1 {
		t.Errorf("files written next to the build: %v", up)
	}
	// Poem text keeps its quotes (it never goes in an attribute) but not its
	// < and >: attributes are those of the tags proper.
	tagRE := regexp.MustCompile(`<[a-zA-Z][^<>]*>`)
	hrefRE := regexp.MustCompile(`\shref="([^"]*)"`)
	idRE := regexp.MustCompile(`\s(?:id|name)="([^"]*)"`)
	pageLink := regexp.MustCompile(`^\.\./(?:(?:similar|different)/[1-9][0-9]*\.html|index\.html|chronological\.html)$`)
	// The index and the chronology are at the top of the site.
	topLink := regexp.MustCompile(`^(?:(?:similar|different)/[1-9][0-9]*\.html|chronological\.html|index\.html)$`)
	files := sums(t, b.path("site"))
	if want := len(reference(t).pages); len(files) != want {
		t.Errorf("the site has %d files, want %d", len(files), want)
	}
	for name := range files {
		tl.checkedN(1)
		if !pageRE.MatchString(name) {
			tl.lose(t, "the site holds %q, not a page named by a number", name)
			continue
		}
		data, err := os.ReadFile(b.path("site/" + name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(data, []byte(pageEnd)) {
			tl.lose(t, "%s is a partial page", name)
		}
		lower := bytes.ToLower(data)
		if bytes.Contains(lower, []byte("<script")) || bytes.Count(lower, []byte("</pre>")) != 1 || bytes.Count(lower, []byte("<pre>")) != 1 || bytes.Contains(lower, []byte("<!--")) {
			t.Errorf("%s: the poem text is markup, not text", name)
		}
		link := pageLink
		if !strings.Contains(name, "/") {
			link = topLink
		}
		tags := bytes.Join(tagRE.FindAll(data, -1), nil)
		for _, m := range hrefRE.FindAllSubmatch(tags, -1) {
			target := filepath.ToSlash(filepath.Join(filepath.Dir(name), string(m[1])))
			if _, ok := files[target]; !ok || !link.Match(m[1]) {
				t.Errorf("%s: link %q", name, m[1])
				break
			}
		}
		for _, m := range idRE.FindAllSubmatch(tags, -1) {
			if !regexp.MustCompile(`^p[1-9][0-9]*$`).Match(m[1]) {
				t.Errorf("%s: anchor %q", name, m[1])
				break
			}
		}
	}
	index := b.read("site/index.html")
	for _, c := range tricks {
		if !bytes.Contains(index, []byte(strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(c)+"/")) {
			t.Errorf("the index does not show the category %q as text", c)
		}
	}
	for _, p := range []string{"index.html", "similar/4.html", "different/10.html"} {
		checkText(t, tl, p, b.read("site/"+p))
	}
}
