// Package quote shows names taken from the disk, a server or a page process
// in messages: a name can hold anything but a slash and a NUL, and escape
// sequences or a bidirectional override in it would reach the terminal.
// What a server replies is made fit for a message by Reply (reply.go).
package quote

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name is s as it is when every character of it prints as itself, else s
// quoted as Go quotes a string ("a\x1b[2Jb"), so that it shows what is there.
func Name(s string) string {
	if printable(s) {
		return s
	}
	return strconv.Quote(s)
}

// Text is s with each character that would not print as itself (a control
// character, an escape, a bidirectional override, invalid UTF-8) written
// as Go escapes it, and the rest as it is: for a line of text, such as a
// page process's error, that is shown as it is when it can be.
func Text(s string) string { return escape(s, "") }

// Lines is Text for a message of lines: its new lines and tabs are kept.
func Lines(s string) string { return escape(s, "\n\t") }

// escape is s with each character that would not print as itself, but
// those of keep, written as Go escapes it.
func escape(s, keep string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError)) {
			q := strconv.Quote(s[i : i+1])
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		if shown(r) || strings.ContainsRune(keep, r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// printable reports whether every character of s prints as itself.
func printable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError)) || !shown(r) {
			return false
		}
	}
	return true
}

// shown reports whether r prints as itself: a letter, mark, number,
// punctuation, symbol or space, not a control or format character (which
// holds the bidirectional overrides).
func shown(r rune) bool {
	return r == ' ' || strconv.IsPrint(r) && !unicode.Is(unicode.Cf, r)
}
