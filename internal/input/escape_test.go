package input

import (
	"fmt"
	"strings"
	"testing"
)

func TestRefEscapesControlCharacters(t *testing.T) {
	tests := []struct {
		category string
		want     string
	}{
		{"fediverse", "7 fediverse/3"},
		{"ünï/cödé 詩 🌙", "7 ünï/cödé 詩 🌙/3"},
		{`back\slash "quoted"`, `7 back\slash "quoted"/3`},
		{"a\x1b[31mred", `7 a\x1b[31mred/3`},
		{"two\nlines", `7 two\nlines/3`},
		{"tab\there\r", `7 tab\there\r/3`},
		{"nul\x00del\x7f", `7 nul\x00del\x7f/3`},
		{"c1\u0085\u009b", `7 c1\u0085\u009b/3`},
		{"bidi\u202eevil\u2066", `7 bidi\u202eevil\u2066/3`},
		{"sep\u2028", `7 sep\u2028/3`},
		{"bad\xffutf8", `7 bad\xffutf8/3`},
	}
	for _, tt := range tests {
		p := Poem{N: 7, Category: tt.category, ID: 3}
		if got := p.Ref(); got != tt.want {
			t.Errorf("Ref() of category %q = %q, want %q", tt.category, got, tt.want)
		}
		if got, want := p.Label(), tt.category+"/3"; got != want {
			t.Errorf("Label() of category %q = %q, want it as written", tt.category, got)
		}
	}
}

// TestReadMessagesEscapeInputText: text from the inputs reaches no message raw.
func TestReadMessagesEscapeInputText(t *testing.T) {
	// A category holding ESC [2J (clear the screen), as JSON writes it.
	esc := func(id int, extra string) string {
		return fmt.Sprintf(`{"id": %d, "category": "a\u001b[2Jb", "content": "x"%s}`, id, extra)
	}
	tests := []struct {
		name  string
		in    inputs
		allow bool
		want  string
	}{
		{"bad date", inputs{poemsDoc(esc(1, `, "creation_date": "x"`)), embDoc(entry(1, "1, 2, 3")), ""}, false,
			`1 a\x1b[2Jb/1`},
		{"missing embedding", inputs{poemsDoc(esc(1, ""), poem("b", 2, "")), embDoc(failed(1, "x"), entry(2, "1, 2, 3")), ""}, false,
			`1 a\x1b[2Jb/1`},
		{"poem_index out of range", inputs{poemsDoc(esc(1, `, "poem_index": 0`)), embDoc(entry(1, "1, 2, 3")), ""}, false,
			`a\x1b[2Jb/1`},
		{"duplicate poem_index", inputs{poemsDoc(esc(1, `, "poem_index": 1`), strings.Replace(poem("c", 2, `, "poem_index": 1`), `"c"`, `"c\u0085"`, 1)), embDoc(entry(1, "1, 2, 3"), entry(2, "1, 2, 3")), ""}, false,
			`a\x1b[2Jb/1 and by c\u0085/2`},
		{"embedding keyed by an unknown poem_index", inputs{poemsDoc(poem("a", 1, `, "poem_index": 1`)), "{\"embeddings\": {\"1\": {\"embedding\": [1, 2, 3]}, \"9\\u001b[2J\": {}}}", ""}, false,
			`(9\x1b[2J)`},
		{"path in a value error", inputs{poemsDoc(poem("a", 1, `, "poem_index": 1`)), "{\"embeddings\": {\"1\\u001b\": 5}}", ""}, false,
			`embeddings.1\u001b`}, // the path is as written in the file: JSON escapes stay escaped
		{"path in broken JSON", inputs{"{\"poems\": [], \"x\x1b\": [", stdEmb, ""}, false,
			`x\x1b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err, _ := read(t, tt.in, tt.allow)
			if err == nil {
				t.Fatal("Read succeeded; want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error lacks %q:\n%s", tt.want, msg)
			}
			if i := strings.IndexFunc(msg, func(r rune) bool { return r != '\n' && (r < 0x20 || r >= 0x7f && r < 0xa0) }); i >= 0 {
				t.Errorf("error holds the raw control character %q:\n%q", msg[i:i+1], msg)
			}
		})
	}
}
