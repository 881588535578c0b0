package input

// Fuzz tests for the JSON readers: input.Read is fed fuzzed poems.json,
// embeddings.json and color_embeddings.json through real files, as the
// command reads them, so that sonic (JIT decoder included) sees exactly what
// it sees in production.
//
// Plain `go test` runs the seeds below and the files under testdata/fuzz/;
// to fuzz, e.g.:
//
//	go test -run='^$' -fuzz='^FuzzPoems$' -fuzztime=10m -parallel=1 ./internal/input/

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzPoems is a valid poems.json of four poems (ids collide across
// categories, as upstream), fuzzIndexedPoems the same with poem_index.
const (
	fuzzPoems = `{"metadata": {"source": "fuzz"}, "poems": [
{"id": 1, "category": "fediverse", "content": "one"},
{"id": 2, "category": "fediverse", "content": "two", "creation_date": "2023-05-01T12:34:56Z"},
{"id": 1, "category": "notes", "content": "three \u00e9\ud83c\udf19", "metadata": {"is_golden_poem": true}},
{"id": 7, "category": "messages", "content": "four", "content_warning": "cw"}
]}`
	fuzzIndexedPoems = `{"poems": [
{"id": 1, "category": "fediverse", "content": "one", "poem_index": 3},
{"id": 2, "category": "fediverse", "content": "two", "poem_index": 1},
{"id": 1, "category": "notes", "content": "three", "poem_index": 10},
{"id": 7, "category": "messages", "content": "four", "poem_index": 2}
]}`
	fuzzEmb = `{"metadata": {"embedding_model": "m", "embedding_dimension": 3}, "embeddings": [
{"id": 1, "embedding": [1, 0, 0]},
{"id": 2, "embedding": [0, 1, 0]},
{"id": 1, "embedding": [0, 0, 1]},
{"id": 7, "embedding": [1, 1, 0.5]}
]}`
	fuzzKeyedEmb = `{"metadata": {"embedding_dimension": 3}, "embeddings": {
"3": {"id": 1, "poem_index": 3, "embedding": [1, 0, 0]},
"1": {"id": 2, "embedding": [0, 1, 0]},
"10": {"embedding": [0, 0, 1]},
"2": {"id": 7, "embedding": [1, 1, 0.5]}
}}`
)

// fuzzColors is a valid color_embeddings.json of dimension 3.
func fuzzColors() string {
	parts := make([]string, len(Palette))
	for i, c := range Palette {
		parts[i] = fmt.Sprintf("%q: [%d, 1, 0.5]", c.Name, i+1)
	}
	return `{"embeddings": {` + strings.Join(parts, ", ") + "}}"
}

// fuzzEmbFor is a valid embeddings.json for a poems file of k poems (1..8),
// chosen by shape: bit 3 makes the second entry a failed one (missing unless
// AllowMissing); bit 4 keys the entries by poem_index 1..k instead of
// listing them by position. Entries carry no id, so any poems fit.
func fuzzEmbFor(shape uint8) (doc string, k int) {
	k = int(shape&7) + 1
	entries := make([]string, k)
	for i := range entries {
		e := fmt.Sprintf(`{"embedding": [%d, 1, -0.5]}`, i+1)
		if i == 1 && shape&8 != 0 {
			e = `{"error": "timeout"}`
		}
		if shape&16 != 0 {
			e = fmt.Sprintf("%q: %s", fmt.Sprint(i+1), e)
		}
		entries[i] = e
	}
	if shape&16 != 0 {
		return `{"embeddings": {` + strings.Join(entries, ",\n") + "}}", k
	}
	return `{"metadata": {"embedding_dimension": 3}, "embeddings": [` + strings.Join(entries, ",\n") + "]}", k
}

// hangAfter is how long one read of a few kilobytes may take before the
// fuzz run calls it a hang: the Go fuzzer has no time limit per input, and a
// panic on another goroutine kills the worker, so that the input is kept.
const hangAfter = 10 * time.Second

// fuzzRead writes the files to a fresh directory and reads them; colors nil
// means no colour file.
func fuzzRead(t *testing.T, poems, emb, colors []byte, allowMissing bool) (*Corpus, error, Options) {
	watchdog := time.AfterFunc(hangAfter, func() {
		panic(fmt.Sprintf("%s: input.Read has not returned after %v: a hang", t.Name(), hangAfter))
	})
	defer watchdog.Stop()
	dir := t.TempDir()
	opt := Options{
		Poems:        filepath.Join(dir, "poems.json"),
		Embeddings:   filepath.Join(dir, "embeddings.json"),
		AllowMissing: allowMissing,
	}
	if colors != nil {
		opt.Colors = filepath.Join(dir, "color_embeddings.json")
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{opt.Poems, poems}, {opt.Embeddings, emb}, {opt.Colors, colors}} {
		if f.path == "" {
			continue
		}
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Read(opt)
	return c, err, opt
}

// traceWords are what a Go panic or stack trace leaks into a message.
var traceWords = []string{"goroutine ", "panic", "runtime error", "runtime.", ".go:", "[recovered]"}

// checkResult checks the properties of every Read: an error or a valid
// corpus, never both, never neither. wantPoems is the number of poems in the
// poems file when the test knows it, else -1; prefixes are the paths an error
// may start with (the file it is about).
func checkResult(t *testing.T, c *Corpus, err error, opt Options, wantPoems int, prefixes []string, inputs ...[]byte) {
	t.Helper()
	if err != nil {
		if c != nil {
			t.Errorf("Read returned a corpus and the error %q", err)
		}
		checkError(t, err, prefixes, inputs...)
		return
	}
	if c == nil {
		t.Fatal("Read returned neither a corpus nor an error")
	}
	if c.Dimension <= 0 {
		t.Errorf("dimension %d", c.Dimension)
	}
	if len(c.Poems) == 0 {
		t.Error("a corpus without poems")
	}
	if !opt.AllowMissing && len(c.Missing) > 0 {
		t.Errorf("%d poems missing without AllowMissing", len(c.Missing))
	}
	if wantPoems >= 0 && len(c.Poems)+len(c.Missing) != wantPoems {
		t.Errorf("%d poems + %d missing, the poems file has %d", len(c.Poems), len(c.Missing), wantPoems)
	}
	seen := make(map[int]bool)
	for i := range c.Poems {
		p := &c.Poems[i]
		if i > 0 && c.Poems[i-1].N >= p.N {
			t.Errorf("poems not in ascending N: %s after %s", p.Ref(), c.Poems[i-1].Ref())
		}
		if p.N < 1 {
			t.Errorf("poem %s has N < 1", p.Ref())
		}
		seen[p.N] = true
		checkVector(t, "poem "+p.Ref(), p.Vector, c.Dimension)
	}
	for i := range c.Missing {
		p := &c.Missing[i]
		if seen[p.N] {
			t.Errorf("missing poem %s shares its N", p.Ref())
		}
		seen[p.N] = true
		if p.Vector != nil {
			t.Errorf("missing poem %s has a vector", p.Ref())
		}
	}
	if opt.Colors == "" {
		if c.Colors != nil {
			t.Errorf("%d colours without a colour file", len(c.Colors))
		}
		return
	}
	if len(c.Colors) != len(Palette) {
		t.Fatalf("%d colours, want %d", len(c.Colors), len(Palette))
	}
	for i, v := range c.Colors {
		checkVector(t, "colour "+Palette[i].Name, v, c.Dimension)
	}
}

// checkVector: dim values, all finite, not all zero.
func checkVector(t *testing.T, what string, v []float32, dim int) {
	t.Helper()
	if len(v) != dim {
		t.Errorf("%s: %d values, dimension %d", what, len(v), dim)
		return
	}
	zero := true
	for k, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Errorf("%s: value %d is %v", what, k, x)
		}
		if x != 0 {
			zero = false
		}
	}
	if zero {
		t.Errorf("%s: all zeros", what)
	}
}

