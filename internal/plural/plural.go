// Package plural counts things in words: "1 page", "2 pages".
package plural

import "fmt"

// Of is n followed by noun, in the plural unless n is 1 (nouns that add -s).
func Of(n int, noun string) string {
	return fmt.Sprintf("%d %s", n, Noun(n, noun))
}

// Noun is noun, in the plural unless n is 1.
func Noun(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
