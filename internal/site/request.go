package site

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"pagegen/internal/budget"
	"pagegen/internal/render"
)

// Request is the site's shape as the user asked for it, in make's
// variables: PER_PAGE and CHAPTERS (0: unset, CHAPTERS then as many as fit
// the budget, or all), and the budget as given. A site remembers its request
// in its stamp and is laid out from it again at every build, so that a
// growing collection keeps growing on the site: as many chapters as fit now,
// not as many as fitted last time.
type Request struct {
	Settings
	Budget budget.Settings
}

// Given reports whether r asks for anything: a build given nothing builds
// the site as its stamp remembers it.
func (r Request) Given() bool { return r != Request{} }

// Check refuses a request that lays out no site, whatever the corpus.
func (r Request) Check() error {
	if err := r.Settings.Check(); err != nil {
		return err
	}
	_, err := budget.Parse(r.Budget)
	return err
}

// vars are the request's make variables, in the stamp's order.
func (r Request) vars() [][2]string {
	count := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return [][2]string{{"PER_PAGE", count(r.PerPage)}, {"CHAPTERS", count(r.Chapters)},
		{"HOST", r.Budget.Host}, {"QUOTA", r.Budget.Quota}, {"MAX_FILES", r.Budget.MaxFiles}, {"MAX_FILE_SIZE", r.Budget.MaxFileSize}}
}

// String is the request as make variables, for people: the ones set.
func (r Request) String() string {
	var set []string
	for _, v := range r.vars() {
		if v[1] != "" {
			set = append(set, v[0]+"="+v[1])
		}
	}
	if len(set) == 0 {
		return "whole pages, no budget"
	}
	return strings.Join(set, " ")
}

// stampHead begins every stamp.
const stampHead = "pagegen site\n"

// Stamp is the content of the site's stamp for this plan: the page format,
// the request it was laid out from, and what the layout made of it. It
// changes only when one of those does: then every page is checked again.
func (p Plan) Stamp() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sformat %d\n", stampHead, render.FormatVersion)
	for _, v := range p.Request.vars() {
		fmt.Fprintf(&b, "%s=%s\n", v[0], v[1])
	}
	if p.count == 1 && p.settings.PerPage == 0 {
		b.WriteString("laid out: whole pages\n")
	} else {
		fmt.Fprintf(&b, "laid out: %d poems a chapter, %d chapters of each ordering kept\n", p.per, p.kept)
	}
	return b.String()
}

// LastBuilt is what the site in out was last built with, read from its
// stamp: the request, and the chapters of each ordering it kept (0 for whole
// pages). ok is false when it has no stamp that says.
func LastBuilt(out string) (r Request, kept int, ok bool) {
	b, err := readSmall(filepath.Join(out, StampName))
	if err != nil || !strings.HasPrefix(string(b), stampHead) {
		return r, 0, false
	}
	vars := map[string]*string{"HOST": &r.Budget.Host, "QUOTA": &r.Budget.Quota, "MAX_FILES": &r.Budget.MaxFiles, "MAX_FILE_SIZE": &r.Budget.MaxFileSize}
	counts := map[string]*int{"PER_PAGE": &r.PerPage, "CHAPTERS": &r.Chapters,
		// The stamps of format 3 and before said what the layout was, not what was asked.
		"per-page": &r.PerPage, "chapters": &r.Chapters}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if old, ov, found := strings.Cut(line, " "); found && counts[old] != nil {
			k, v = old, ov
		}
		switch {
		case vars[k] != nil:
			*vars[k] = v
		case counts[k] != nil && v != "" && v != "whole":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return Request{}, 0, false
			}
			*counts[k] = n
		case k == "laid out: whole pages":
			kept = 0
		case strings.HasPrefix(k, "laid out: "):
			if _, err := fmt.Sscanf(k, "laid out: %d poems a chapter, %d chapters", new(int), &kept); err != nil {
				return Request{}, 0, false
			}
		}
	}
	if r.PerPage == 0 {
		r.Chapters = 0
	}
	return r, kept, true
}

// readSmall reads a small file of the build's (a stamp), refusing anything
// else at its path: a folder, a FIFO (which would block), a huge file.
func readSmall(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > 64<<10 {
		return nil, fmt.Errorf("%s is not a file the build wrote (%s, %d bytes): move it away", path, fi.Mode().Type(), fi.Size())
	}
	return os.ReadFile(path)
}
