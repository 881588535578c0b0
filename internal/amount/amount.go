// Package amount writes amounts for people: counts with their noun ("1
// page", "2 pages", "93,693 files") and byte sizes ("12.3 MB").
package amount

import (
	"fmt"
	"strconv"
)

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

// Bytes is n bytes as "12.3 kB", "12.3 MB" or "45.6 GB" (decimal units, as
// disks are sold and hosts state their limits).
func Bytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1e3)
}
