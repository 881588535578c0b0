package input

import (
	"context"
	"fmt"
	"strings"
)

// poemsFile is poems.json; fields not listed are ignored.
type poemsFile struct {
	Poems *[]poemJSON `json:"poems"`
}

type poemJSON struct {
	ID             *int64  `json:"id"`
	Category       *string `json:"category"`
	Content        *string `json:"content"`
	CreationDate   *string `json:"creation_date"`
	ContentWarning *string `json:"content_warning"`
	PoemIndex      *int64  `json:"poem_index"`
	Metadata       struct {
		IsGoldenPoem *bool `json:"is_golden_poem"`
	} `json:"metadata"`
}

// MaxN is the largest poem number (a page name, and 32 bits in the packed corpus).
const MaxN = 1<<31 - 1

// readPoems reads poems.json and numbers the poems (without vectors yet).
func readPoems(ctx context.Context, path string) ([]Poem, error) {
	data, err := readFile(ctx, path, "poems file")
	if err != nil {
		return nil, err
	}
	var f poemsFile
	if err := decode(path, data, &f); err != nil {
		return nil, err
	}
	if f.Poems == nil {
		return nil, fmt.Errorf(`%s: no "poems" array: the file should look like {"metadata": {...}, "poems": [...]}`, path)
	}
	raw := *f.Poems
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s: the collection is empty: add poems to build a site", path)
	}
	byIndex := true
	for i := range raw {
		if raw[i].PoemIndex == nil {
			byIndex = false
		}
	}
	poems := make([]Poem, len(raw))
	var bad []string
	for i := range raw {
		p, err := raw[i].poem(i, byIndex)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		poems[i] = p
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: %s incomplete:\n  %s\nfix these fields, or regenerate the file", path, count(len(bad), "poem is", "poems are"), firstLines(bad))
	}
	if err := checkUnique(path, poems); err != nil {
		return nil, err
	}
	return poems, nil
}

// poem checks the required fields of the poem at position i (0-based).
func (r *poemJSON) poem(i int, byIndex bool) (Poem, error) {
	at := fmt.Sprintf("poems[%d]", i)
	var missing []string
	if r.ID == nil {
		missing = append(missing, `"id"`)
	}
	if r.Category == nil {
		missing = append(missing, `"category"`)
	}
	if r.Content == nil {
		missing = append(missing, `"content"`)
	}
	if len(missing) > 0 {
		return Poem{}, fmt.Errorf("%s has no %s", at, strings.Join(missing, ", "))
	}
	p := Poem{N: i + 1, Category: *r.Category, ID: *r.ID, Content: *r.Content}
	if r.PoemIndex != nil {
		p.index = *r.PoemIndex
	}
	if byIndex {
		if *r.PoemIndex < 1 || *r.PoemIndex > MaxN {
			return Poem{}, fmt.Errorf("%s (%s) has poem_index %d; poem_index runs from 1 to %d", at, p.safeLabel(), *r.PoemIndex, MaxN)
		}
		p.N = int(*r.PoemIndex)
	}
	if r.CreationDate != nil && *r.CreationDate != "" {
		d, err := parseDate(*r.CreationDate)
		if err != nil {
			return Poem{}, fmt.Errorf("%s (%s): %s", at, p.Ref(), dateProblem(*r.CreationDate, err))
		}
		p.Date = d
	}
	if r.ContentWarning != nil {
		p.ContentWarning = *r.ContentWarning
	}
	if r.Metadata.IsGoldenPoem != nil {
		p.Golden = *r.Metadata.IsGoldenPoem
	}
	return p, nil
}

// checkUnique refuses two poems with the same number (only possible with poem_index).
func checkUnique(path string, poems []Poem) error {
	first := make(map[int]*Poem, len(poems))
	var dup []string
	for i := range poems {
		p := &poems[i]
		if q, ok := first[p.N]; ok {
			dup = append(dup, fmt.Sprintf("poem_index %d is used by %s and by %s", p.N, q.safeLabel(), p.safeLabel()))
			continue
		}
		first[p.N] = p
	}
	if len(dup) > 0 {
		return fmt.Errorf("%s: %s:\n  %s\ngive every poem its own poem_index, or remove poem_index from all poems to number them by position",
			path, count(len(dup), "duplicate poem_index", "duplicate poem_index values"), firstLines(dup))
	}
	return nil
}

// firstLines joins the first few problems, one a line, saying how many more there are.
func firstLines(lines []string) string {
	const shown = 5
	if len(lines) <= shown {
		return strings.Join(lines, "\n  ")
	}
	return strings.Join(lines[:shown], "\n  ") + fmt.Sprintf("\n  … and %d more", len(lines)-shown)
}
