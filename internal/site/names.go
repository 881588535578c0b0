package site

// IsPageName reports whether name, relative to a site and slash-separated,
// is named as the site's pages are (similar/N.html, different/N-c.html,
// chronological-c.html, index.html), exactly as Name spells them, whatever
// the corpus and settings: similar/001.html and notes.html are not.
func IsPageName(name string) bool {
	_, _, ok := parseName(name)
	return ok
}

// Has reports whether the layout has a file named name (relative to the site).
func (l Layout) Has(name string) bool {
	_, _, ok := l.Parse(name)
	return ok
}
