// What a server says, made fit for a message and a file: a secret it echoes
// (a key) hidden, control characters and runs of white space made single
// spaces, and the length bounded, so that a broken or hostile server can
// neither leak a key nor draw on the user's terminal.

package quote

import "strings"

// replyMost is the longest text Reply returns, in bytes (before its "…").
const replyMost = 300

// Reply is text with every non-empty secret replaced by "[the key]",
// control characters (C0, C1, bidirectional and line separators) and runs
// of white space made single spaces, and cut to replyMost bytes.
func Reply(text string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "[the key]")
		}
	}
	text = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0x200e || r == 0x200f || r == 0x2028 || r == 0x2029 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return ' '
		}
		return r
	}, text)), " ")
	if len(text) > replyMost {
		cut := replyMost
		for cut > 0 && text[cut]&0xc0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}
