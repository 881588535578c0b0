package render

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
)

const hostile = `<script>alert(1)</script> & "x" </pre>`

var (
	tagRE = regexp.MustCompile(`<[^>]*>`)
	// okTag is every tag an entry or index line may hold.
	okTag = regexp.MustCompile(`^(<a name="p\d+" id="p\d+">|<a href="(\.\./)?(similar|different)/\d+\.html">|</a>|<font color="#[0-9a-f]{6}">|</font>)$`)
)

// visible is what a reader sees of rendered HTML text: tags stripped,
// entities decoded, one string a line (without the final empty one).
func visible(b []byte) []string {
	s := html.UnescapeString(tagRE.ReplaceAllString(string(b), ""))
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// checkHTML checks what holds for every rendered fragment: only the expected
// tags, no bare & and no control characters but the newline.
func checkHTML(t *testing.T, b []byte) {
	t.Helper()
	s := string(b)
	if strings.Contains(strings.ToLower(s), "<script") || strings.Contains(s, "</pre") {
		t.Errorf("raw markup from the poem in:\n%s", s)
	}
	for _, tag := range tagRE.FindAllString(s, -1) {
		if !okTag.MatchString(tag) {
			t.Errorf("unexpected tag %q in:\n%s", tag, s)
		}
	}
	// A > in text is valid HTML (the rank's " -> " is one); < and & are not.
	if rest := tagRE.ReplaceAllString(s, ""); strings.Contains(rest, "<") || bareAmpersand(rest) {
		t.Errorf("unescaped < or & in:\n%s", s)
	}
	if strings.Contains(s, `"x" </pre>`) || strings.Contains(s, "&lt;/pre>") {
		t.Errorf("poem text not escaped in:\n%s", s)
	}
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
			t.Errorf("control character %U in:\n%q", r, s)
		}
	}
}

// onPage is frag, an entry or index line of poem n, with its links as a
// page up folders below the top of the site has them, which checks that
// frag holds one LinksHere.
func onPage(t *testing.T, frag []byte, n int, up string) []byte {
	t.Helper()
	if c := bytes.Count(frag, []byte{LinksHere}); c != 1 {
		t.Fatalf("%d LinksHere in %q", c, frag)
	}
	pages := PoemPages{Before: [2]string{up + "similar/", up + "different/"}, After: ".html"}
	pieces, _ := linked(nil, nil, frag, n, pages)
	if got, want := len(bytes.Join(pieces, nil)), LinkedLen(frag, len(AppendLinks(nil, n, pages))); got != want {
		t.Errorf("LinkedLen = %d, the fragment on a page is %d bytes", want, got)
	}
	return bytes.Join(pieces, nil)
}

// wantBar is the bar line for colour c and k filled columns.
func wantBar(c string, k int) string {
	if k == 0 {
		return strings.Repeat("─", 80)
	}
	return fmt.Sprintf(`<font color="%s">%s</font>%s`, c, strings.Repeat("═", k), strings.Repeat("─", 80-k))
}

