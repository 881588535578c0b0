package site_test

import (
	"testing"

	"pagegen/internal/site"
)

func TestPageNames(t *testing.T) {
	l, err := site.New(tiny(t), site.Settings{PerPage: 5, Chapters: 2}) // poems 1 2 3 5 8 13 21 34 55 89 144 1000
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		page, has bool
	}{
		{"index.html", true, true},
		{"similar/1.html", true, true},
		{"different/1000-2.html", true, true},
		{"chronological-3.html", true, true},
		{"similar/4.html", true, false},       // a poem taken out
		{"similar/1-3.html", true, false},     // a chapter no longer kept
		{"chronological-4.html", true, false}, // a shorter chronology
		{"similar/001.html", false, false},    // the old site's names are the poet's
		{"similar/1.htm", false, false},
		{"notes.html", false, false},
		{"similar", false, false},
		{".pagegen-site", false, false},
		{"images/similar/1.html", false, false},
	} {
		if got := site.IsPageName(tc.name); got != tc.page {
			t.Errorf("IsPageName(%q) = %v, want %v", tc.name, got, tc.page)
		}
		if got := l.Has(tc.name); got != tc.has {
			t.Errorf("Has(%q) = %v, want %v", tc.name, got, tc.has)
		}
	}
}
