package input

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// absent marks an input file that the test does not write.
const absent = "\x00absent"

// inputs are the contents of the three input files of one case; Colors ""
// means no colour file is given.
type inputs struct {
	Poems, Embeddings, Colors string
}

// read writes the inputs to a fresh directory and reads them. It returns the
// paths, so that messages can be checked for the file they name.
func read(t *testing.T, in inputs, allowMissing bool) (*Corpus, error, Options) {
	t.Helper()
	dir := t.TempDir()
	opt := Options{
		Poems:        filepath.Join(dir, "poems.json"),
		Embeddings:   filepath.Join(dir, "embeddings.json"),
		AllowMissing: allowMissing,
	}
	if in.Colors != "" {
		opt.Colors = filepath.Join(dir, "color_embeddings.json")
	}
	for _, f := range []struct{ path, content string }{
		{opt.Poems, in.Poems}, {opt.Embeddings, in.Embeddings}, {opt.Colors, in.Colors},
	} {
		if f.path == "" || f.content == absent {
			continue
		}
		if err := os.WriteFile(f.path, []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Read(opt)
	return c, err, opt
}

// expand replaces $P, $E and $C in a wanted substring by the input paths.
func expand(s string, opt Options) string {
	return strings.NewReplacer("$P", opt.Poems, "$E", opt.Embeddings, "$C", opt.Colors).Replace(s)
}

// poemsDoc is a poems.json with one poem a line: poems[i] is on line 4+i.
func poemsDoc(poems ...string) string {
	return "{\n\"metadata\": {\"source\": \"test\"},\n\"poems\": [\n" + strings.Join(poems, ",\n") + "\n]}\n"
}

// poem is one poem object; extra is added to its fields (start it with a comma).
func poem(category string, id int, extra string) string {
	return fmt.Sprintf(`{"id": %d, "category": %q, "content": "the text of %s/%d"%s}`, id, category, category, id, extra)
}

// embDoc is an embeddings.json of 3-d vectors with one entry a line:
// embeddings[i] is on line 3+i.
func embDoc(entries ...string) string {
	return "{\"metadata\": {\"embedding_model\": \"test-model\", \"embedding_dimension\": 3},\n\"embeddings\": [\n" +
		strings.Join(entries, ",\n") + "\n]}\n"
}

// embObject is an embeddings.json whose entries are keyed by poem_index.
func embObject(entries map[int]string) string {
	keys := make([]string, 0, len(entries))
	for n, e := range entries {
		keys = append(keys, fmt.Sprintf("%q: %s", fmt.Sprint(n), e))
	}
	// Map order does not matter to the reader; sort only for readable failures.
	sortStrings(keys)
	return "{\"metadata\": {\"embedding_dimension\": 3},\n\"embeddings\": {\n" + strings.Join(keys, ",\n") + "\n}}\n"
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

// entry is one embedding entry with the given id and vector (JSON numbers).
func entry(id int, vec string) string {
	return fmt.Sprintf(`{"id": %d, "embedding": [%s]}`, id, vec)
}

// failed is an entry for which the upstream embedding step failed.
func failed(id int, why string) string {
	return fmt.Sprintf(`{"id": %d, "error": %q}`, id, why)
}

// The standard collection: ids collide across categories; poem 3 is "3 notes/1".
var (
	stdPoems = poemsDoc(
		poem("fediverse", 1, ""),
		poem("fediverse", 2, ""),
		poem("notes", 1, ""),
		poem("messages", 7, ""),
	)
	stdVecs    = []string{"1, 0, 0", "0, 1, 0", "0, 0, 1", "1, 1, 0.5"}
	stdEntries = []string{entry(1, stdVecs[0]), entry(2, stdVecs[1]), entry(1, stdVecs[2]), entry(7, stdVecs[3])}
	stdEmb     = embDoc(stdEntries...)
)

// stdWith is the standard embeddings with entry i replaced.
func stdWith(i int, e string) string {
	entries := append([]string(nil), stdEntries...)
	entries[i] = e
	return embDoc(entries...)
}

// colorsDoc is a color_embeddings.json with the given colours, each a 3-d vector.
func colorsDoc(vecs map[string]string) string {
	parts := make([]string, 0, len(vecs))
	for name, v := range vecs {
		parts = append(parts, fmt.Sprintf("%q: [%s]", name, v))
	}
	sortStrings(parts)
	return "{\"embeddings\": {\n" + strings.Join(parts, ",\n") + "\n}}\n"
}

// withModel is a colours document (colorsDoc) whose metadata names model.
func withModel(doc, model string) string {
	return strings.Replace(doc, "{", fmt.Sprintf("{\"metadata\": {\"embedding_model\": %q},", model), 1)
}

// allColors is a vector for every palette colour, with changes (an empty
// vector string removes the colour).
func allColors(change map[string]string) map[string]string {
	m := make(map[string]string)
	for i, c := range Palette {
		m[c.Name] = fmt.Sprintf("%d, 1, 0.5", i+1)
	}
	for k, v := range change {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestReadErrors(t *testing.T) {
	indexed := func(ns ...int) string {
		ps := make([]string, len(ns))
		for i, n := range ns {
			ps[i] = poem("notes", i+1, fmt.Sprintf(`, "poem_index": %d`, n))
		}
		return poemsDoc(ps...)
	}
	tests := []struct {
		name  string
		in    inputs
		allow bool
		want  []string // substrings of the message; $P, $E, $C are the paths
		not   []string // substrings the message must not have
	}{
		// Files that are not there, or hold nothing.
		{name: "missing poems file", in: inputs{absent, stdEmb, ""},
			want: []string{"$P", "poems file not found", "give its path"}},
		{name: "missing embeddings file", in: inputs{stdPoems, absent, ""},
			want: []string{"$E", "embeddings file not found", "give its path"}},
		{name: "missing colours file", in: inputs{stdPoems, stdEmb, absent},
			want: []string{"$C", "not found", "COLOR_EMBEDDINGS="}},
		{name: "empty poems file", in: inputs{"", stdEmb, ""},
			want: []string{"$P", "empty", "JSON object"}},
		{name: "blank poems file", in: inputs{" \n\t\n", stdEmb, ""},
			want: []string{"$P", "empty"}},
		{name: "empty embeddings file", in: inputs{stdPoems, "", ""},
			want: []string{"$E", "empty"}},
		{name: "empty colours file", in: inputs{stdPoems, stdEmb, "\n"},
			want: []string{"$C", "empty"}},

		// Broken JSON.
		{name: "truncated poems file", in: inputs{stdPoems[:strings.Index(stdPoems, `"notes"`)], stdEmb, ""},
			want: []string{"$P:6:", "truncated", "at poems[2]", "regenerate"}},
		{name: "truncated poems file in a string", in: inputs{stdPoems[:strings.Index(stdPoems, `notes"`)], stdEmb, ""},
			want: []string{"$P:6:", "truncated"}},
		{name: "truncated embeddings file", in: inputs{stdPoems, stdEmb[:strings.Index(stdEmb, "0, 1, 0")+3], ""},
			want: []string{"$E:4:", "truncated", "embeddings[1].embedding"}},
		{name: "truncated after a newline", in: inputs{stdPoems, stdEmb[:strings.LastIndex(stdEmb, "]}")] + "\n", ""},
			want: []string{"$E:8:1", "truncated"}},
		{name: "not JSON", in: inputs{"poems:\n  - id: 1\n", stdEmb, ""},
			want: []string{"$P:1:", "invalid JSON"}, not: []string{"truncated"}},
		{name: "trailing comma", in: inputs{strings.Replace(stdPoems, "\n]}", ",\n]}", 1), stdEmb, ""},
			want: []string{"$P:8:", "invalid JSON"}, not: []string{"truncated"}},

		// The wrong shape.
		{name: "poems file is an array", in: inputs{"[]\n", stdEmb, ""},
			want: []string{"$P:1:1", "an array where an object was expected"}, not: []string{"Mismatch"}},
		{name: "poems is an object", in: inputs{`{"poems": {}}`, stdEmb, ""},
			want: []string{"$P:1:11", "at poems", "an object where an array was expected"}, not: []string{"Mismatch"}},
		{name: "poems is null", in: inputs{`{"poems": null}`, stdEmb, ""},
			want: []string{"$P", `no "poems" array`}},
		{name: "no poems key", in: inputs{`{"metadata": {}}`, stdEmb, ""},
			want: []string{"$P", `no "poems" array`, `"poems": [...]`}},
		{name: "poem is a string", in: inputs{poemsDoc(poem("a", 1, ""), `"a poem"`), stdEmb, ""},
			want: []string{"$P:5:1", "at poems[1]", `a string "a poem" where an object was expected`}},
		{name: "embeddings file is an array", in: inputs{stdPoems, "[]", ""},
			want: []string{"$E:1:1", "an array where an object was expected"}, not: []string{"Mismatch"}},
		{name: "embeddings is a number", in: inputs{stdPoems, `{"embeddings": 5}`, ""},
			want: []string{"$E", `no "embeddings" array or object`}},
		{name: "no embeddings key", in: inputs{stdPoems, `{"metadata": {}}`, ""},
			want: []string{"$E", `no "embeddings" array or object`}},
		{name: "colours is an array", in: inputs{stdPoems, stdEmb, `{"embeddings": []}`},
			want: []string{"$C:1:16", "at embeddings", "an array where an object was expected"}},

		// Poem fields of the wrong type, or missing.
		{name: "id is a string", in: inputs{poemsDoc(poem("a", 1, ""), `{"id": "2", "category": "a", "content": "x"}`), stdEmb, ""},
			want: []string{"$P:5:8", "at poems[1].id", `a string "2" where an integer was expected (write 2, without the quotes)`}, not: []string{"Mismatch"}},
		{name: "id is a fraction", in: inputs{poemsDoc(poem("a", 1, ""), poem("a", 2, ""), `{"id": 2.5, "category": "a", "content": "x"}`), stdEmb, ""},
			want: []string{"$P:6:8", "at poems[2].id", "2.5", "an integer was expected"}},
		{name: "category is a number", in: inputs{poemsDoc(`{"id": 1, "category": 5, "content": "x"}`), stdEmb, ""},
			want: []string{"$P:4:23", "at poems[0].category", "found the number 5 where a string was expected"}},
		{name: "content is an array", in: inputs{poemsDoc(`{"id": 1, "category": "a", "content": ["x"]}`), stdEmb, ""},
			want: []string{"at poems[0].content", "an array where a string was expected"}},
		{name: "golden flag is a string", in: inputs{poemsDoc(poem("a", 1, `, "metadata": {"is_golden_poem": "yes"}`)), stdEmb, ""},
			want: []string{"at poems[0].metadata.is_golden_poem", `a string "yes" where true/false was expected`}},
		{name: "poem_index is a string", in: inputs{poemsDoc(poem("a", 1, `, "poem_index": "1"`)), stdEmb, ""},
			want: []string{"at poems[0].poem_index", `a string "1" where an integer was expected`}},
		{name: "poem without content and id", in: inputs{poemsDoc(poem("a", 1, ""), `{"category": "a"}`), stdEmb, ""},
			want: []string{"$P", "1 poem is incomplete", `poems[1] has no "id", "content"`, "fix these fields"}},

		// Numbering.
		{name: "poem_index 0", in: inputs{indexed(0, 2, 3, 4), stdEmb, ""},
			want: []string{"$P", "poems[0]", "notes/1", "poem_index 0", "runs from 1 to"}},
		{name: "negative poem_index", in: inputs{indexed(1, 2, -3, 4), stdEmb, ""},
			want: []string{"$P", "poems[2]", "poem_index -3", "runs from 1 to"}},
		{name: "poem_index past 32 bits", in: inputs{indexed(1, 2, 4294967297, 4), stdEmb, ""},
			want: []string{"$P", "poems[2]", "poem_index 4294967297", "runs from 1 to 2147483647"}},
		{name: "duplicate poem_index", in: inputs{indexed(1, 2, 2, 4), stdEmb, ""},
			want: []string{"$P", "duplicate poem_index", "poem_index 2 is used by notes/2 and by notes/3", "its own poem_index"}},
		{name: "empty collection", in: inputs{poemsDoc(), stdEmb, ""},
			want: []string{"$P", "empty"}},
		{name: "empty collection inline", in: inputs{`{"poems": []}`, `{"embeddings": []}`, ""},
			want: []string{"$P", "empty"}},

		// Embeddings of the wrong type.
		{name: "embedding is a string", in: inputs{stdPoems, stdWith(1, `{"id": 2, "embedding": "0, 1, 0"}`), ""},
			want: []string{"$E:4:", "at embeddings[1].embedding", "2 fediverse/2", `a string "0, 1, 0" where an array was expected`}, not: []string{"Mismatch"}},
		{name: "embedding value is a string", in: inputs{stdPoems, stdWith(2, `{"id": 1, "embedding": [0, "1", 0]}`), ""},
			want: []string{"$E:5:", "at embeddings[2].embedding[1]", "3 notes/1", `a string "1" where a number was expected (write 1, without the quotes)`}},
		{name: "entry is an array", in: inputs{stdPoems, stdWith(3, `[1, 1, 0]`), ""},
			want: []string{"$E:6:1", "at embeddings[3]", "4 messages/7", "an array where an object was expected"}},
		{name: "keyed entry of the wrong type", in: inputs{stdPoems, embObject(map[int]string{1: entry(1, stdVecs[0]), 2: `"x"`, 3: entry(1, stdVecs[2]), 4: entry(7, stdVecs[3])}), ""},
			want: []string{"$E", "at embeddings.2", "2 fediverse/2", `a string "x" where an object was expected`}},

		// Embeddings that do not fit the poems.
		{name: "fewer embeddings than poems", in: inputs{stdPoems, embDoc(stdEntries[:3]...), ""},
			want: []string{"$E", "3 entries", "4 poems", "line up by position", "regenerate"}},
		{name: "more embeddings than poems", in: inputs{stdPoems, embDoc(append(stdEntries, entry(8, "1, 2, 3"))...), ""},
			want: []string{"$E", "5 entries", "4 poems"}},
		{name: "wrong dimension", in: inputs{stdPoems, stdWith(1, entry(2, "0, 1")), ""},
			want: []string{"$E", "not 3", "embedding_dimension", "1 poem (2 fediverse/2)", "same model"},
			not:  []string{"1 fediverse/1", "3 notes/1"}},
		{name: "wrong dimension without metadata", in: inputs{stdPoems, strings.Replace(stdWith(3, entry(7, "1, 1, 0, 0")), `"embedding_dimension": 3`, `"x": 0`, 1), ""},
			want: []string{"$E", "not 3", "the length most embeddings have", "1 poem (4 messages/7)"}},
		{name: "first embedding of the wrong length, without metadata", in: inputs{stdPoems, strings.Replace(stdWith(0, entry(1, "1, 1, 0, 0")), `"embedding_dimension": 3`, `"x": 0`, 1), ""},
			want: []string{"$E", "not 3", "1 poem (1 fediverse/1)"}, not: []string{"2 fediverse/2"}},
		{name: "metadata dimension disagrees with every vector", in: inputs{stdPoems, strings.Replace(stdEmb, `"embedding_dimension": 3`, `"embedding_dimension": 768`, 1), ""},
			want: []string{"$E", "not 768", "4 poems (1 fediverse/1, 2 fediverse/2, 3 notes/1, 4 messages/7)"}},
		{name: "entry id disagrees with its poem", in: inputs{stdPoems, stdWith(1, entry(5, stdVecs[1])), ""},
			want: []string{"$E", "does not line up", "1 entry disagrees", "the entry for poem 2 fediverse/2 has id 5", "regenerate"}},
		{name: "entries shifted by one", in: inputs{stdPoems, embDoc(entry(2, stdVecs[0]), entry(1, stdVecs[1]), entry(7, stdVecs[2]), entry(7, stdVecs[3])), ""},
			want: []string{"$E", "does not line up", "3 entries disagree", "poem 1 fediverse/1 has id 2", "poem 3 notes/1 has id 7"}},
		{name: "entry poem_index disagrees", in: inputs{stdPoems, stdWith(2, `{"id": 1, "poem_index": 9, "embedding": [0, 0, 1]}`), ""},
			want: []string{"$E", "does not line up", "the entry for poem 3 notes/1 has poem_index 9"}},
		{name: "entry poem_index disagrees with the poem's own", in: inputs{
			poemsDoc(poem("a", 1, `, "poem_index": 3`), poem("b", 1, ""), poem("c", 1, `, "poem_index": 1`)),
			embDoc(`{"id": 1, "poem_index": 2, "embedding": [1, 0, 0]}`, entry(1, "2, 0, 0"), `{"id": 1, "poem_index": 1, "embedding": [3, 0, 0]}`), ""},
			want: []string{"$E", "does not line up", "1 entry disagrees", "the entry for poem 1 a/1 has poem_index 2"}},
		{name: "keyed embeddings with an extra key", in: inputs{stdPoems, embObject(map[int]string{1: entry(1, stdVecs[0]), 2: entry(2, stdVecs[1]), 3: entry(1, stdVecs[2]), 4: entry(7, stdVecs[3]), 99: entry(9, "1, 2, 3")}), ""},
			want: []string{"$E", "1 embedding keyed by a poem_index that no poem has", "(99)", "regenerate"}},
		{name: "keyed embeddings with a key missing", in: inputs{stdPoems, embObject(map[int]string{1: entry(1, stdVecs[0]), 2: entry(2, stdVecs[1]), 4: entry(7, stdVecs[3])}), ""},
			want: []string{"$E", "no embedding for 1 poem (3 notes/1)", "ALLOW_MISSING=1"}},

		// Values that are not usable vectors.
		{name: "bare NaN", in: inputs{stdPoems, stdWith(2, entry(1, "0, NaN, 1")), ""},
			want: []string{"$E:5:", "the embedding of poem 3 notes/1", "NaN", "re-run the embedding step", "ALLOW_MISSING=1"},
			not:  []string{"invalid char"}},
		{name: "bare NaN first", in: inputs{stdPoems, stdWith(0, entry(1, "NaN, 0, 1")), ""},
			want: []string{"$E:3:", "the embedding of poem 1 fediverse/1", "NaN"}},
		{name: "bare Infinity", in: inputs{stdPoems, stdWith(3, entry(7, "Infinity, 0, 1")), ""},
			want: []string{"$E:6:", "the embedding of poem 4 messages/7", "Infinity"}},
		{name: "bare -Infinity", in: inputs{stdPoems, stdWith(1, entry(2, "0, -Infinity, 1")), ""},
			want: []string{"$E:4:", "the embedding of poem 2 fediverse/2", "Infinity"}},
		{name: "bare NaN in keyed embeddings", in: inputs{stdPoems, embObject(map[int]string{1: entry(1, stdVecs[0]), 2: entry(2, stdVecs[1]), 3: entry(1, "NaN, 0, 1"), 4: entry(7, stdVecs[3])}), ""},
			want: []string{"$E:", "the embedding of poem 3 notes/1", "NaN"}},
		{name: "float32 overflow", in: inputs{stdPoems, stdWith(1, entry(2, "0, 1e39, 0")), ""},
			want: []string{"$E:4:", "at embeddings[1].embedding[1]", "2 fediverse/2", "1e39", "out of range"}},
		{name: "negative float32 overflow", in: inputs{stdPoems, stdWith(2, entry(1, "-3.5e38, 0, 0")), ""},
			want: []string{"$E:5:", "at embeddings[2].embedding[0]", "3 notes/1", "-3.5e38", "out of range"}},
		{name: "float64 overflow", in: inputs{stdPoems, stdWith(3, entry(7, "1e400, 0, 0")), ""},
			want: []string{"$E:6:", "at embeddings[3].embedding[0]", "4 messages/7", "1e400", "out of range"}, not: []string{"Mismatch"}},
		{name: "float32 overflow after a decoy in a string", in: inputs{stdPoems, strings.Replace(stdWith(1, entry(2, "0, 1e39, 0")), `"test-model"`, `"test-model 1e39", "note": "1e39"`, 1), ""},
			want: []string{"$E:4:", "at embeddings[1].embedding[1]", "2 fediverse/2", "1e39", "out of range"}},
		{name: "id overflows int64", in: inputs{poemsDoc(poem("a", 1, ""), `{"id": 99999999999999999999, "category": "a", "content": "x"}`), stdEmb, ""},
			want: []string{"$P:5:8", "at poems[1].id", "99999999999999999999", "an integer was expected"}},
		{name: "zero vector", in: inputs{stdPoems, stdWith(3, entry(7, "0, 0, 0.0")), ""},
			want: []string{"$E", "all-zero", "1 poem (4 messages/7)", "re-run the embedding step"}},
		{name: "several problems at once", in: inputs{stdPoems, embDoc(entry(1, "0, 0, 0"), entry(2, "1, 2"), failed(1, "timeout"), entry(7, stdVecs[3])), ""},
			want: []string{"all-zero", "(1 fediverse/1)", "not 3", "(2 fediverse/2)", "no embedding for 1 poem (3 notes/1)"}},

		// Poems without an embedding.
		{name: "three failed entries", in: inputs{stdPoems, embDoc(failed(1, "CUDA out of memory"), stdEntries[1], failed(1, "timeout"), failed(7, "too long")), ""},
			want: []string{"$E", "no embedding for 3 poems (1 fediverse/1, 3 notes/1, 4 messages/7)", `"CUDA out of memory"`, "ALLOW_MISSING=1", "re-run the embedding step"},
			not:  []string{"2 fediverse/2"}},
		{name: "null and empty embeddings", in: inputs{stdPoems, stdWith(1, `{"id": 2, "embedding": null}`), ""},
			want: []string{"$E", "no embedding for 1 poem (2 fediverse/2)", "ALLOW_MISSING=1"}},
		{name: "empty embedding", in: inputs{stdPoems, stdWith(1, entry(2, "")), ""},
			want: []string{"no embedding for 1 poem (2 fediverse/2)"}},
		{name: "many failed entries are cut short", in: inputs{
			poemsDoc(poem("a", 1, ""), poem("a", 2, ""), poem("a", 3, ""), poem("a", 4, ""), poem("a", 5, ""), poem("a", 6, ""), poem("a", 7, "")),
			embDoc(failed(1, "x"), failed(2, "x"), failed(3, "x"), failed(4, "x"), failed(5, "x"), failed(6, "x"), entry(7, "1, 2, 3")), ""},
			want: []string{"no embedding for 6 poems (1 a/1, 2 a/2, 3 a/3, 4 a/4, 5 a/5, …)"}, not: []string{"6 a/6"}},
		{name: "no embedding at all, allowed", allow: true, in: inputs{stdPoems, embDoc(failed(1, "x"), failed(2, "x"), failed(1, "x"), failed(7, "x")), ""},
			want: []string{"$E", "no poem has an embedding"}},
		{name: "allowed missing does not excuse a NaN", allow: true, in: inputs{stdPoems, embDoc(failed(1, "x"), stdEntries[1], entry(1, "NaN, 1, 1"), stdEntries[3]), ""},
			want: []string{"the embedding of poem 3 notes/1", "NaN"}},
		{name: "allowed missing does not excuse a wrong dimension", allow: true, in: inputs{stdPoems, embDoc(failed(1, "x"), stdEntries[1], entry(1, "1, 1"), stdEntries[3]), ""},
			want: []string{"not 3", "(3 notes/1)"}, not: []string{"ALLOW_MISSING"}},

		// Dates.
		{name: "unparseable date", in: inputs{poemsDoc(poem("fediverse", 1, ""), poem("fediverse", 2, `, "creation_date": "yesterday"`), poem("notes", 1, ""), poem("messages", 7, "")), stdEmb, ""},
			want: []string{"$P", "poems[1]", "2 fediverse/2", `creation_date "yesterday"`, "ISO 8601"}},
		{name: "American date", in: inputs{poemsDoc(poem("fediverse", 1, `, "creation_date": "05/01/2023"`)), embDoc(stdEntries[0]), ""},
			want: []string{"$P", "1 fediverse/1", "05/01/2023", "ISO 8601"}},
		{name: "date is a number", in: inputs{poemsDoc(poem("fediverse", 1, `, "creation_date": 1700000000`)), embDoc(stdEntries[0]), ""},
			want: []string{"at poems[0].creation_date", "found the number 1700000000 where a string was expected"}},

		// Colours.
		{name: "colour missing", in: inputs{stdPoems, stdEmb, colorsDoc(allColors(map[string]string{"gray": ""}))},
			want: []string{"$C", `"gray" is missing`, "exactly the colours red, blue, green, purple, orange, yellow, gray", "COLOR_EMBEDDINGS="}},
		{name: "colour extra", in: inputs{stdPoems, stdEmb, colorsDoc(allColors(map[string]string{"pink": "1, 1, 1"}))},
			want: []string{"$C", `"pink" is not a palette colour`}},
		{name: "colour of the wrong dimension", in: inputs{stdPoems, stdEmb, colorsDoc(allColors(map[string]string{"blue": "1, 1"}))},
			want: []string{"$C", `"blue" has 2 values, the poems' embeddings 3`}},
		{name: "colour all zeros", in: inputs{stdPoems, stdEmb, colorsDoc(allColors(map[string]string{"green": "0, 0, 0"}))},
			want: []string{"$C", `"green" is all zeros`}},
		{name: "colour bare NaN", in: inputs{stdPoems, stdEmb, colorsDoc(allColors(map[string]string{"red": "NaN, 1, 1"}))},
			want: []string{"$C:", "NaN"}},
		{name: "colour is a string", in: inputs{stdPoems, stdEmb, colorsDoc(allColors(map[string]string{"red": `1, "x", 1`}))},
			want: []string{"$C:", "at embeddings.red[1]", `a string "x" where a number was expected`}},
		{name: "colours of another model", in: inputs{stdPoems, stdEmb, withModel(colorsDoc(allColors(nil)), "other-model")},
			want: []string{"$C was embedded with the model \"other-model\"", "poems in $E with \"test-model\"", "same model", "make embeddings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err, opt := read(t, tt.in, tt.allow)
			if err == nil {
				t.Fatalf("Read succeeded with %d poems; want an error", len(c.Poems))
			}
			msg := err.Error()
			for _, w := range tt.want {
				if w = expand(w, opt); !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tt.not {
				if w = expand(w, opt); strings.Contains(msg, w) {
					t.Errorf("error has %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, ".go:") {
				t.Errorf("error reads like a Go trace:\n%s", msg)
			}
		})
	}
}

// labels lists the poems as "N category/id".
func refs(ps []Poem) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].Ref()
	}
	return out
}

func mustRead(t *testing.T, in inputs, allowMissing bool) *Corpus {
	t.Helper()
	c, err, _ := read(t, in, allowMissing)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkVectors checks that every poem carries the vector meant for it:
// vectors maps "category/id" to the vector's first value.
func checkVectors(t *testing.T, c *Corpus, first map[string]float32) {
	t.Helper()
	for _, p := range c.Poems {
		want, ok := first[p.Label()]
		if !ok {
			t.Errorf("unexpected poem %s", p.Ref())
			continue
		}
		if len(p.Vector) != c.Dimension || p.Vector[0] != want {
			t.Errorf("poem %s has vector %v, want one starting with %v", p.Ref(), p.Vector, want)
		}
	}
}

func TestReadGood(t *testing.T) {
	c := mustRead(t, inputs{stdPoems, stdEmb, ""}, false)
	if got, want := strings.Join(refs(c.Poems), ", "), "1 fediverse/1, 2 fediverse/2, 3 notes/1, 4 messages/7"; got != want {
		t.Errorf("poems = %s, want %s", got, want)
	}
	if c.Dimension != 3 || c.Model != "test-model" {
		t.Errorf("dimension %d, model %q; want 3, test-model", c.Dimension, c.Model)
	}
	if c.Missing != nil || c.Colors != nil {
		t.Errorf("missing %v, colours %v; want none", c.Missing, c.Colors)
	}
	want := [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0.5}}
	for i, p := range c.Poems {
		if fmt.Sprint(p.Vector) != fmt.Sprint(want[i]) {
			t.Errorf("poem %s vector %v, want %v", p.Ref(), p.Vector, want[i])
		}
		if p.Content != "the text of "+p.Label() {
			t.Errorf("poem %s content %q", p.Ref(), p.Content)
		}
		if !p.Date.IsZero() || p.Golden || p.ContentWarning != "" {
			t.Errorf("poem %s has date %v, golden %t, content warning %q; want none", p.Ref(), p.Date, p.Golden, p.ContentWarning)
		}
	}
}

func TestReadSinglePoem(t *testing.T) {
	c := mustRead(t, inputs{poemsDoc(poem("notes", 42, "")), embDoc(entry(42, "0.5, -0.25, 2")), ""}, false)
	if len(c.Poems) != 1 || c.Poems[0].Ref() != "1 notes/42" {
		t.Fatalf("poems = %v, want 1 notes/42", refs(c.Poems))
	}
}

// TestReadCollidingIDs: ids restart in every category, so both psalms/1 and
// proverbs/1 are kept, each with its own number and its own vector.
func TestReadCollidingIDs(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   inputs
		want string
	}{
		{"by position", inputs{
			poemsDoc(poem("psalms", 1, ""), poem("proverbs", 1, ""), poem("psalms", 2, ""), poem("proverbs", 2, "")),
			embDoc(entry(1, "1, 0, 0"), entry(1, "2, 0, 0"), entry(2, "3, 0, 0"), entry(2, "4, 0, 0")), ""},
			"1 psalms/1, 2 proverbs/1, 3 psalms/2, 4 proverbs/2"},
		{"by poem_index", inputs{
			poemsDoc(poem("psalms", 1, `, "poem_index": 10`), poem("proverbs", 1, `, "poem_index": 20`), poem("psalms", 2, `, "poem_index": 11`), poem("proverbs", 2, `, "poem_index": 21`)),
			embDoc(entry(1, "1, 0, 0"), entry(1, "2, 0, 0"), entry(2, "3, 0, 0"), entry(2, "4, 0, 0")), ""},
			"10 psalms/1, 11 psalms/2, 20 proverbs/1, 21 proverbs/2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := mustRead(t, tt.in, false)
			if got := strings.Join(refs(c.Poems), ", "); got != tt.want {
				t.Errorf("poems = %s, want %s", got, tt.want)
			}
			checkVectors(t, c, map[string]float32{"psalms/1": 1, "proverbs/1": 2, "psalms/2": 3, "proverbs/2": 4})
		})
	}
}

// TestReadNumbering: N is poem_index when every poem has one, else the
// 1-based position; the corpus is sorted by N either way, and every poem
// keeps its own vector.
func TestReadNumbering(t *testing.T) {
	three := func(a, b, c string) string {
		return poemsDoc(poem("a", 1, a), poem("b", 1, b), poem("c", 1, c))
	}
	vecs := map[string]float32{"a/1": 1, "b/1": 2, "c/1": 3}
	byPosition := embDoc(entry(1, "1, 0, 0"), entry(1, "2, 0, 0"), entry(1, "3, 0, 0"))
	tests := []struct {
		name string
		in   inputs
		want string
	}{
		{"no poem_index", inputs{three("", "", ""), byPosition, ""}, "1 a/1, 2 b/1, 3 c/1"},
		{"every poem_index, shuffled", inputs{three(`, "poem_index": 3`, `, "poem_index": 1`, `, "poem_index": 2`), byPosition, ""},
			"1 b/1, 2 c/1, 3 a/1"},
		{"every poem_index, with gaps", inputs{three(`, "poem_index": 700`, `, "poem_index": 5`, `, "poem_index": 31`), byPosition, ""},
			"5 b/1, 31 c/1, 700 a/1"},
		{"some poem_index", inputs{three(`, "poem_index": 3`, "", `, "poem_index": 1`), byPosition, ""},
			"1 a/1, 2 b/1, 3 c/1"},
		{"some poem_index, null counts as none", inputs{three(`, "poem_index": 3`, `, "poem_index": null`, `, "poem_index": 1`), byPosition, ""},
			"1 a/1, 2 b/1, 3 c/1"},
		// The upstream pipeline copies each poem's poem_index into its
		// embedding entry; with partial poem_index the poems are numbered by
		// position, and that must not read as a misalignment.
		{"some poem_index, copied into the entries", inputs{three(`, "poem_index": 3`, "", `, "poem_index": 1`),
			embDoc(`{"id": 1, "poem_index": 3, "embedding": [1, 0, 0]}`, entry(1, "2, 0, 0"), `{"id": 1, "poem_index": 1, "embedding": [3, 0, 0]}`), ""},
			"1 a/1, 2 b/1, 3 c/1"},
		{"every poem_index, copied into the entries", inputs{three(`, "poem_index": 3`, `, "poem_index": 1`, `, "poem_index": 2`),
			embDoc(`{"id": 1, "poem_index": 3, "embedding": [1, 0, 0]}`, `{"id": 1, "poem_index": 1, "embedding": [2, 0, 0]}`, `{"id": 1, "poem_index": 2, "embedding": [3, 0, 0]}`), ""},
			"1 b/1, 2 c/1, 3 a/1"},
		{"keyed by poem_index", inputs{three(`, "poem_index": 3`, `, "poem_index": 1`, `, "poem_index": 2`),
			embObject(map[int]string{3: entry(1, "1, 0, 0"), 1: entry(1, "2, 0, 0"), 2: entry(1, "3, 0, 0")}), ""},
			"1 b/1, 2 c/1, 3 a/1"},
		{"keyed by poem_index, entries carry it too", inputs{three(`, "poem_index": 3`, `, "poem_index": 1`, `, "poem_index": 2`),
			embObject(map[int]string{3: `{"poem_index": 3, "embedding": [1, 0, 0]}`, 1: `{"poem_index": 1, "embedding": [2, 0, 0]}`, 2: `{"poem_index": 2, "embedding": [3, 0, 0]}`}), ""},
			"1 b/1, 2 c/1, 3 a/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustRead(t, tt.in, false)
			if got := strings.Join(refs(c.Poems), ", "); got != tt.want {
				t.Errorf("poems = %s, want %s", got, tt.want)
			}
			for i := 1; i < len(c.Poems); i++ {
				if c.Poems[i-1].N >= c.Poems[i].N {
					t.Errorf("poems not in ascending N: %v", refs(c.Poems))
				}
			}
			checkVectors(t, c, vecs)
		})
	}
}

func TestReadAllowMissing(t *testing.T) {
	in := inputs{stdPoems, embDoc(failed(1, "CUDA out of memory"), stdEntries[1], failed(1, "timeout"), `{"id": 7}`), ""}
	c := mustRead(t, in, true)
	if got, want := strings.Join(refs(c.Poems), ", "), "2 fediverse/2"; got != want {
		t.Errorf("poems = %s, want %s", got, want)
	}
	if got, want := strings.Join(refs(c.Missing), ", "), "1 fediverse/1, 3 notes/1, 4 messages/7"; got != want {
		t.Errorf("missing = %s, want %s", got, want)
	}
	for _, p := range c.Missing {
		if p.Vector != nil {
			t.Errorf("missing poem %s has a vector", p.Ref())
		}
	}
	checkVectors(t, c, map[string]float32{"fediverse/2": 0})

	// Nothing missing: AllowMissing changes nothing.
	c = mustRead(t, inputs{stdPoems, stdEmb, ""}, true)
	if len(c.Poems) != 4 || len(c.Missing) != 0 {
		t.Errorf("with nothing missing: %d poems, %d missing; want 4, 0", len(c.Poems), len(c.Missing))
	}
}

func TestReadPoemFields(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, m, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		extra   string
		date    time.Time
		golden  bool
		warning string
	}{
		{extra: ""},
		{extra: `, "creation_date": "2023-05-01T12:34:56Z"`, date: utc(2023, 5, 1, 12, 34, 56, 0)},
		{extra: `, "creation_date": "2023-05-01T12:34:56"`, date: utc(2023, 5, 1, 12, 34, 56, 0)},
		{extra: `, "creation_date": "2023-05-01T12:34:56.123456"`, date: utc(2023, 5, 1, 12, 34, 56, 123456000)},
		{extra: `, "creation_date": "2023-05-01T12:34:56.5Z"`, date: utc(2023, 5, 1, 12, 34, 56, 500000000)},
		{extra: `, "creation_date": "2023-05-01T14:34:56+02:00"`, date: utc(2023, 5, 1, 12, 34, 56, 0)},
		{extra: `, "creation_date": "2023-05-01 12:34:56"`, date: utc(2023, 5, 1, 12, 34, 56, 0)},
		{extra: `, "creation_date": "2023-05-01T12:34"`, date: utc(2023, 5, 1, 12, 34, 0, 0)},
		{extra: `, "creation_date": "2023-05-01"`, date: utc(2023, 5, 1, 0, 0, 0, 0)},
		{extra: `, "creation_date": ""`},
		{extra: `, "creation_date": null`},
		{extra: `, "metadata": {"is_golden_poem": true, "other": [1, {"x": null}]}`, golden: true},
		{extra: `, "metadata": {"is_golden_poem": false}`},
		{extra: `, "content_warning": "death, grief"`, warning: "death, grief"},
		{extra: `, "content_warning": "", "unknown_field": {"deep": [1, 2, "three"]}, "tags": ["a"]`},
		{extra: `, "creation_date": "1999-12-31T23:59:59Z", "content_warning": "cw", "metadata": {"is_golden_poem": true}, "poem_index": 1`,
			date: utc(1999, 12, 31, 23, 59, 59, 0), golden: true, warning: "cw"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.extra, ", "), func(t *testing.T) {
			c := mustRead(t, inputs{poemsDoc(poem("notes", 1, tt.extra)), embDoc(entry(1, "1, 2, 3")), ""}, false)
			p := c.Poems[0]
			if !p.Date.Equal(tt.date) {
				t.Errorf("date = %v, want %v", p.Date, tt.date)
			}
			if p.Date.IsZero() != tt.date.IsZero() {
				t.Errorf("date zero = %t, want %t", p.Date.IsZero(), tt.date.IsZero())
			}
			if p.Golden != tt.golden {
				t.Errorf("golden = %t, want %t", p.Golden, tt.golden)
			}
			if p.ContentWarning != tt.warning {
				t.Errorf("content warning = %q, want %q", p.ContentWarning, tt.warning)
			}
		})
	}
}

