package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/decoder"
)

// SyntaxError is invalid JSON in an input file, located by line, column and JSON path.
type SyntaxError struct {
	File string
	Data []byte // the file's bytes, to look at the offending value
	Pos  int    // byte offset
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%s: invalid JSON%s: %s: fix or regenerate the file", e.File, position(e.Data, e.Pos), where(e.Data, e.Pos), e.Msg)
}

// ValueError is valid JSON holding a value of the wrong type, or a number out
// of range, located like SyntaxError.
type ValueError struct {
	File string
	Data []byte
	Pos  int    // byte offset of the value
	Msg  string // what was found and what was expected
	Poem string // "N category/id" of the poem the value belongs to, when known
}

func (e *ValueError) Error() string {
	poem := ""
	if e.Poem != "" {
		poem = " (poem " + e.Poem + ")"
	}
	return fmt.Sprintf("%s:%s:%s%s %s: fix the value or regenerate the file", e.File, position(e.Data, e.Pos), where(e.Data, e.Pos), poem, e.Msg)
}

// decode unmarshals data into v, turning the JSON library's errors into
// "file:line:col at path: what" messages a user can act on.
func decode(path string, data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%s: the file is empty: it should hold a JSON object", path)
	}
	err := sonic.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn decoder.SyntaxError
	var mis *decoder.MismatchTypeError // sonic returns it by pointer
	var typ *json.UnmarshalTypeError   // sonic's JIT decoder: a number out of range, without a position
	switch {
	case errors.As(err, &syn):
		what := syn.Message()
		if syn.Pos >= len(bytes.TrimSpace(data)) {
			what = "the file ends too early (truncated?)"
		}
		return &SyntaxError{File: path, Data: data, Pos: syn.Pos, Msg: what}
	case errors.As(err, &mis):
		pos, t := mis.Pos, mis.Type
		if !mismatchAt(data, pos, t) {
			// sonic sometimes reports the offset of a later value (one read
			// into a raw message, as "embeddings" is): ask encoding/json,
			// which is slower but exact, where the first wrong value is.
			if p, typ, ok := locateMismatch(data, v); ok {
				pos, t = p, typ
			}
		}
		return &ValueError{File: path, Data: data, Pos: pos, Msg: mismatch(data, pos, t)}
	case errors.As(err, &typ) && typ.Offset == 0 && typ.Value != "" && numberAt([]byte(typ.Value), 0) == typ.Value:
		if pos := findNumber(data, typ.Value); pos >= 0 {
			return &ValueError{File: path, Data: data, Pos: pos, Msg: mismatch(data, pos, typ.Type)}
		}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// mismatchAt reports whether data[pos] starts a value that t cannot hold,
// that is whether pos is a believable place for a type mismatch.
func mismatchAt(data []byte, pos int, t reflect.Type) bool {
	if pos < 0 || pos >= len(data) || !startsValue(data, pos) {
		return false
	}
	found, want := jsonKind(data, pos), goKind(t)
	return found != want || found == "a number" // a number out of range
}

// startsValue reports whether a JSON value starts at data[pos]: a value's
// first character, after a separator or at the start of the text.
func startsValue(data []byte, pos int) bool {
	if strings.IndexByte(`"{[tfn-0123456789`, data[pos]) < 0 {
		return false
	}
	before := bytes.TrimRight(data[:pos], " \t\r\n")
	return len(before) == 0 || strings.IndexByte("[,:", before[len(before)-1]) >= 0
}

// locateMismatch decodes data into a fresh value of v's type with
// encoding/json and returns the offset and wanted type of the first value of
// the wrong type.
func locateMismatch(data []byte, v any) (int, reflect.Type, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return 0, nil, false
	}
	var typ *json.UnmarshalTypeError
	if err := json.Unmarshal(data, reflect.New(rv.Type().Elem()).Interface()); !errors.As(err, &typ) {
		return 0, nil, false
	}
	pos := valueBefore(data, int(typ.Offset))
	return pos, typ.Type, pos >= 0
}

// valueBefore returns the offset of the last token that starts before end,
// outside strings: encoding/json puts a type error just past the
// offending value, or just inside it for an array or object. -1 when none.
func valueBefore(data []byte, end int) int {
	last := -1
	inString, escaped := false, false
	for i := 0; i < end && i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString, last = true, i
		case strings.IndexByte("{[", c) >= 0:
			last = i
		case strings.IndexByte("tfn-0123456789", c) >= 0 && (i == 0 || strings.IndexByte(" \t\r\n[{,:", data[i-1]) >= 0):
			last = i
		}
	}
	return last
}

