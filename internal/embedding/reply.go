package embedding

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/decoder"
)

// number is a value of a vector as a reply holds it: a float64, or a
// pointer to one where the reply may hold null.
type number interface{ float64 | *float64 }

// ollamaReply is Ollama's reply: {"embeddings": [[...], ...]}.
type ollamaReply[T number] struct {
	Embeddings *[][]T `json:"embeddings"`
}

// openAIReply is the OpenAI-style reply: {"data": [{"index": 0, "embedding": [...]}, ...]}.
type openAIReply[T number] struct {
	Data *[]struct {
		Index     *int `json:"index"`
		Embedding []T  `json:"embedding"`
	} `json:"data"`
}

// parse reads the vectors of a reply in the order of the texts asked for.
// Servers written in C++ or JavaScript send a NaN as null, which a float64
// cannot show: a reply with a null anywhere is read again, value by value,
// and a null in a vector becomes a NaN that the checks catch.
func parse(api API, data []byte) ([][]float32, *failure) {
	if bytes.Contains(data, []byte("null")) {
		return parseAs(api, data, fromNullable)
	}
	return parseAs(api, data, fromFloats)
}

func parseAs[T number](api API, data []byte, toFloat32 func([]T) []float32) ([][]float32, *failure) {
	if api == Ollama {
		var r ollamaReply[T]
		if err := sonic.Unmarshal(data, &r); err != nil {
			return nil, decodeFailure(data, err)
		}
		if r.Embeddings == nil {
			return nil, missing(data, "embeddings")
		}
		vecs := make([][]float32, len(*r.Embeddings))
		for i, v := range *r.Embeddings {
			vecs[i] = toFloat32(v)
		}
		return vecs, nil
	}
	var r openAIReply[T]
	if err := sonic.Unmarshal(data, &r); err != nil {
		return nil, decodeFailure(data, err)
	}
	if r.Data == nil {
		return nil, missing(data, "data")
	}
	// Each text's vector comes with its index, in any order.
	vecs := make([][]float32, len(*r.Data))
	for i, d := range *r.Data {
		at := i
		if d.Index != nil {
			at = *d.Index
		}
		if at < 0 || at >= len(vecs) || vecs[at] != nil {
			return nil, &failure{kind: badReply, reason: fmt.Sprintf("the reply's data[%d] has the index %d, out of place among %d", i, at, len(vecs))}
		}
		vecs[at] = toFloat32(d.Embedding)
		if vecs[at] == nil {
			vecs[at] = []float32{} // an empty vector, not a missing one
		}
	}
	return vecs, nil
}

// missing is a reply without its list of vectors: it may hold an error
// (some servers answer errors with status 200).
func missing(data []byte, field string) *failure {
	reason := fmt.Sprintf("the reply has no %q", field)
	if why := serverReason(data); why != "" && why != string(data) {
		reason += ": " + why
	}
	return &failure{kind: badReply, reason: reason}
}

// fromFloats converts a vector to float32: a value out of float32's range
// becomes an infinity, which the checks refuse.
func fromFloats(v []float64) []float32 {
	if v == nil {
		return nil
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// fromNullable is fromFloats for a vector that may hold null, which becomes a NaN.
func fromNullable(v []*float64) []float32 {
	if v == nil {
		return nil
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(math.NaN())
		if x != nil {
			out[i] = float32(*x)
		}
	}
	return out
}

// decodeFailure classes a reply that could not be read: cut short or
// garbled (worth a retry), holding NaN or Infinity (which JSON does not
// allow, and Python writes), or not in the API's shape.
func decodeFailure(data []byte, err error) *failure {
	if len(bytes.TrimSpace(data)) == 0 {
		return &failure{kind: transient, reason: "the reply was empty"}
	}
	var syn decoder.SyntaxError
	if errors.As(err, &syn) {
		if nonFiniteAt(data, syn.Pos) {
			return &failure{kind: badReply, reason: "the server sent NaN or Infinity in a vector"}
		}
		return &failure{kind: transient, reason: "the reply is not whole JSON (cut short?): " + syn.Message()}
	}
	return &failure{kind: badReply, reason: "the reply is not in the API's format: " + err.Error()}
}

// nonFiniteAt reports whether the token at or just before pos is NaN or
// (-)Infinity: the JSON reader stops at or just after its start.
func nonFiniteAt(data []byte, pos int) bool {
	start := min(max(pos, 0), len(data))
	for start > 0 && (data[start-1] >= 'a' && data[start-1] <= 'z' || data[start-1] >= 'A' && data[start-1] <= 'Z') {
		start--
	}
	if start > 0 && data[start-1] == '-' {
		start--
	}
	rest := bytes.TrimPrefix(data[start:], []byte("-"))
	return bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity"))
}
