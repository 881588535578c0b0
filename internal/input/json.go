package input

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"

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
	var mis decoder.MismatchTypeError
	switch {
	case errors.As(err, &syn):
		what := syn.Message()
		if syn.Pos >= len(bytes.TrimSpace(data)) {
			what = "the file ends too early (truncated?)"
		}
		return &SyntaxError{File: path, Data: data, Pos: syn.Pos, Msg: what}
	case errors.As(err, &mis):
		return fmt.Errorf("%s:%s:%s found %s where %s was expected: fix the value or regenerate the file",
			path, position(data, mis.Pos), where(data, mis.Pos), jsonKind(data, mis.Pos), goKind(mis.Type))
	}
	return fmt.Errorf("%s: %w", path, err)
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
	p := pathAt(data, off)
	if p == "" {
		return ""
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