// mismatch says what the value at data[pos] is and what t wanted instead,
// quoting a string (the commonest mistake is a number written in quotes).
func mismatch(data []byte, pos int, t reflect.Type) string {
	found, want := jsonKind(data, pos), goKind(t)
	if found == "a string" {
		lit, text := stringAt(data, pos)
		msg := fmt.Sprintf("found a string %s where %s was expected", lit, want)
		if (want == "an integer" || want == "a number") && numberAt([]byte(text), 0) == text && text != "" {
			msg += fmt.Sprintf(" (write %s, without the quotes)", text)
		}
		return msg
	}
	if found != "a number" {
		return fmt.Sprintf("found %s where %s was expected", found, want)
	}
	num := numberAt(data, pos)
	if want == "a number" {
		return fmt.Sprintf("the number %s is out of range for a %d-bit float", num, t.Bits())
	}
	return fmt.Sprintf("found the number %s where %s was expected", num, want)
}

// stringAt returns the JSON string that starts at data[pos] as written
// (shortened when long, control characters escaped) and its raw text.
func stringAt(data []byte, pos int) (lit, text string) {
	end := pos + 1
	for escaped := false; end < len(data); end++ {
		if escaped {
			escaped = false
		} else if data[end] == '\\' {
			escaped = true
		} else if data[end] == '"' {
			break
		}
	}
	text = string(data[pos+1 : min(end, len(data))])
	const most = 40
	if len(text) > most {
		cut := most
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		return `"` + escape(text[:cut]) + `…"`, text
	}
	return `"` + escape(text) + `"`, text
}

// numberAt returns the JSON number that starts at s[pos], or "".
func numberAt(s []byte, pos int) string {
	end := pos
	for end < len(s) && strings.IndexByte("+-0123456789.eE", s[end]) >= 0 {
		end++
	}
	if end == pos || !(s[pos] == '-' || s[pos] >= '0' && s[pos] <= '9') {
		return ""
	}
	return string(s[pos:end])
}

// findNumber returns the offset of the first value in data that is the number
// num (a whole value, after [ , or :), or -1.
func findNumber(data []byte, num string) int {
	for from := 0; ; {
		i := bytes.Index(data[from:], []byte(num))
		if i < 0 {
			return -1
		}
		i += from
		before := bytes.TrimRight(data[:i], " \t\r\n")
		if len(before) > 0 && bytes.IndexByte([]byte("[,:"), before[len(before)-1]) >= 0 && numberAt(data, i) == num {
			return i
		}
		from = i + 1
	}
}

// position turns a byte offset into "line:column" (both 1-based).
func position(data []byte, off int) string {
	off = min(max(off, 0), len(data))
	line := bytes.Count(data[:off], []byte("\n")) + 1
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// jsonKind names the JSON value starting at data[off].
func jsonKind(data []byte, off int) string {
	if off < 0 || off >= len(data) {
		return "the end of the file"
	}
	switch data[off] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true/false"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "something else"
}

// goKind names the JSON shape a Go type wants.
func goKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return goKind(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true/false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// where names the value at data[off] by its JSON path, e.g. " at poems[16].id"
// (arrays 0-based as in jq), so that a user can find the poem.
func where(data []byte, off int) string {
	p := escape(pathAt(data, off)) // broken JSON may hold raw control characters
	if p == "" {
		return ""
	}
	const most = 120
	if len(p) > most { // deep nesting: the start and the end say enough
		p = p[:most/2] + "…" + p[len(p)-most/2:]
	}
	return " at " + p
}

// pathAt scans data up to off and returns the JSON path of the innermost
// value open there. It tolerates broken JSON: it only tracks nesting.
func pathAt(data []byte, off int) string {
	type level struct {
		array bool
		index int
		key   string
	}
	var stack []level
	inString, escaped := false, false
	keyStart := -1
	lastString := ""
	for i := 0; i < off && i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				lastString = string(data[keyStart:i])
			}
			continue
		}
		switch c {
		case '"':
			inString, keyStart = true, i+1
		case '{':
			stack = append(stack, level{})
		case '[':
			stack = append(stack, level{array: true})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ':':
			if len(stack) > 0 {
				stack[len(stack)-1].key = lastString
			}
		case ',':
			if len(stack) > 0 {
				top := &stack[len(stack)-1]
				top.index++
				top.key = ""
			}
		}
	}
	var b bytes.Buffer
	for _, l := range stack {
		switch {
		case l.array:
			fmt.Fprintf(&b, "[%d]", l.index)
		case l.key != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(l.key)
		}
	}
	return b.String()
}

// firstNonFinite reports the index of the first non-finite value of v, or -1.
func firstNonFinite(v []float32) int {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}
