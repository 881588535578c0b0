package main

import (
	"strconv"
	"strings"

	"pagegen/internal/site"
)

// pageArgs reads the command line that the site's make fragment gives each
// page process (mk/site.mk's write_seq), without kong: a build starts
// thousands of such processes, and kong's reflection over the whole command
// tree took most of one's time. ok is false for any other command line,
// which kong then reads, with its help and its messages.
func pageArgs(args []string) (corpus string, q site.Seq, f SeqFlags, ok bool) {
	// next takes flag want and its value, as --want=value or --want value.
	next := func(want string) (string, bool) {
		if len(args) > 0 {
			if v, ok := strings.CutPrefix(args[0], want+"="); ok {
				args = args[1:]
				return v, true
			}
		}
		if len(args) < 2 || args[0] != want {
			return "", false
		}
		v := args[1]
		args = args[2:]
		return v, true
	}
	if corpus, ok = next("--corpus"); !ok || len(args) == 0 {
		return
	}
	kind := args[0]
	args = args[1:]
	switch kind {
	case "similar", "different":
		if len(args) == 0 {
			return corpus, q, f, false
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || strconv.Itoa(n) != args[0] {
			return corpus, q, f, false
		}
		q = site.Seq{Kind: site.Similar, N: n}
		if kind == "different" {
			q.Kind = site.Different
		}
		args = args[1:]
	case "chronological":
		q = site.Seq{Kind: site.Chrono}
	case "index":
		q = site.Seq{Kind: site.Index}
	default:
		return corpus, q, f, false
	}
	var okOut bool
	f.Out, okOut = next("--out")
	if len(args) > 0 {
		if f.Write, ok = next("--write"); !ok {
			return corpus, q, f, false
		}
	}
	return corpus, q, f, okOut && len(args) == 0
}
