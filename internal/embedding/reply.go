package embedding

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// A reply is read as it comes, value by value, and kept as float32 only up
// to the vectors asked for and the values a vector may have: a server that
// sends an endless reply, or vectors far too long, takes no more memory
// than a batch of real vectors (it had taken 283 MB at the default batch
// and 5.6 GB at a batch of 507, the whole reply being read first and
// decoded as float64).

// maxDimension bounds a vector's values while the run does not know their
// number yet (its first reply): far above any real model's (a few
// thousand).
const maxDimension = 1 << 16

// maxNesting bounds how deep the values a reply holds beside its vectors
// may nest.
const maxNesting = 64

// replyReader reads one reply.
type replyReader struct {
	r    *bufio.Reader
	tok  []byte // the last token read
	read int    // bytes read, for messages
	err  error  // the first read error other than the end
	// what the reply says beside the vectors (an error with status 200)
	errorText, message string
}

// parse reads the vectors of a reply from r, in the order of the want
// texts asked for, keeping at most most values of each: a reply with
// another count of vectors fails, and so does a longer vector (with a
// smaller batch it fails alone). Servers written in C++ or JavaScript send a
// NaN as null: a null in a vector becomes a NaN that the checks catch.
// A read that fails (the connection broke) is its error, readErr.
func parse(api API, r io.Reader, want, most int) (vecs [][]float32, f *failure, readErr error) {
	rr := &replyReader{r: bufio.NewReaderSize(r, 64<<10)}
	vecs, f = rr.reply(api, want, most)
	if f != nil && rr.err != nil {
		return nil, nil, rr.err
	}
	return vecs, f, nil
}

// reply reads the whole reply: one object, whose field of vectors is the
// API's ("embeddings" for Ollama, "data" for OpenAI).
func (rr *replyReader) reply(api API, want, most int) ([][]float32, *failure) {
	c, f := rr.peek()
	if f != nil {
		if rr.err == nil { // white space at most
			return nil, &failure{kind: transient, reason: "the reply was empty"}
		}
		return nil, f
	}
	if c != '{' {
		return nil, rr.shape("the reply is not an object")
	}
	var vecs [][]float32
	count, found := 0, false
	field := map[API]string{Ollama: "embeddings", OpenAI: "data"}[api]
	f = rr.object(func(key string) *failure {
		switch {
		case key == field:
			if null, f := rr.null(); f != nil || null {
				return f // a null list: none
			}
			found = true
			if api == Ollama {
				vecs, count, f = rr.ollama(want, most)
			} else {
				vecs, count, f = rr.openAI(want, most)
			}
			return f
		case key == "error" || key == "message":
			return rr.note(key)
		}
		return rr.skip(0)
	})
	if f != nil {
		return nil, f
	}
	if c, f := rr.peek(); f == nil {
		return nil, rr.syntax(c) // more after the reply
	}
	if !found {
		return nil, rr.missing(field)
	}
	if count != want {
		return nil, &failure{kind: badReply, reason: fmt.Sprintf("the server sent %d embeddings for %d texts", count, want)}
	}
	return vecs, nil
}

// ollama reads Ollama's list of vectors: [[...], ...].
func (rr *replyReader) ollama(want, most int) (vecs [][]float32, count int, f *failure) {
	vecs = make([][]float32, 0, want)
	f = rr.list("\"embeddings\" is not a list", func() *failure {
		v, f := rr.vector(most)
		if f == nil && count < want {
			vecs = append(vecs, v)
		}
		count++
		return f
	})
	return vecs, count, f
}

// openAI reads the OpenAI-style list of vectors: [{"index": 0,
// "embedding": [...]}, ...], each in the place its index says.
func (rr *replyReader) openAI(want, most int) (vecs [][]float32, count int, f *failure) {
	vecs = make([][]float32, want)
	f = rr.list("\"data\" is not a list", func() *failure {
		i := count
		count++
		if c, f := rr.peek(); f != nil || c != '{' {
			return cmp.Or(f, rr.shape(fmt.Sprintf("data[%d] is not an object", i)))
		}
		at, v := i, []float32{} // null or no embedding: an empty vector, not a missing one
		if f := rr.object(func(key string) *failure {
			switch key {
			case "index":
				n, f := rr.index()
				at = n
				return f
			case "embedding":
				var f *failure
				v, f = rr.vector(most)
				if v == nil {
					v = []float32{}
				}
				return f
			}
			return rr.skip(0)
		}); f != nil {
			return f
		}
		switch {
		case count > want: // more than asked for: counted, and said, after
		case at < 0 || at >= want || vecs[at] != nil:
			return &failure{kind: badReply, reason: fmt.Sprintf("the reply's data[%d] has the index %d, out of place among %d", i, at, want)}
		default:
			vecs[at] = v
		}
		return nil
	})
	return vecs, count, f
}

