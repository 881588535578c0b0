package render

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "a poem\nin two lines", "a poem\nin two lines"},
		{"empty", "", ""},
		{"ordinary unicode kept", "é ñ ß 中文 한국어 日本語 😀 ﬁ « » — … ★ ═\u00a0x", "é ñ ß 中文 한국어 日本語 😀 ﬁ « » — … ★ ═\u00a0x"},
		{"combining marks kept", "e\u0301 a\u0308", "e\u0301 a\u0308"},
		{"emoji sequences kept", "👩\u200d💻 👍🏽 🇫🇷", "👩\u200d💻 👍🏽 🇫🇷"},
		{"right-to-left text kept", "שלום عربي", "שלום عربي"},

		{"invalid byte", "a\xffb", "a\ufffdb"},
		{"truncated sequence", "a\xc3", "a\ufffd"},
		{"lone continuation bytes", "\x80\x80x", "\ufffd\ufffdx"},
		{"surrogate half", "a\xed\xa0\x80b", "a\ufffd\ufffd\ufffdb"},
		{"overlong encoding", "\xc0\xafx", "\ufffd\ufffdx"},
		{"literal U+FFFD kept", "a\ufffdb", "a\ufffdb"},

		{"CRLF", "one\r\ntwo\r\n", "one\ntwo\n"},
		{"lone CR", "one\rtwo\r", "one\ntwo\n"},
		{"CR CR LF", "one\r\r\ntwo", "one\n\ntwo"},
		{"LF CR", "one\n\rtwo", "one\n\ntwo"},
		{"line separator", "one\u2028two", "one\ntwo"},
		{"paragraph separator", "one\u2029two", "one\ntwo"},
		{"next line control dropped", "one\u0085two", "onetwo"},

		{"tab at start", "\tx", "        x"},
		{"tab after text", "abc\tx", "abc     x"},
		{"tab at a stop", "12345678\tx", "12345678        x"},
		{"two tabs", "a\tb\tc", "a       b       c"},
		{"tab after a newline", "abcdef\nb\tc", "abcdef\nb       c"},
		{"tab after CRLF", "abcdef\r\nb\tc", "abcdef\nb       c"},
		{"tab after a wide character", "中\tx", "中      x"},
		{"tab after a combining mark", "e\u0301\tx", "e\u0301       x"},
		{"tab after a dropped control", "a\x00\tx", "a       x"},

		{"C0 controls dropped", "a\x00b\x01c\x07d\x08e\x0bf\x0cg\x1bh\x1fi", "abcdefghi"},
		{"terminal escape loses its ESC", "\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"DEL dropped", "a\x7fb", "ab"},
		{"C1 controls dropped", "a\u0080b\u009bc\u009fd", "abcd"},
		{"bidi overrides dropped", "a\u202eevil\u202cb", "aevilb"},
		{"bidi embeddings dropped", "\u202aa\u202bb\u202cc\u202dd", "abcd"},
		{"bidi isolates dropped", "\u2066a\u2067b\u2068c\u2069d", "abcd"},
		{"bidi marks dropped", "a\u200eb\u200fc\u061cd", "abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Clean(tt.in)
			if got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Clean(%q) = %q is not valid UTF-8", tt.in, got)
			}
			for _, r := range got {
				if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) || r == '\t' || r == '\r' {
					t.Errorf("Clean(%q) = %q keeps %U", tt.in, got, r)
				}
			}
			if again := Clean(got); again != got {
				t.Errorf("Clean is not idempotent on %q: %q", got, again)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"notes/12", "notes/12"},
		{"  a\n b\t\tc \r\n", "a b c"},
		{"a\u202eb\x00c", "abc"},
		{"\xff/1", "\ufffd/1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := OneLine(tt.in); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<script>alert(1)</script> & "x" </pre>`, `&lt;script&gt;alert(1)&lt;/script&gt; &amp; "x" &lt;/pre&gt;`},
		{"&amp;", "&amp;amp;"},
		{"&#60;", "&amp;#60;"},
		{"a < b > c", "a &lt; b &gt; c"},
		{"<<>>&&", "&lt;&lt;&gt;&gt;&amp;&amp;"},
		{"plain text, 中文", "plain text, 中文"},
		{"", ""},
	}
	for _, tt := range tests {
		got := Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, "<>") {
			t.Errorf("Escape(%q) = %q keeps < or >", tt.in, got)
		}
		if bareAmpersand(got) {
			t.Errorf("Escape(%q) = %q has a bare &", tt.in, got)
		}
	}
}

// bareAmpersand reports whether s has an & that does not start an entity the
// renderer writes.
func bareAmpersand(s string) bool {
	for i := strings.IndexByte(s, '&'); i >= 0; i = strings.IndexByte(s, '&') {
		rest := s[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			return true
		}
		s = s[i+1:]
	}
	return false
}

