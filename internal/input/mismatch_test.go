package input

import (
	"strings"
	"testing"
)

// TestReadMismatchLocation: a value of the wrong type is named with what was
// found, where it is (file:line:col and JSON path) and how to fix it, even
// where sonic reports the offset of a later value.
func TestReadMismatchLocation(t *testing.T) {
	meta := func(from, to string) string { return strings.Replace(stdEmb, from, to, 1) }
	tests := []struct {
		name string
		in   inputs
		want []string
		not  []string
	}{
		{"embedding_dimension is a string", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": "3"`), ""},
			[]string{"$E:1:71: at metadata.embedding_dimension", `found a string "3" where an integer was expected`, "write 3, without the quotes", "fix the value"},
			[]string{"the number  where", "at embeddings"}},
		{"embedding_dimension is a word", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": "three hundred"`), ""},
			[]string{"$E:1:71: at metadata.embedding_dimension", `found a string "three hundred" where an integer was expected`},
			[]string{"without the quotes"}},
		{"embedding_dimension is a fraction", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": 3.5`), ""},
			[]string{"$E:1:71: at metadata.embedding_dimension", "found the number 3.5 where an integer was expected"}, nil},
		{"embedding_dimension is an array", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": [3]`), ""},
			[]string{"$E:1:71: at metadata.embedding_dimension", "found an array where an integer was expected"}, nil},
		{"embedding_dimension is true", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": true`), ""},
			[]string{"$E:1:71: at metadata.embedding_dimension", "found true/false where an integer was expected"}, nil},
		{"embedding_model is a number", inputs{stdPoems, meta(`"embedding_model": "test-model"`, `"embedding_model": 5`), ""},
			[]string{"$E:1:34: at metadata.embedding_model", "found the number 5 where a string was expected"}, nil},
		{"metadata is a string", inputs{stdPoems, meta(`{"embedding_model": "test-model", "embedding_dimension": 3}`, `"v1"`), ""},
			[]string{"$E:1:14: at metadata", `found a string "v1" where an object was expected`}, nil},
		{"metadata after the embeddings", inputs{stdPoems, `{"embeddings": [], "metadata": {"embedding_dimension": "3"}}`, ""},
			[]string{"$E:1:56: at metadata.embedding_dimension", `a string "3"`}, nil},
		{"a long string is cut short", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": "`+strings.Repeat("é", 50)+`"`), ""},
			[]string{`found a string "` + strings.Repeat("é", 20) + `…" where`}, nil},
		{"a string with an escape", inputs{stdPoems, meta(`"embedding_dimension": 3`, `"embedding_dimension": "3\u001b"`), ""},
			[]string{`found a string "3\u001b" where`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err, opt := read(t, tt.in, false)
			if err == nil {
				t.Fatal("Read succeeded; want an error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if w = expand(w, opt); !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(msg, w) {
					t.Errorf("error has %q:\n%s", w, msg)
				}
			}
		})
	}
}
