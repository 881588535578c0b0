// The palette is the fixed set of colours a poem can take: the words
// color_embeddings.json must hold a vector for, and how each is drawn.

package input

// Color is a colour word and the HTML colour it is drawn in.
type Color struct {
	Name string
	Hex  string
}

// Palette is the colours in their fixed order; ties between colours go to the earlier one.
var Palette = []Color{
	{"red", "#dc3c3c"},
	{"blue", "#3c78dc"},
	{"green", "#3cb45a"},
	{"purple", "#8c3cc8"},
	{"orange", "#e68c3c"},
	{"yellow", "#c8b428"},
	{"gray", "#787878"},
}

// Gray is the index of the colour every poem takes when there is no colour file.
const Gray = 6
