package site

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"pagegen/internal/atomicfile"
	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/quote"
	"pagegen/internal/render"
	"pagegen/internal/site/orderings"
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
// the request it was laid out from, what the layout made of it, and which
// corpus's folder keeps the record of the site's orderings (a digest of its
// path). It changes only when one of those does: then every page is checked
// again. (A corpus that changes in its folder keeps the stamp: its record
// says what changed. A site built from another corpus since has another
// stamp: else the first corpus, whose record still matched, took the other's
// pages for its own.)
func (p Plan) Stamp() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sformat %d\n", stampHead, render.FormatVersion)
	fmt.Fprintf(&b, "orderings %x\n", p.origin())
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

// origin names the record of the orderings the site is built with: a
// digest of its absolute path, which the stamp need not show.
func (p Plan) origin() []byte {
	corpus := cmp.Or(p.Origin, p.c.Path())
	record, err := filepath.Abs(orderings.Path(corpus))
	if err != nil {
		record = orderings.Path(corpus)
	}
	sum := sha256.Sum256([]byte(record))
	return sum[:8]
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

// LaidOut is the layout of c that the site in out was last laid out with,
// as its stamp says: the page writers of a build read the settings there,
// where the build wrote them before starting them. A folder without a
// stamp gets whole pages.
func LaidOut(c *corpus.Corpus, out string) (Layout, error) {
	var s Settings
	if r, kept, ok := LastBuilt(out); ok && r.PerPage > 0 {
		s = Settings{PerPage: r.PerPage, Chapters: kept}
	}
	return New(c, s)
}

// readSmall reads a small file of the build's in the site (the stamp, the
// record of a build), refusing anything else at its path: a folder, a FIFO
// (which would block), a link, a huge file.
func readSmall(path string) ([]byte, error) { return atomicfile.ReadSmall(path, recordMost) }

// recordMost bounds what is read of the site's stamp and build record: each
// is a few hundred bytes.
const recordMost = 4 << 10

// records are the site's own files in its folder and the marks they begin
// with (an older build's record began otherwise).
var records = []struct {
	name  string
	marks []string
}{
	{StampName, []string{stampHead}},
	{BuildingName, []string{"pagegen builds", "a pagegen build "}},
}

// checkRecords refuses a site whose stamp or build record is not one the
// build wrote: a pipe (a build would wait on it for ever), a link, a huge
// file, or one without its mark. The build would replace it.
func checkRecords(out string) error {
	for _, r := range records {
		path := filepath.Join(out, r.name)
		b, err := readSmall(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		// A file cut short in its first bytes is still the build's.
		if !slices.ContainsFunc(r.marks, func(m string) bool { return strings.HasPrefix(string(b), m) || strings.HasPrefix(m, string(b)) }) {
			return fmt.Errorf("%s does not hold what the build writes there: %w", quote.Name(path), atomicfile.ErrNotRegular)
		}
	}
	return nil
}
