package deploy

import (
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode"

	"pagegen/internal/amount"
	"pagegen/internal/budget"
	"pagegen/internal/neocities"
)

// Plan is what a deploy does to the site on the host.
type Plan struct {
	Dir     string  // the folder of the host's site the site lives in ("": its root)
	New     []Local // files the host does not have
	Changed []Local // files the host has with other bytes
	Same    int     // files the host has as they are
	// SameBytes is their size.
	SameBytes int64
	// Prune is the host's files (paths from its root) that are named as the
	// site's pages are and that the site no longer has: removed once every
	// file is sent.
	Prune []string
	// Others is the host's files that are not the site's (the poet's other
	// pages and images, files of other names in Dir): they stay as they are.
	Others []neocities.File
	// After is what the host's site holds once the deploy is done.
	After budget.Need
	// Skipped is the files of the site that are not sent, and why.
	Skipped []string
	// Hashed and HashedBytes are the files read to hash them this time
	// (the rest were known by the hash cache).
	Hashed      int
	HashedBytes int64
}

// CleanDir checks DEPLOY_DIR and gives it as the API names folders:
// relative to the site's root, without slashes around it.
func CleanDir(dir string) (string, error) {
	d := strings.Trim(dir, "/")
	if d == "" {
		return "", nil
	}
	for _, part := range strings.Split(d, "/") {
		if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") || strings.ContainsFunc(part, unicode.IsControl) || strings.ContainsRune(part, '\\') {
			return "", fmt.Errorf("DEPLOY_DIR=%q is not a folder of the site: give one such as poems or poems/meaning (no . or .. parts, no hidden folders)", dir)
		}
	}
	return d, nil
}

// compareNames orders the files to send: by name, but the site's
// index.html last, the page that leads to the others.
func compareNames(a, b string) int {
	if ia, ib := a == "index.html", b == "index.html"; ia != ib {
		if ia {
			return 1
		}
		return -1
	}
	return strings.Compare(a, b)
}

// makePlan compares the site's files (hashed) with the host's list. stale
// reports whether a name in the site is one of its own pages that it no
// longer has: the host's file of that name, under dir, is pruned. Nothing
// else on the host is, and no folder ever.
func makePlan(local []Local, remote []neocities.File, dir string, stale func(name string) bool) *Plan {
	p := &Plan{Dir: dir}
	have := make(map[string]neocities.File, len(remote))
	dirs := map[string]bool{}
	for _, f := range remote {
		if f.IsDirectory {
			dirs[f.Path] = true
		} else {
			have[f.Path] = f
		}
	}
	ours := make(map[string]bool, len(local))
	for _, l := range local {
		ours[l.Name] = true
		r, ok := have[joinDir(dir, l.Name)]
		switch {
		case !ok:
			p.New = append(p.New, l)
		case r.SHA1 != l.SHA1:
			p.Changed = append(p.Changed, l)
		default:
			p.Same++
			p.SameBytes += l.Size
		}
		p.After.Bytes += l.Size
		p.After.Largest = max(p.After.Largest, l.Size)
		for d := path.Dir(joinDir(dir, l.Name)); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, f := range remote {
		if f.IsDirectory {
			continue
		}
		name, under := f.Path, true
		if dir != "" {
			name, under = strings.CutPrefix(f.Path, dir+"/")
		}
		switch {
		case under && ours[name]:
		case under && stale(name):
			p.Prune = append(p.Prune, f.Path)
		default:
			p.Others = append(p.Others, f)
			p.After.Bytes += f.Size
		}
	}
	p.After.Files = len(local) + len(p.Others)
	p.After.Dirs = len(dirs)
	for _, s := range [][]Local{p.New, p.Changed} {
		slices.SortFunc(s, func(a, b Local) int { return compareNames(a.Name, b.Name) })
	}
	slices.Sort(p.Prune)
	slices.SortFunc(p.Others, func(a, b neocities.File) int { return strings.Compare(a.Path, b.Path) })
	return p
}

// Sends reports whether the plan sends or removes anything.
func (p *Plan) Sends() bool { return len(p.New)+len(p.Changed)+len(p.Prune) > 0 }

// Fit checks the host's site after the deploy against b: nil when it fits,
// else an error with the numbers.
func (p *Plan) Fit(b budget.Budget) error {
	over := b.Over(p.After)
	if len(over) == 0 {
		return nil
	}
	return fmt.Errorf("the site on Neocities would not fit %s after this deploy: %s (the site's %s and %s already there that stay). Nothing was sent: build a smaller site (make size shows its plan; e.g. fewer CHAPTERS), or make room on Neocities",
		b, strings.Join(over, " and "), amount.Of(p.After.Files-len(p.Others), "file"), amount.Of(len(p.Others), "other file"))
}

// Report writes the plan for people: counts, bytes and a few names of each kind.
func (p *Plan) Report(w io.Writer, where string, b budget.Budget) {
	fmt.Fprintf(w, "pagegen: the plan for %s:\n", where)
	line := func(what, noun string, n int, bytes int64, names []string) {
		if n == 0 {
			return
		}
		fmt.Fprintf(w, "  %-12s %s", what, amount.Of(n, noun))
		if bytes >= 0 {
			fmt.Fprintf(w, " (%s)", amount.Bytes(bytes))
		}
		switch {
		case len(names) == n:
			fmt.Fprintf(w, ": %s", strings.Join(names, ", "))
		case len(names) > 0:
			fmt.Fprintf(w, ", e.g. %s", strings.Join(names, ", "))
		}
		fmt.Fprintln(w)
	}
	name := func(l Local) string { return l.Name }
	line("new:", "file", len(p.New), sum(p.New), few(p.New, name))
	line("changed:", "file", len(p.Changed), sum(p.Changed), few(p.Changed, name))
	line("unchanged:", "file", p.Same, p.SameBytes, nil)
	line("to remove:", "page", len(p.Prune), -1, few(p.Prune, func(s string) string { return s }))
	var others int64
	for _, f := range p.Others {
		others += f.Size
	}
	line("left alone:", "other file", len(p.Others), others, few(p.Others, func(f neocities.File) string { return f.Path }))
	line("skipped:", "file", len(p.Skipped), -1, few(p.Skipped, func(s string) string { return s }))
	verdict := ""
	if b.Limited() {
		verdict = ": fits " + b.String()
		if len(b.Over(p.After)) > 0 {
			verdict = ": does NOT fit " + b.String()
		}
	}
	fmt.Fprintf(w, "  %-12s %s and %s, %s%s\n", "afterwards:", amount.Of(p.After.Files, "file"), amount.Of(p.After.Dirs, "folder"), amount.Bytes(p.After.Bytes), verdict)
}

// sum is the bytes of files.
func sum(files []Local) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}

// few names the first three of items, and says how many more there are.
func few[T any](items []T, name func(T) string) []string {
	var names []string
	for _, it := range items[:min(3, len(items))] {
		names = append(names, name(it))
	}
	if len(items) > 3 {
		names[len(names)-1] += fmt.Sprintf(" and %d more", len(items)-3)
	}
	return names
}