// TestReadContent: poem text comes through as written (the renderer cleans it).
func TestReadContent(t *testing.T) {
	content := `line one\n\ttabbed <b>&amp;</b> \"quoted\" \u00e9\u4e2d\ud83d\ude00\r\nend`
	c := mustRead(t, inputs{poemsDoc(`{"id": 1, "category": "notes", "content": "` + content + `"}`), embDoc(entry(1, "1, 2, 3")), ""}, false)
	want := "line one\n\ttabbed <b>&amp;</b> \"quoted\" é中😀\r\nend"
	if got := c.Poems[0].Content; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
}

func TestReadColors(t *testing.T) {
	// The poems' model, or none named: the colours are taken.
	for _, doc := range []string{colorsDoc(allColors(nil)), withModel(colorsDoc(allColors(nil)), "test-model")} {
		checkColors(t, mustRead(t, inputs{stdPoems, stdEmb, doc}, false))
	}
}

func checkColors(t *testing.T, c *Corpus) {
	t.Helper()
	if len(c.Colors) != len(Palette) {
		t.Fatalf("%d colours, want %d", len(c.Colors), len(Palette))
	}
	for i, v := range c.Colors {
		if len(v) != 3 || v[0] != float32(i+1) {
			t.Errorf("colour %d (%s) = %v, want [%d 1 0.5]", i, Palette[i].Name, v, i+1)
		}
	}
}

// TestReadVectorValues: numbers in every JSON form read as the nearest float32.
func TestReadVectorValues(t *testing.T) {
	c := mustRead(t, inputs{poemsDoc(poem("a", 1, "")), embDoc(entry(1, "-0.0156, 1E-3, 3.4e38")), ""}, false)
	got := c.Poems[0].Vector
	want := []float32{-0.0156, 0.001, 3.4e38}
	for i := range want {
		if got[i] != want[i] || math.IsInf(float64(got[i]), 0) {
			t.Errorf("value %d = %v, want %v", i, got[i], want[i])
		}
	}
}