// vector reads one vector, keeping at most most values: a longer one fails.
// A null vector is none (nil).
func (rr *replyReader) vector(most int) ([]float32, *failure) {
	if null, f := rr.null(); f != nil || null {
		return nil, f
	}
	var v []float32
	n := 0
	f := rr.list("a vector is not a list of numbers", func() *failure {
		tok, f := rr.number()
		if f != nil {
			return f
		}
		n++
		if n > most {
			return nil // counted, said below
		}
		switch tok {
		case "null":
			v = append(v, float32(math.NaN()))
			return nil
		case "NaN", "Infinity", "-Infinity", "+Infinity":
			return &failure{kind: badReply, reason: "the server sent NaN or Infinity in a vector"}
		}
		x, err := strconv.ParseFloat(tok, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return rr.shape(fmt.Sprintf("a vector holds %q, not a number", cut(tok)))
		}
		v = append(v, float32(x)) // out of float32's range: an infinity, which the checks refuse
		return nil
	})
	if f == nil && n > most {
		return nil, &failure{kind: badReply, reason: fmt.Sprintf("the server sent a vector of %d values, more than %d", n, most)}
	}
	if v == nil && f == nil {
		v = []float32{} // an empty vector, not a missing one
	}
	return v, f
}

// number reads a token where a number should be: a value of another kind
// there is a reply not in the API's format.
func (rr *replyReader) number() (string, *failure) {
	if c, f := rr.peek(); f != nil || c == '{' || c == '[' || c == '"' {
		return "", cmp.Or(f, rr.shape("a value that should be a number is a "+map[byte]string{'{': "object", '[': "list", '"': "string"}[c]))
	}
	return rr.token()
}

// index reads a data entry's index: a whole number.
func (rr *replyReader) index() (int, *failure) {
	tok, f := rr.number()
	if f != nil {
		return 0, f
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		return 0, rr.shape(fmt.Sprintf("an index is %q, not a whole number", cut(tok)))
	}
	return n, nil
}

// note keeps what the reply says in its "error" or "message" field (a
// string, or an object with a "message"), for when it has no vectors.
func (rr *replyReader) note(key string) *failure {
	c, f := rr.peek()
	if f != nil {
		return f
	}
	var text string
	switch c {
	case '"':
		text, f = rr.str()
	case '{':
		f = rr.object(func(k string) *failure {
			if k != "message" {
				return rr.skip(0)
			}
			c, f := rr.peek()
			if f != nil || c != '"' {
				return cmp.Or(f, rr.skip(0))
			}
			text, f = rr.str()
			return f
		})
	default:
		return rr.skip(0)
	}
	if key == "error" {
		rr.errorText = text
	} else {
		rr.message = text
	}
	return f
}

// missing is a reply without its list of vectors: it may hold an error
// (some servers answer errors with status 200).
func (rr *replyReader) missing(field string) *failure {
	reason := fmt.Sprintf("the reply has no %q", field)
	if why := cmp.Or(rr.errorText, rr.message); why != "" {
		reason += ": " + why
	}
	return &failure{kind: badReply, reason: reason}
}

// object reads an object, calling field for each key with the reader at
// its value, which field must read.
func (rr *replyReader) object(field func(key string) *failure) *failure {
	if f := rr.expect('{'); f != nil {
		return f
	}
	if c, f := rr.peek(); f != nil || c == '}' {
		if f == nil {
			rr.byte()
		}
		return f
	}
	for {
		if c, f := rr.peek(); f != nil || c != '"' {
			return cmp.Or(f, rr.syntax(c))
		}
		key, f := rr.str()
		if f != nil {
			return f
		}
		if f := rr.expect(':'); f != nil {
			return f
		}
		if f := field(key); f != nil {
			return f
		}
		c, f := rr.peek()
		if f != nil {
			return f
		}
		rr.byte()
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return rr.syntax(c)
		}
	}
}

// list reads a list, calling item for each value with the reader at it,
// which item must read; notList is said when the value is not a list.
func (rr *replyReader) list(notList string, item func() *failure) *failure {
	if c, f := rr.peek(); f != nil || c != '[' {
		return cmp.Or(f, rr.shape(notList))
	}
	rr.byte()
	if c, f := rr.peek(); f != nil || c == ']' {
		if f == nil {
			rr.byte()
		}
		return f
	}
	for {
		if f := item(); f != nil {
			return f
		}
		c, f := rr.peek()
		if f != nil {
			return f
		}
		rr.byte()
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return rr.syntax(c)
		}
	}
}

