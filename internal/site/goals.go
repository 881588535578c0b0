package site

import (
	"fmt"
	"slices"
	"strings"
)

// kindGoals are the make goals that build a kind of files of the site, or all of them.
var kindGoals = []string{"all", "similar", "different", "chronological", "index"}

// Goals are make's goals for a build, read once: the build and the site's
// decision ask them, and the inner make builds what the build lists for it.
type Goals struct {
	Pages  []string // the goals that name pages or kinds of them, as given (see Select)
	Whole  bool     // all: the whole site, which a build also prunes
	Corpus bool     // corpus: the packed corpus, said to be up to date when it is
	Size   bool     // size: the plan against the budget; nothing is built
}

// ParseGoals reads make's goals (all when none), refusing a page goal that
// cannot name a file of any site (CheckGoal) before the corpus is read.
func ParseGoals(words []string) (Goals, error) {
	if len(words) == 0 {
		words = []string{"all"}
	}
	var g Goals
	for _, w := range words {
		if err := CheckGoal(w); err != nil {
			return Goals{}, err
		}
		switch w {
		case "corpus":
			g.Corpus = true
		case "size":
			g.Size = true
		default:
			g.Whole = g.Whole || w == "all"
			g.Pages = append(g.Pages, w)
		}
	}
	if g.Size && len(g.Pages) > 0 {
		pages := strings.Join(g.Pages, " ")
		return Goals{}, fmt.Errorf("make size shows the plan and builds nothing: run it apart from %s (make size, then make %s)", pages, pages)
	}
	return g, nil
}

// CheckGoal refuses a page goal that cannot name a file of any site, before
// the corpus is read: pages are similar/N.html, different/N.html and their
// chapters similar/N-c.html (c from 2), N a poem's number.
func CheckGoal(goal string) error {
	if slices.Contains(kindGoals, goal) {
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
		if slices.Contains(kindGoals, g) {
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