// checkError: a non-empty message that starts with the path of the file it is
// about and reads like no Go panic or stack trace (unless the input itself
// holds those words, which messages quote).
func checkError(t *testing.T, err error, prefixes []string, inputs ...[]byte) {
	t.Helper()
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		t.Fatal("empty error message")
	}
	prefixed := false
	for _, p := range prefixes {
		if strings.HasPrefix(msg, p) {
			prefixed = true
		}
	}
	if !prefixed {
		t.Errorf("error does not start with the path of one of %q:\n%s", prefixes, msg)
	}
	lower := strings.ToLower(msg)
	for _, w := range traceWords {
		if !strings.Contains(lower, w) {
			continue
		}
		quoted := false
		for _, in := range inputs {
			if bytes.Contains(bytes.ToLower(in), []byte(strings.TrimSpace(w))) {
				quoted = true
			}
		}
		if !quoted {
			t.Errorf("error reads like a Go panic or trace (%q):\n%s", w, msg)
		}
	}
}

// deep nests n arrays.
func deep(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// brokenJSON are broken documents every reader should refuse with a message.
var brokenJSON = []string{
	"", " \n", "null", "true", "0", `"poems"`, "[]", "{}", "{", "}", "[", `{"`, `{"poems"`, `{"poems":`, `{"poems": [`,
	"\xef\xbb\xbf{}", "\x00", "{\x00}", `{"a": 1}garbage`, `{} {}`, `{"a": 1,}`, `{'a': 1}`, `{a: 1}`,
	`{"embeddings": ` + deep(100) + `}`, `{"x": ` + deep(5000) + `}`,
	`{"x": "\ud800"}`, "{\"x\": \"\xff\xfe\"}", `{"x": "\u00"}`, `{"x": "unterminated}`,
	`{"x": 1e999999999}`, `{"x": -}`, `{"x": 01}`, `{"x": 1.}`, `{"x": .5}`, `{"x": NaN}`, `{"x": Infinity}`,
}

func FuzzPoems(f *testing.F) {
	valid := []string{fuzzPoems, fuzzIndexedPoems,
		`{"poems": [{"id": 1, "category": "a", "content": ""}]}`,
		`{"poems": [{"id": -9223372036854775808, "category": "", "content": "\u0000", "poem_index": 9223372036854775807}]}`,
		`{"poems": [{"id": 1, "category": "ünï/cödé 詩", "content": "🌙\r\n", "creation_date": "2023-05-01", "metadata": {"is_golden_poem": false, "x": [1, {"y": null}]}, "tags": ["a"]}]}`,
	}
	for i, p := range valid {
		f.Add([]byte(p), uint8(i+3), i%2 == 0)
	}
	f.Add([]byte(fuzzIndexedPoems), uint8(16|3), false) // keyed by poem_index 1..4: 10 is missing, 4 extra
	f.Add([]byte(fuzzPoems), uint8(8|3), true)          // a failed entry, allowed
	f.Add([]byte(fuzzPoems), uint8(8|3), false)         // a failed entry, refused
	broken := []string{
		fuzzPoems[:len(fuzzPoems)/2], fuzzPoems[:len(fuzzPoems)-1], fuzzPoems + ",",
		strings.Replace(fuzzPoems, `"id": 2`, `"id": NaN`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": "2"`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": 2.5`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": 99999999999999999999`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": 1e400`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": -0`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": [2]`, 1),
		strings.Replace(fuzzPoems, `"id": 2`, `"id": {"n": 2}`, 1),
		strings.Replace(fuzzPoems, `"content": "two"`, `"content": ["two", {"x": [1e999]}]`, 1),
		strings.Replace(fuzzPoems, `"is_golden_poem": true`, `"is_golden_poem": "yes"`, 1),
		strings.Replace(fuzzPoems, `{"is_golden_poem": true}`, `[true]`, 1),
		strings.Replace(fuzzPoems, `"2023-05-01T12:34:56Z"`, `"2023-13-45"`, 1),
		strings.Replace(fuzzPoems, `"2023-05-01T12:34:56Z"`, `1700000000`, 1),
		strings.Replace(fuzzPoems, `"category": "notes"`, `"category": "\ud800\udc00\ud800"`, 1),
		strings.Replace(fuzzPoems, `"category": "notes"`, "\"category\": \"\xff\xc0\x80\"", 1),
		strings.Replace(fuzzPoems, `"category": "notes"`, "\"category\": \"a\nb\tc\"", 1),
		strings.Replace(fuzzIndexedPoems, `"poem_index": 10`, `"poem_index": 3`, 1),
		strings.Replace(fuzzIndexedPoems, `"poem_index": 10`, `"poem_index": 0`, 1),
		strings.Replace(fuzzIndexedPoems, `"poem_index": 10`, `"poem_index": -9223372036854775808`, 1),
		strings.Replace(fuzzIndexedPoems, `"poem_index": 10`, `"poem_index": 9223372036854775808`, 1),
		strings.Replace(fuzzIndexedPoems, `"poem_index": 10`, `"poem_index": null`, 1),
		`{"poems": {}}`, `{"poems": null}`, `{"poems": []}`, `{"poems": [null]}`, `{"poems": [1, "a", [], {}]}`,
		`{"poems": [{"id": 1, "category": "a", "content": "x"}], "poems": 5}`,
		`{"poems": [{"id": 1, "id": "x", "category": "a", "content": "x"}]}`,
		`{"metadata": ` + deep(3000) + `, "poems": [{"id": 1, "category": "a", "content": "x"}]}`,
	}
	for i, p := range append(broken, brokenJSON...) {
		f.Add([]byte(p), uint8(i), i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, poems []byte, shape uint8, allowMissing bool) {
		emb, k := fuzzEmbFor(shape)
		c, err, opt := fuzzRead(t, poems, []byte(emb), nil, allowMissing)
		// Embeddings by position line up only with a poems file of k poems;
		// keyed ones, with any poems numbered within 1..k.
		want := k
		if shape&16 != 0 {
			want = -1
		}
		checkResult(t, c, err, opt, want, []string{opt.Poems, opt.Embeddings}, poems)
	})
}

func FuzzEmbeddings(f *testing.F) {
	valid := []string{fuzzEmb,
		strings.Replace(fuzzEmb, `"embedding_dimension": 3`, `"x": null`, 1),
		strings.Replace(fuzzEmb, `[1, 0, 0]`, `[-1.5e-45, 3.4028234e38, -0.0]`, 1),
		strings.Replace(fuzzEmb, `{"id": 2, "embedding": [0, 1, 0]}`, `{"id": 2, "error": "CUDA out of memory", "embedding": null}`, 1),
	}
	for i, e := range valid {
		f.Add([]byte(e), i%2 == 0, false)
	}
	f.Add([]byte(fuzzKeyedEmb), true, false)
	f.Add([]byte(fuzzKeyedEmb), true, true)
	broken := []string{
		fuzzEmb[:len(fuzzEmb)/2], fuzzEmb[:len(fuzzEmb)-2], fuzzKeyedEmb[:len(fuzzKeyedEmb)/3],
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, NaN, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[NaN, 1, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, 1, Infinity]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[-Infinity, 1, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, 1e39, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, -1e400, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, 1e-400, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, 0, 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, 1]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `"0, 1, 0"`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, "1", 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, [1], 0]`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `{"0": 1}`, 1),
		strings.Replace(fuzzEmb, `[0, 1, 0]`, `[0, true, null]`, 1),
		strings.Replace(fuzzEmb, `"id": 2,`, `"id": 5,`, 1),
		strings.Replace(fuzzEmb, `"id": 2,`, `"id": 2, "poem_index": 99,`, 1),
		strings.Replace(fuzzEmb, `"id": 2,`, `"id": 1e400,`, 1),
		strings.Replace(fuzzEmb, `"embedding_dimension": 3`, `"embedding_dimension": -3`, 1),
		strings.Replace(fuzzEmb, `"embedding_dimension": 3`, `"embedding_dimension": 0`, 1),
		strings.Replace(fuzzEmb, `"embedding_dimension": 3`, `"embedding_dimension": 9223372036854775807`, 1),
		strings.Replace(fuzzEmb, `"embedding_dimension": 3`, `"embedding_dimension": "3"`, 1),
		strings.Replace(fuzzEmb, `"embedding_model": "m"`, `"embedding_model": 5`, 1),
		strings.Replace(fuzzEmb, `{"id": 7, "embedding": [1, 1, 0.5]}`, `[1, 1, 0.5]`, 1),
		strings.Replace(fuzzEmb, "\n]}", ", {}\n]}", 1),
		strings.Replace(fuzzKeyedEmb, `"10":`, `"4":`, 1),
		strings.Replace(fuzzKeyedEmb, `"10":`, `"x":`, 1),
		strings.Replace(fuzzKeyedEmb, `"10":`, `"010":`, 1),
		strings.Replace(fuzzKeyedEmb, `"10":`, `"1":`, 1),
		strings.Replace(fuzzKeyedEmb, `"10": {`, `"10": "x", "11": {`, 1),
		strings.Replace(fuzzKeyedEmb, `[0, 0, 1]`, `[0, NaN, 1]`, 1),
		`{"embeddings": 5}`, `{"embeddings": null}`, `{"embeddings": "[]"}`, `{"embeddings": []}`, `{"embeddings": {}}`,
		`{"embeddings": [null, null, null, null]}`, `{"embeddings": [1, 2, 3, 4]}`,
		`{"embeddings": [], "embeddings": {}}`, `{"embeddings": {"1": [1]}, "embeddings": [[], [], [], []]}`,
		`{"embeddings": ` + deep(3000) + `}`,
	}
	for i, e := range append(broken, brokenJSON...) {
		f.Add([]byte(e), i%2 == 1, i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, emb []byte, indexed, allowMissing bool) {
		poems := fuzzPoems
		if indexed {
			poems = fuzzIndexedPoems
		}
		c, err, opt := fuzzRead(t, []byte(poems), emb, nil, allowMissing)
		checkResult(t, c, err, opt, 4, []string{opt.Embeddings}, emb)
	})
}

func FuzzColors(f *testing.F) {
	good := fuzzColors()
	f.Add([]byte(good))
	f.Add([]byte(`{"metadata": {"model": "m"}, "embeddings": {"gray": [7, 1, 0.5], ` + good[len(`{"embeddings": {`):]))
	broken := []string{
		good[:len(good)/2], good[:len(good)-1],
		strings.Replace(good, `"red"`, `"pink"`, 1),
		strings.Replace(good, `"red": [1, 1, 0.5], `, ``, 1),
		strings.Replace(good, `"red": [1, 1, 0.5]`, `"red": [1, 1, 0.5], "red": [0, 0, 0]`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `[NaN, 1, 0.5]`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `[1, -Infinity, 0.5]`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `[1e39, 1, 0.5]`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `[0, 0, 0]`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `[1, 1]`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `null`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `{"r": 1}`, 1),
		strings.Replace(good, `[1, 1, 0.5]`, `[1, "1", 0.5]`, 1),
		strings.Replace(good, `"red"`, `"r\u00e9d"`, 1),
		strings.Replace(good, `"red"`, `"\u0072ed"`, 1),
		`{"embeddings": []}`, `{"embeddings": null}`, `{"embeddings": {"red": [[1, 1, 0.5]]}}`,
	}
	for _, c := range append(broken, brokenJSON...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, colors []byte) {
		colors = append([]byte{}, colors...) // never nil: nil is no colour file
		c, err, opt := fuzzRead(t, []byte(fuzzPoems), []byte(fuzzEmb), colors, false)
		checkResult(t, c, err, opt, 4, []string{opt.Colors}, colors)
	})
}

// TestFuzzFixturesValid makes sure the fixed files the fuzz targets pair with
// the fuzzed one are valid, so that the fuzzer explores the fuzzed file alone.
func TestFuzzFixturesValid(t *testing.T) {
	for _, in := range []struct{ poems, emb, colors string }{
		{fuzzPoems, fuzzEmb, fuzzColors()},
		{fuzzIndexedPoems, fuzzEmb, ""},
		{fuzzIndexedPoems, fuzzKeyedEmb, ""},
	} {
		var colors []byte
		if in.colors != "" {
			colors = []byte(in.colors)
		}
		c, err, _ := fuzzRead(t, []byte(in.poems), []byte(in.emb), colors, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Poems) != 4 {
			t.Errorf("%d poems, want 4", len(c.Poems))
		}
	}
	for shape := range 32 {
		emb, k := fuzzEmbFor(uint8(shape))
		ps := make([]string, k)
		for i := range ps {
			ps[i] = fmt.Sprintf(`{"id": %d, "category": "a", "content": "x"}`, i)
		}
		poems := `{"poems": [` + strings.Join(ps, ", ") + "]}"
		c, err, _ := fuzzRead(t, []byte(poems), []byte(emb), nil, true)
		if err != nil {
			t.Fatalf("shape %d: %v", shape, err)
		}
		if len(c.Poems)+len(c.Missing) != k {
			t.Errorf("shape %d: %d + %d poems, want %d", shape, len(c.Poems), len(c.Missing), k)
		}
	}
}