// skip reads a value and drops it, nested at most maxNesting deep.
func (rr *replyReader) skip(depth int) *failure {
	if depth > maxNesting {
		return rr.shape(fmt.Sprintf("values nested more than %d deep", maxNesting))
	}
	c, f := rr.peek()
	switch {
	case f != nil:
		return f
	case c == '{':
		return rr.object(func(string) *failure { return rr.skip(depth + 1) })
	case c == '[':
		return rr.list("", func() *failure { return rr.skip(depth + 1) })
	case c == '"':
		_, f := rr.str()
		return f
	}
	_, f = rr.token()
	return f
}

// null reads a null if one comes, and reports whether it did.
func (rr *replyReader) null() (bool, *failure) {
	c, f := rr.peek()
	if f != nil || c != 'n' {
		return false, f
	}
	tok, f := rr.token()
	if f == nil && tok != "null" {
		f = rr.shape(fmt.Sprintf("%q is not a value", cut(tok)))
	}
	return true, f
}

// token reads a number or a word (true, null, NaN...), at most maxToken bytes,
// into the reader's buffer: valid until the next token. A vector is read a
// value at a time, with no memory taken for each.
func (rr *replyReader) token() (string, *failure) {
	if _, f := rr.peek(); f != nil {
		return "", f
	}
	rr.tok = rr.tok[:0]
	for len(rr.tok) <= maxToken {
		// The bytes buffered, scanned at once: a byte at a time, a vector
		// took twice as long to read.
		buf, _ := rr.r.Peek(max(rr.r.Buffered(), 1))
		n := 0
		for n < len(buf) && tokenByte(buf[n]) {
			n++
		}
		rr.tok = append(rr.tok, buf[:n]...)
		rr.r.Discard(n)
		rr.read += n
		if n < len(buf) || n == 0 {
			break // the token ended, or so did the reply
		}
	}
	if len(rr.tok) == 0 {
		c, _ := rr.peekByte()
		return "", rr.syntax(c)
	}
	return unsafe.String(&rr.tok[0], len(rr.tok)), nil
}

// maxToken bounds a number's digits: far more than any server writes.
const maxToken = 512

// tokenByte reports whether c may be part of a number or a word.
func tokenByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '+' || c == '.'
}

// maxString bounds what is kept of a string: keys and error messages are
// short, and a message is cut to a few hundred bytes anyway.
const maxString = 4 << 10

// str reads a string, keeping at most maxString bytes of it.
func (rr *replyReader) str() (string, *failure) {
	if f := rr.expect('"'); f != nil {
		return "", f
	}
	raw := []byte{'"'}
	for escaped := false; ; {
		c, f := rr.byteOrEnd()
		if f != nil {
			return "", f
		}
		if len(raw) < maxString {
			raw = append(raw, c)
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			if s, err := strconv.Unquote(string(raw)); err == nil {
				return s, nil
			}
			return strings.Trim(string(raw), `"`), nil
		}
	}
}

// peek skips white space and returns the next byte, not read yet.
func (rr *replyReader) peek() (byte, *failure) {
	for {
		c, err := rr.peekByte()
		if err != nil {
			return 0, rr.cutShort()
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
		rr.byte()
	}
}

// expect reads c, after white space.
func (rr *replyReader) expect(c byte) *failure {
	got, f := rr.peek()
	if f != nil {
		return f
	}
	if got != c {
		return rr.syntax(got)
	}
	rr.byte()
	return nil
}

// peekByte is the next byte, not read yet.
func (rr *replyReader) peekByte() (byte, error) {
	b, err := rr.r.Peek(1)
	if err != nil {
		if !errors.Is(err, io.EOF) && rr.err == nil {
			rr.err = err
		}
		return 0, err
	}
	return b[0], nil
}

// byte reads the byte peeked.
func (rr *replyReader) byte() {
	rr.r.ReadByte()
	rr.read++
}

// byteOrEnd reads a byte; the end of the reply fails.
func (rr *replyReader) byteOrEnd() (byte, *failure) {
	c, err := rr.peekByte()
	if err != nil {
		return 0, rr.cutShort()
	}
	rr.byte()
	return c, nil
}

// cutShort is a reply that ended in the middle (worth a retry).
func (rr *replyReader) cutShort() *failure {
	return &failure{kind: transient, reason: fmt.Sprintf("the reply is not whole JSON (cut short after %d bytes?)", rr.read)}
}

// syntax is a reply that is not JSON where c comes (garbled: worth a retry).
func (rr *replyReader) syntax(c byte) *failure {
	return &failure{kind: transient, reason: fmt.Sprintf("the reply is not whole JSON: %q at byte %d", c, rr.read)}
}

// shape is a reply in JSON but not in the API's format.
func (rr *replyReader) shape(what string) *failure {
	return &failure{kind: badReply, reason: "the reply is not in the API's format: " + what}
}

// cut shortens a token for a message.
func cut(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
