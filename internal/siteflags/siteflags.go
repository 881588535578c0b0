// Package siteflags is the site's shape and budget as make passes them to
// the commands (PER_PAGE, CHAPTERS, HOST, QUOTA, MAX_FILES, MAX_FILE_SIZE),
// and the site they lay out: pagegen build and make deploy take the same.
package siteflags

import (
	"fmt"
	"strconv"
	"strings"

	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/exit"
	"pagegen/internal/quote"
	"pagegen/internal/site"
)

// Shape are the settings that shape the site's files, as make passes them
// (empty: unset).
type Shape struct {
	PerPage  string `name:"per-page" placeholder:"K" help:"Entries a chapter (PER_PAGE); empty: whole pages."`
	Chapters string `placeholder:"M" help:"Chapters kept of each similar and different ordering (CHAPTERS); empty: all, or as many as fit the budget."`
}

// Budget bound the site (HOST, QUOTA, MAX_FILES, MAX_FILE_SIZE).
type Budget struct {
	Host        string `help:"A known host whose limits bound the site: neocities, neocities-free, github-pages, gitlab-pages, cloudflare-pages."`
	Quota       string `placeholder:"BYTES" help:"Bytes the site may take, e.g. 50G."`
	MaxFiles    string `placeholder:"N" help:"Files (and directories, with a host that counts them) the site may have."`
	MaxFileSize string `placeholder:"BYTES" help:"Bytes one file may take, e.g. 25MiB."`
}

// settings reads the flags.
func (f Shape) settings() (site.Settings, error) {
	var s site.Settings
	var err error
	if s.PerPage, err = count("PER_PAGE", f.PerPage); err != nil {
		return s, err
	}
	s.Chapters, err = count("CHAPTERS", f.Chapters)
	return s, err
}

// count reads a make variable that holds a count; empty or 0 is unset.
func count(name, v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, exit.UsageError(fmt.Errorf("%s=%s: give a whole number of 1 or more, e.g. %s=100, or leave it out", name, quote.Name(v), name))
	}
	return n, nil
}

// request is what the flags ask of the site's shape; given none at all, the
// site in out is built as its stamp remembers (make similar/12.html, or a
// plain make all, after a make all PER_PAGE=100 HOST=neocities); PER_PAGE=0
// asks for whole pages.
func request(sf Shape, bf Budget, out string) (site.Request, error) {
	if sf == (Shape{}) && bf == (Budget{}) {
		if r, _, ok := site.LastBuilt(out); ok {
			return r, nil
		}
	}
	s, err := sf.settings()
	return site.Request{Settings: s, Budget: budget.Settings{Host: bf.Host, Quota: bf.Quota, MaxFiles: bf.MaxFiles, MaxFileSize: bf.MaxFileSize}}, err
}

// Fit lays out the site of c as the flags ask, or as the site in out
// remembers, within the budget: choosing CHAPTERS if asked.
func Fit(c *corpus.Corpus, sf Shape, bf Budget, out string) (site.Plan, error) {
	r, err := request(sf, bf, out)
	if err != nil {
		return site.Plan{}, err
	}
	if err := r.Check(); err != nil {
		return site.Plan{}, exit.UsageError(err)
	}
	return site.FitRequest(c, r)
}
