package site

import (
	"fmt"
	"slices"
	"strings"
)

// Goals are the make goals that build files of the site.
var Goals = []string{"all", "similar", "different", "chronological", "index"}

// CheckGoal refuses a page goal that cannot name a file of any site, before
// the corpus is read: pages are similar/N.html, different/N.html and their
// chapters similar/N-c.html (c from 2), N a poem's number.
func CheckGoal(goal string) error {
	if slices.Contains(Goals, goal) {
		return nil
	}
	if !strings.HasPrefix(goal, "similar/") && !strings.HasPrefix(goal, "different/") && !strings.HasPrefix(goal, "chronological") {
		return nil
	}
	if _, _, ok := parseName(goal); !ok {
		return fmt.Errorf("%s is not a page: pages are similar/N.html and different/N.html (N a poem's number, see the index page), their chapters similar/N-2.html..., and chronological.html, chronological-2.html...", goal)
	}
	return nil
}

// Select is the sequences that make goals cover (all of them without goals);
// a page goal names the sequence it is a chapter of.
func (l Layout) Select(goals []string) ([]Seq, error) {
	if len(goals) == 0 {
		goals = []string{"all"}
	}
	var seqs []Seq
	seen := map[Seq]bool{}
	add := func(q Seq) {
		if !seen[q] {
			seen[q] = true
			seqs = append(seqs, q)
		}
	}
	for _, g := range goals {
		if slices.Contains(Goals, g) {
			for _, q := range l.Seqs() {
				if g == "all" || g == kindGoal(q.Kind) {
					add(q)
				}
			}
			continue
		}
		if _, _, ok := parseName(g); !ok || g == "index.html" {
			continue
		}
		q, c, ok := l.Parse(g)
		if !ok {
			return nil, fmt.Errorf("%s is not a page of this site: %s", g, l.about(q, c))
		}
		add(q)
	}
	return seqs, nil
}

func kindGoal(k Kind) string { return [...]string{"similar", "different", "chronological", "index"}[k] }

// about says why chapter c of q is not on the site.
func (l Layout) about(q Seq, c int) string {
	if q.Kind == Similar || q.Kind == Different {
		if _, found := l.c.Index(q.N); !found {
			return fmt.Sprintf("the collection has no poem %d (see the index page)", q.N)
		}
	}
	if l.Chapters(q) == 1 {
		return fmt.Sprintf("%s is one page, not in chapters", q)
	}
	return fmt.Sprintf("%s has %d chapters", q, l.Chapters(q))
}
