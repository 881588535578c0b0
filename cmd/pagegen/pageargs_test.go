package main

import (
	"testing"

	"pagegen/internal/site"
)

// TestPageArgs: the page processes' command line (mk/site.mk's write_seq)
// is read without kong; anything else is left to kong.
func TestPageArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
		q    site.Seq
	}{
		{[]string{"--corpus", "c.bin", "similar", "12", "--out", "pages"}, true, site.Seq{Kind: site.Similar, N: 12}},
		{[]string{"--corpus", "c.bin", "different", "7", "--out", "pages"}, true, site.Seq{Kind: site.Different, N: 7}},
		{[]string{"--corpus", "c.bin", "chronological", "--out", "pages"}, true, site.Seq{Kind: site.Chrono}},
		// As mk/site.mk writes them: --flag=value.
		{[]string{"--corpus=c.bin", "different", "9", "--out=pages", "--write=2 3"}, true, site.Seq{Kind: site.Different, N: 9}},
		{[]string{"--corpus", "c.bin", "index", "--out", "pages"}, true, site.Seq{Kind: site.Index}},
		{[]string{"--corpus", "c.bin", "similar", "3", "--out", "pages", "--write", "2 5"}, true, site.Seq{Kind: site.Similar, N: 3}},
		{[]string{"--corpus", "c.bin", "similar", "3", "--out", "pages", "--write"}, false, site.Seq{}},
		// Left to kong: its help, its messages, and any other order.
		{[]string{"similar", "12", "--out", "pages"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "similar", "12", "--out", "pages", "--per-page", "100"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "similar", "12", "--out"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "similar", "012", "--out", "pages"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "similar", "-1", "--out", "pages"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "similar", "12", "--out", "pages", "--help"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "build", "--out", "pages"}, false, site.Seq{}},
		{[]string{"--corpus", "c.bin", "index", "--help"}, false, site.Seq{}},
		{[]string{"--help"}, false, site.Seq{}},
	} {
		corpus, q, f, ok := pageArgs(tc.args)
		if ok != tc.ok || (ok && (q != tc.q || corpus != "c.bin" || f.Out != "pages")) {
			t.Errorf("pageArgs(%q) = %q, %+v, %+v, %v; want %+v, %v", tc.args, corpus, q, f, ok, tc.q, tc.ok)
		}
	}
}
