package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"pagegen/internal/site/orderings"
	"pagegen/internal/synth"
)

// everyday times the poet's everyday loop on the site for Neocities that
// publish has just built in out (in whole): a typo, a new poem, ten, a poem
// taken out, each an edit of a copy of the inputs built by the same make
// command, against the whole build's time; and what each rewrote. Each edit
// is undone (and built, untimed) before the next.
func (b *bench) everyday(out string, whole time.Duration) error {
	dir := b.scratch("everyday")
	defer os.RemoveAll(dir)
	restore := func() error {
		for _, f := range b.inputFiles() {
			data, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := restore(); err != nil {
		return err
	}
	build := func() (time.Duration, string, error) {
		return b.timed(b.makeIn(dir, out, append([]string{"-j2", "all"}, neocitiesVars...)...))
	}
	if _, _, err := build(); err != nil { // the copies: nothing to build
		return err
	}
	typical, most, err := b.shownPoems()
	if err != nil {
		return err
	}
	n := b.cli.Poems
	grow := func(k int) func() error {
		return func() error {
			return synth.Write(dir, synth.Options{Poems: n + k, Dim: b.cli.Dim, TextBytes: synthText, Clusters: synthClusters, Seed: synthSeed})
		}
	}
	b.t.section(fmt.Sprintf("The everyday loop on the site for %s: an edit, then the same `make -j2 all %s`, against the whole build (%s)",
		neocities.Title, strings.Join(neocitiesVars, " "), dur(whole)))
	for _, e := range []struct {
		what   string
		target float64 // of the whole build's time
		edit   func() error
		files  float64 // rewritten, of the site: a target when > 0
	}{
		{"a typo in one poem", 0.06, func() error { return editLine(dir, "poems.json", n/2, `"content": "`, `"content": "amen `) }, 0},
		{"one new poem (among the others, dated in the newest poem's year or before)", 0.15, grow(1), 0.10},
		{"ten new poems", 0.30, grow(10), 0},
		{fmt.Sprintf("one poem taken out: poem %d, shown in %s (the median poem)", typical.n, typical.shown), 0.15, func() error { return dropPoem(dir, typical.n) }, 0},
		{fmt.Sprintf("one poem taken out: poem %d, shown in %s (the most shown)", most.n, most.shown), 0, func() error { return dropPoem(dir, most.n) }, 0},
	} {
		if err := e.edit(); err != nil {
			return fmt.Errorf("%s: %w", e.what, err)
		}
		took, said, err := build()
		if err != nil {
			return err
		}
		b.checkRebuild(said, e.what)
		s := summaryOf(said)
		share := took.Seconds() / whole.Seconds()
		result := fmt.Sprintf("%s, %.1f%% of the whole build; %s of %s files rewritten (%s), %s orderings run",
			dur(took), 100*share, s.updated, s.files, s.bytes, s.ran)
		if e.target == 0 {
			b.t.add(e.what, "%s", result)
		} else {
			b.t.check(e.what, result, fmt.Sprintf("≤ %.0f%%", 100*e.target), share <= e.target)
		}
		if e.files > 0 {
			rewritten := float64(count(s.updated)) / float64(count(s.files))
			b.t.check("… files it rewrote, of the site", fmt.Sprintf("%.2f%%", 100*rewritten), fmt.Sprintf("≤ %.0f%%", 100*e.files), rewritten <= e.files)
		}
		if err := restore(); err != nil {
			return err
		}
		if _, _, err := build(); err != nil {
			return err
		}
	}
	return nil
}

// The synthetic collection's settings, as make bench and the Go benchmarks
// make it.
const (
	synthText     = 1100
	synthClusters = 40
	synthSeed     = 1
)

// summary is what a build's summary says it did.
type summary struct{ updated, files, bytes, ran string }

var (
	updatedRE = regexp.MustCompile(`updated ([0-9,]+) of ([0-9,]+) files \(([^)]*)\)`)
	ranRE     = regexp.MustCompile(`([0-9,]+) orderings? run`)
)

func summaryOf(said string) summary {
	s := summary{updated: "0", files: "?", bytes: "0 B", ran: "0"}
	if m := updatedRE.FindStringSubmatch(said); m != nil {
		s.updated, s.files, s.bytes = m[1], m[2], m[3]
	}
	if m := ranRE.FindStringSubmatch(said); m != nil {
		s.ran = m[1]
	}
	return s
}

// count reads a number written with thousands separators; 0 if it is none.
func count(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

// editLine replaces old with new in the line of poem i (from 0) of a file
// of synth's, which has one poem a line after a line of metadata.
func editLine(dir, name string, i int, old, new string) error {
	return editLines(dir, name, func(lines []string) ([]string, error) {
		if !strings.Contains(lines[i+2], old) {
			return nil, fmt.Errorf("line %d of %s has no %q", i+3, name, old)
		}
		lines[i+2] = strings.Replace(lines[i+2], old, new, 1)
		return lines, nil
	})
}

// dropPoem takes poem n out of the poems and the embeddings, which keep
// their poem_index numbers.
func dropPoem(dir string, n int) error {
	for _, f := range []struct{ name, key string }{
		{"poems.json", `"poem_index": %d,`},
		{"embeddings.json", `"poem_index":%d,`}, // as package input writes it
	} {
		err := editLines(dir, f.name, func(lines []string) ([]string, error) {
			i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, fmt.Sprintf(f.key, n)) })
			if i < 0 {
				return nil, fmt.Errorf("%s has no poem %d", f.name, n)
			}
			if !strings.HasSuffix(lines[i], ",") { // the last: the one before it is now
				lines[i-1] = strings.TrimSuffix(lines[i-1], ",")
			}
			return slices.Delete(lines, i, i+1), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func editLines(dir, name string, fn func([]string) ([]string, error)) error {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines, err := fn(strings.Split(string(data), "\n"))
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

// shown is a poem and the orderings that show it.
type shown struct {
	n     int
	shown string
}

// shownPoems are the poem shown in the median number of the site's kept
// orderings, and the one shown in the most, from the build's record of
// them. A walk takes some poems at almost every anchor (the poems least
// like the rest): taking one of those out runs every walk again.
func (b *bench) shownPoems() (typical, most shown, err error) {
	r, err := orderings.Read(orderings.Path(b.corpus))
	if err != nil {
		return typical, most, err
	}
	var counts [2][]int
	for k, kept := range r.Kept {
		counts[k] = make([]int, len(r.Poems))
		for _, o := range kept {
			for j, p := range o.Seq {
				if j > 0 { // not the anchor
					counts[k][p]++
				}
			}
		}
	}
	byCount := make([]int, len(r.Poems))
	for i := range byCount {
		byCount[i] = i
	}
	total := func(i int) int { return counts[0][i] + counts[1][i] }
	slices.SortStableFunc(byCount, func(a, b int) int { return total(a) - total(b) })
	say := func(i int) shown {
		return shown{int(r.Poems[i].N), fmt.Sprintf("%d similar orderings and %d walks", counts[0][i], counts[1][i])}
	}
	return say(byCount[len(byCount)/2]), say(byCount[len(byCount)-1]), nil
}