func TestEntry(t *testing.T) {
	date := time.Date(2023, 5, 1, 23, 59, 0, 0, time.UTC)
	long := strings.Repeat("a long line of a poem that goes on ", 8)
	tests := []struct {
		name  string
		p     Poem
		width int // rank width
		head  string
	}{
		{"plain", Poem{N: 1, Label: "notes/1", Content: "a short poem\nin two lines", Color: "#787878", Bar: 0}, 1,
			"notes/1"},
		{"everything", Poem{N: 345, Label: "fediverse/12", Date: date, ContentWarning: "death, <b>grief</b> & loss", Golden: true,
			Content: hostile + "\n" + long, Color: "#dc3c3c", Bar: 37}, 4,
			"fediverse/12  2023-05-01  ★ golden"},
		{"full bar", Poem{N: 7800, Label: "song-of-solomon/8", Date: date, Content: "x", Color: "#3c78dc", Bar: 80}, 4,
			"song-of-solomon/8  2023-05-01"},
		{"one column", Poem{N: 2, Label: "psalms/150", Content: "x", Color: "#3cb45a", Bar: 1}, 3,
			"psalms/150"},
		{"hostile text", Poem{N: 12, Label: "notes/3", Content: hostile + "\r\n\x1b[31mred\x1b[0m\t\u202eevil\u202c\x00\xff", Color: "#8c3cc8", Bar: 79}, 2,
			"notes/3"},
		{"hostile label", Poem{N: 13, Label: "<i>cat\n</i>/1", Content: "x", ContentWarning: "\x1b]0;x\x07", Color: "#e68c3c", Bar: 40}, 2,
			"<i>cat </i>/1"},
		{"long content warning", Poem{N: 5, Label: "notes/5", ContentWarning: strings.Repeat("warning ", 30), Content: "x", Color: "#c8b428", Bar: 10}, 1,
			"notes/5"},
		{"wide text", Poem{N: 6, Label: "messages/6", Content: strings.Repeat("中文字", 40) + "\n" + strings.Repeat("e\u0301", 100), Color: "#787878", Bar: 5}, 1,
			"messages/6"},
		{"golden wide text", Poem{N: 7, Label: "notes/7", Golden: true, Content: strings.Repeat("中文字", 40) + "\n\tindented\n\n" + long, Color: "#787878", Bar: 5}, 1,
			"notes/7  ★ golden"},
		{"empty golden poem", Poem{N: 8, Label: "notes/8", Golden: true, Color: "#787878"}, 1,
			"notes/8  ★ golden"},
		{"bar out of range", Poem{N: 9, Label: "notes/9", Content: "x", Color: "#787878", Bar: 200}, 1,
			"notes/9"},
		{"negative bar", Poem{N: 10, Label: "notes/10", Content: "x", Color: "#787878", Bar: -4}, 1,
			"notes/10"},
		{"undated poem in a dated corpus", Poem{N: 11, Label: "notes/11", Content: "x", Color: "#787878"}, 5,
			"notes/11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Entry(tt.p, tt.width)
			if again := Entry(tt.p, tt.width); string(again) != string(e) {
				t.Error("Entry is not deterministic")
			}
			linked := onPage(t, e, tt.p.N, "../")
			page := append(AppendRank(nil, 3, tt.width), linked...)
			checkHTML(t, page)
			s := string(linked)
			n := tt.p.N
			for _, w := range []string{
				fmt.Sprintf(`<a name="p%d" id="p%d">`, n, n),
				fmt.Sprintf(`[<a href="../similar/%d.html">similar</a>]`, n),
				fmt.Sprintf(`[<a href="../different/%d.html">different</a>]`, n),
			} {
				if strings.Count(s, w) != 1 {
					t.Errorf("entry does not have %q once:\n%s", w, s)
				}
			}
			if !strings.HasSuffix(s, "\n\n") {
				t.Errorf("entry does not end with a blank line: %q", s[max(0, len(s)-20):])
			}

			lines := visible(page)
			if lines[len(lines)-1] != "" {
				t.Errorf("entry does not end with a blank line: %q", lines[len(lines)-1])
			}
			lines = lines[:len(lines)-1]
			// The header: rank, label, date, golden mark, then the links at column 80.
			head := lines[0]
			if want := " -> " + strings.Repeat(" ", tt.width-1) + "3. " + tt.head + " "; !strings.HasPrefix(head, want) {
				t.Errorf("header = %q, want it to start with %q", head, want)
			}
			if !strings.HasSuffix(head, " [similar] [different]") {
				t.Errorf("header = %q, want it to end with the links", head)
			}
			for i, l := range lines {
				if w := Width(l); w > Columns || i == 0 && w != Columns {
					t.Errorf("line %d is %d columns:\n%q", i, w, l)
				}
			}

			// The bars, above and below the text.
			k := min(max(tt.p.Bar, 0), Columns)
			raw := strings.Split(strings.TrimSuffix(s, "\n\n"), "\n")
			bar := wantBar(tt.p.Color, k)
			if raw[1] != bar || raw[len(raw)-1] != bar {
				t.Errorf("bars =\n%s\n%s\nwant\n%s", raw[1], raw[len(raw)-1], bar)
			}
			if got := strings.Count(s, bar+"\n"); got != 2 {
				t.Errorf("%d bars, want 2", got)
			}
			if k == 0 && strings.Contains(s, "<font") {
				t.Errorf("k=0 bar has a font element:\n%s", s)
			}
			if vb := visible([]byte(bar))[0]; Width(vb) != Columns || strings.Count(vb, "═") != k {
				t.Errorf("visible bar %q: %d columns, %d filled; want %d, %d", vb, Width(vb), strings.Count(vb, "═"), Columns, k)
			}

			// Between the bars: the content-warning box, then the text (boxed when golden).
			body := lines[2 : len(lines)-1]
			if cw := OneLine(tt.p.ContentWarning); cw != "" {
				end := checkBox(t, body, "┌─┐│└┘", false)
				if !strings.HasPrefix(body[1], "│ CW: ") {
					t.Errorf("content warning box starts %q", body[1])
				}
				var got []string
				for _, l := range body[1:end] {
					got = append(got, strings.TrimSpace(strings.Trim(l, "│")))
				}
				if j := strings.Join(got, " "); j != "CW: "+strings.TrimSpace(cw) {
					t.Errorf("content warning reads %q, want %q", j, "CW: "+cw)
				}
				body = body[end+1:]
			} else if strings.ContainsRune(s, '┌') {
				t.Errorf("content warning box without a content warning:\n%s", s)
			}
			if tt.p.Golden {
				if end := checkBox(t, body, "╔═╗║╚╝", true); end != len(body)-1 {
					t.Errorf("text after the golden box: %q", body[end+1:])
				}
				body = body[1 : len(body)-1]
				for i := range body {
					body[i] = strings.TrimSuffix(strings.TrimPrefix(body[i], "║ "), " ║")
				}
			} else if strings.ContainsRune(s, '╔') {
				t.Errorf("golden box on a poem that is not golden:\n%s", s)
			}
			if got, want := strings.Join(body, ""), Clean(tt.p.Content); !sameWords(got, want) {
				t.Errorf("text reads\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// sameWords reports whether a and b hold the same words in the same order.
func sameWords(a, b string) bool {
	return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
}

// checkBox checks the box that starts at lines[0], drawn with the corners
// and sides in chars (top-left, top, top-right, side, bottom-left,
// bottom-right), and returns the index of its last line. Every line of the
// box is as wide as the first, and exactly 80 columns when full.
func checkBox(t *testing.T, lines []string, chars string, full bool) int {
	t.Helper()
	c := []rune(chars)
	if len(lines) < 2 {
		t.Fatalf("no box in %q", lines)
	}
	top := lines[0]
	if want := string(c[0]) + strings.Repeat(string(c[1]), Width(top)-2) + string(c[2]); top != want {
		t.Errorf("box top = %q", top)
	}
	if full && Width(top) != Columns {
		t.Errorf("box is %d columns, want %d", Width(top), Columns)
	}
	for i, l := range lines[1:] {
		if Width(l) != Width(top) {
			t.Errorf("box line %q is %d columns, the top %d", l, Width(l), Width(top))
		}
		if strings.HasPrefix(l, string(c[4])) {
			if want := string(c[4]) + strings.Repeat(string(c[1]), Width(top)-2) + string(c[5]); l != want {
				t.Errorf("box bottom = %q", l)
			}
			return i + 1
		}
		if !strings.HasPrefix(l, string(c[3])+" ") || !strings.HasSuffix(l, " "+string(c[3])) {
			t.Errorf("box line %q lacks its sides", l)
		}
	}
	t.Errorf("box has no bottom: %q", lines)
	return len(lines) - 1
}

func TestBar(t *testing.T) {
	for _, k := range []int{-10, -1, 0, 1, 2, 40, 79, 80, 81, 1000} {
		got := Bar("#dc3c3c", k)
		want := wantBar("#dc3c3c", min(max(k, 0), 80)) + "\n"
		if got != want {
			t.Errorf("Bar(k=%d) = %q, want %q", k, got, want)
		}
	}
}

func TestIndexLine(t *testing.T) {
	date := time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		p     Poem
		width int
		text  string // what the visible line starts with after the number
	}{
		{"plain", Poem{N: 1, Label: "notes/1", Content: "the first line\nthe second"}, 1, "notes/1  the first line "},
		{"dated", Poem{N: 12, Label: "psalms/23", Date: date, Content: "The LORD is my shepherd; I shall not want."}, 4, "psalms/23  1999-12-31  The LORD is my shepherd; I s… "},
		{"first line is blank", Poem{N: 3, Label: "notes/3", Content: "\n  \n\t spaced   out  words \nsecond"}, 2, "notes/3  spaced out words "},
		{"long first line cut", Poem{N: 4, Label: "notes/4", Content: strings.Repeat("word ", 40)}, 4, "notes/4  word word"},
		{"wide first line cut", Poem{N: 5, Label: "notes/5", Content: strings.Repeat("中文", 40)}, 4, "notes/5  中文中文"},
		{"hostile", Poem{N: 6, Label: "notes/6", Content: hostile + "\x1b[2J\u202e"}, 1, `notes/6  <script>alert(1)</script> & "x" </pre>[2J `},
		{"empty content", Poem{N: 7, Label: "notes/7", Date: date}, 1, "notes/7  1999-12-31 "},
		{"hostile label", Poem{N: 8, Label: "<b>x</b>/8", Content: "poem"}, 1, "<b>x</b>/8  poem "},
		{"long label", Poem{N: 9, Label: strings.Repeat("category", 10) + "/9", Content: "poem"}, 4, "categorycategory"},
		{"long label, empty content", Poem{N: 10, Label: strings.Repeat("category", 10) + "/10", Date: date}, 4, "categorycategory"},
		{"long label, blank content", Poem{N: 11, Label: strings.Repeat("category", 10) + "/11", Content: " \n\t"}, 4, "categorycategory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := onPage(t, IndexLine(tt.p, tt.width), tt.p.N, "")
			checkHTML(t, b)
			s := string(b)
			n := tt.p.N
			for _, w := range []string{
				fmt.Sprintf(`<a name="p%d" id="p%d">`, n, n),
				fmt.Sprintf(`[<a href="similar/%d.html">similar</a>]`, n),
				fmt.Sprintf(`[<a href="different/%d.html">different</a>]`, n),
			} {
				if strings.Count(s, w) != 1 {
					t.Errorf("index line does not have %q once:\n%s", w, s)
				}
			}
			if strings.Contains(s, "../") {
				t.Errorf("index line links out of the site root: %s", s)
			}
			if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
				t.Errorf("index line is not one line: %q", s)
			}
			lines := visible(b)
			if len(lines) != 1 {
				t.Fatalf("index line is %d lines: %q", len(lines), lines)
			}
			l := lines[0]
			if Width(l) != Columns {
				t.Errorf("index line is %d columns:\n%q", Width(l), l)
			}
			if want := fmt.Sprintf("%*d. %s", tt.width, n, tt.text); !strings.HasPrefix(l, want) {
				t.Errorf("index line =\n%q\nwant it to start with\n%q", l, want)
			}
			if !strings.HasSuffix(l, " [similar] [different]") {
				t.Errorf("index line = %q, want it to end with the links", l)
			}
		})
	}
}

func TestAppendRank(t *testing.T) {
	tests := []struct {
		rank, width int
		want        string
	}{
		{1, 1, " -> 1. "},
		{1, 4, " ->    1. "},
		{42, 4, " ->   42. "},
		{7800, 4, " -> 7800. "},
		{9, 2, " ->  9. "},
		{10, 2, " -> 10. "},
		{123, 2, " -> 123. "}, // wider than promised: never cut
	}
	for _, tt := range tests {
		if got := string(AppendRank(nil, tt.rank, tt.width)); got != tt.want {
			t.Errorf("AppendRank(%d, %d) = %q, want %q", tt.rank, tt.width, got, tt.want)
		}
		if got := string(AppendRank([]byte("before"), tt.rank, tt.width)); got != "before"+tt.want {
			t.Errorf("AppendRank onto a buffer = %q", got)
		}
	}
	// Ranks of one page line up: all as wide as the widest.
	w := RankWidth(1234)
	for _, r := range []int{1, 9, 10, 99, 100, 999, 1000, 1234} {
		if got := len(AppendRank(nil, r, w)); got != len(" -> 1234. ") {
			t.Errorf("rank %d of 1234 takes %d bytes", r, got)
		}
	}
}

func TestRankWidth(t *testing.T) {
	for n, want := range map[int]int{1: 1, 9: 1, 10: 2, 99: 2, 100: 3, 7800: 4, 10000: 5} {
		if got := RankWidth(n); got != want {
			t.Errorf("RankWidth(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestEntryLongLabel: a label too long for the header line puts the date,
// the golden mark and the links on a line of their own, under the label.
func TestEntryLongLabel(t *testing.T) {
	p := Poem{N: 4, Label: strings.Repeat("category", 7) + "/12", Date: time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC), Golden: true, Content: "x", Color: "#787878", Bar: 3}
	lines := visible(append(AppendRank(nil, 1, 4), onPage(t, Entry(p, 4), p.N, "../")...))
	if want := " ->    1. " + p.Label; lines[0] != want {
		t.Errorf("header = %q, want %q", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "          2023-05-01  ★ golden ") || !strings.HasSuffix(lines[1], " "+linkBoxes) || Width(lines[1]) != Columns {
		t.Errorf("second line = %q, want the date and mark under the label and the links at column 80", lines[1])
	}
	for i, l := range lines {
		if Width(l) > Columns {
			t.Errorf("line %d is %d columns: %q", i, Width(l), l)
		}
	}
}

// TestEntryLabelWiderThanTheLine: a label wider than the line is wrapped under
// itself, and no line passes 80 columns.
func TestEntryLabelWiderThanTheLine(t *testing.T) {
	p := Poem{N: 4, Label: strings.Repeat("a-very-long-category-name-", 6) + "/12", Content: "x", Color: "#787878", Bar: 3}
	page := append(AppendRank(nil, 1, 4), onPage(t, Entry(p, 4), p.N, "../")...)
	checkHTML(t, page)
	lines := visible(page)
	if !strings.HasPrefix(lines[0], " ->    1. a-very-long-category-name-") || !strings.HasPrefix(lines[1], strings.Repeat(" ", 10)) || lines[1][10] == ' ' {
		t.Errorf("the label is not wrapped under itself:\n%s", strings.Join(lines[:3], "\n"))
	}
	for i, l := range lines {
		if Width(l) > Columns {
			t.Errorf("line %d is %d columns: %q", i, Width(l), l)
		}
	}
	if got := strings.Join(lines, ""); !strings.Contains(strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(p.Label, " ", "")) {
		t.Errorf("the label is not all there")
	}
}
