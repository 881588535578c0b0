// Package plural counts things in words: "1 page", "2 pages", "93,693 files".
package plural

import "strconv"

// Of is n followed by noun, in the plural unless n is 1 (nouns that add -s).
func Of(n int, noun string) string {
	return Count(n) + " " + Noun(n, noun)
}

// Noun is noun, in the plural unless n is 1.
func Noun(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Count is n with its thousands separated by commas: 93,693.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
