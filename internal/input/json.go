package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

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
		return &ValueError{File: path, Data: data, Pos: mis.Pos, Msg: mismatch(data, mis.Pos, mis.Type)}
	case errors.As(err, &typ) && typ.Offset == 0 && typ.Value != "" && numberAt([]byte(typ.Value), 0) == typ.Value:
		if pos := findNumber(data, typ.Value); pos >= 0 {
			return &ValueError{File: path, Data: data, Pos: pos, Msg: mismatch(data, pos, typ.Type)}
		}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// mismatch says what the value at data[pos] is and what t wanted instead.
func mismatch(data []byte, pos int, t reflect.Type) string {
	found, want := jsonKind(data, pos), goKind(t)
	if found != "a number" {
		return fmt.Sprintf("found %s where %s was expected", found, want)
	}
	num := numberAt(data, pos)
	if want == "a number" {
		return fmt.Sprintf("the number %s is out of range for a %d-bit float", num, t.Bits())
	}
	return fmt.Sprintf("found the number %s where %s was expected", num, want)
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
	}
	return "a number"
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