func TestRuneWidth(t *testing.T) {
	tests := []struct {
		r    rune
		want int
	}{
		{'a', 1}, {' ', 1}, {'é', 1}, {'ß', 1}, {'Ω', 1}, {'Я', 1}, {'ש', 1},
		{'中', 2}, {'あ', 2}, {'カ', 2}, {'한', 2}, {'Ａ', 2}, {'！', 2}, {'😀', 2}, {'\u3000', 2},
		{'ｱ', 1}, // half-width katakana
		{'\u0301', 0}, {'\u0308', 0}, {'\u20dd', 0}, {'\u200b', 0}, {'\u200d', 0}, {'\ufeff', 0},
		{'…', 1}, {'★', 1}, {'═', 1}, {'─', 1}, {'║', 1}, {'┌', 1},
	}
	for _, tt := range tests {
		if got := RuneWidth(tt.r); got != tt.want {
			t.Errorf("RuneWidth(%q %U) = %d, want %d", tt.r, tt.r, got, tt.want)
		}
	}
}

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"hello", 5},
		{"中文abc", 7},
		{"e\u0301", 1},
		{"日本語のテキスト", 16},
		{"a😀b", 4},
		{strings.Repeat("═", 80), 80},
	}
	for _, tt := range tests {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	x := strings.Repeat
	tests := []struct {
		name string
		in   string
		cols int
		want []string
	}{
		{"empty", "", 80, []string{""}},
		{"short", "hello", 80, []string{"hello"}},
		{"exactly the width", x("a", 80), 80, []string{x("a", 80)}},
		{"lines kept", "a\n\nb\n", 80, []string{"a", "", "b", ""}},
		{"at the last space", "the quick brown fox", 10, []string{"the quick", "brown fox"}},
		{"at the last space within 80", x("word ", 16) + "end", 80, []string{strings.TrimSuffix(x("word ", 16), " "), "end"}},
		{"space exactly at the limit", x("a", 79) + " bcd", 80, []string{x("a", 79), "bcd"}},
		{"word exactly filling the line", x("a", 80) + " b", 80, []string{x("a", 80), "b"}},
		{"long word hard-broken", x("x", 200), 80, []string{x("x", 80), x("x", 80), x("x", 40)}},
		{"long word after a short one", "a " + x("x", 100), 80, []string{"a", x("x", 80), x("x", 20)}},
		{"leading space then long word", " " + x("x", 100), 80, []string{" " + x("x", 79), x("x", 21)}},
		{"own spacing kept when it fits", "    indented\tand   spaced  ", 80, []string{"    indented\tand   spaced  "}},
		{"own spacing kept across a break", "aaaa    bbbb    cccc", 10, []string{"aaaa   ", "bbbb   ", "cccc"}},
		{"indentation kept on the first line", "   " + x("word ", 20), 80, []string{"   " + strings.TrimSuffix(x("word ", 15), " "), x("word ", 5)}},
		{"wide characters count 2", x("中", 50), 80, []string{x("中", 40), x("中", 10)}},
		{"wide character not split at an odd column", "a" + x("中", 40), 80, []string{"a" + x("中", 39), "中"}},
		{"wide words", "中文 中文 中文", 5, []string{"中文", "中文", "中文"}},
		{"combining marks stay with their letter", x("e\u0301", 100), 80, []string{x("e\u0301", 80), x("e\u0301", 20)}},
		{"each line on its own", x("a ", 45) + "\n" + x("b", 10), 80, []string{strings.TrimSuffix(x("a ", 40), " "), x("a ", 5), x("b", 10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Wrap(tt.in, tt.cols)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("Wrap(%q, %d) =\n%q\nwant\n%q", tt.in, tt.cols, got, tt.want)
			}
			checkWrap(t, tt.in, tt.cols, got)
		})
	}
}

// checkWrap checks what holds for every wrap: no line is wider than cols, no
// line starts with a combining mark, and only spaces are lost.
func checkWrap(t *testing.T, in string, cols int, got []string) {
	t.Helper()
	for _, l := range got {
		if Width(l) > cols {
			t.Errorf("line %q is %d columns, more than %d", l, Width(l), cols)
		}
		if r, _ := utf8.DecodeRuneInString(l); l != "" && RuneWidth(r) == 0 {
			t.Errorf("line %q starts with a zero-width rune", l)
		}
	}
	noSpace := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
	if a, b := noSpace(strings.Join(got, "")), noSpace(in); a != b {
		t.Errorf("wrapping changed the text:\n%q\n%q", a, b)
	}
	if n := strings.Count(in, "\n") + 1; len(got) < n {
		t.Errorf("%d lines out of %d", len(got), n)
	}
}

// TestWrapMany wraps a variety of generated text at several widths and
// checks the invariants.
func TestWrapMany(t *testing.T) {
	words := []string{"a", "poem", "中文", "e\u0301te\u0301", "😀", "  ", "supercalifragilisticexpialidocious", "x", "  spaced", "日本語のテキスト"}
	for cols := 2; cols <= 81; cols += 3 {
		var b strings.Builder
		for i := range 300 {
			b.WriteString(words[(i*7+cols)%len(words)])
			if i%13 == 0 {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		checkWrap(t, b.String(), cols, Wrap(b.String(), cols))
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		cols int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 80, "hello"},
		{"", 3, ""},
		{"hello world", 8, "hello w…"},
		{"hello world", 10, "hello wor…"},
		{"hello world", 11, "hello world"},
		{"中文中文", 8, "中文中文"},
		{"中文中文", 5, "中文…"},
		{"中文中文", 4, "中…"},
		{"ae\u0301bc", 3, "ae\u0301…"},
		{"ab", 1, "…"},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.cols)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
		}
		if Width(got) > tt.cols {
			t.Errorf("Truncate(%q, %d) = %q is %d columns", tt.in, tt.cols, got, Width(got))
		}
	}
}

func TestPad(t *testing.T) {
	tests := []struct {
		in   string
		cols int
		want string
	}{
		{"ab", 5, "ab   "},
		{"", 3, "   "},
		{"abc", 3, "abc"},
		{"toolong", 3, "toolong"},
		{"中", 4, "中  "},
		{"e\u0301", 3, "e\u0301  "},
	}
	for _, tt := range tests {
		if got := Pad(tt.in, tt.cols); got != tt.want {
			t.Errorf("Pad(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
		}
	}
}
