package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pagegen/internal/exit"
	"pagegen/internal/pack/packtest"
)

// TestRun runs pagegen's commands in process, as main does, and checks each
// outcome's exit status and message (README, Exit statuses).
func TestRun(t *testing.T) {
	corpus := packtest.Sample(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "site")
	notSite := filepath.Join(dir, "mine")
	os.MkdirAll(notSite, 0o755)
	os.WriteFile(filepath.Join(notSite, "index.html"), []byte("my page"), 0o644)
	build := func(out string, goals ...string) []string {
		return append([]string{"--corpus", corpus, "build", "--out", out, "--poems", "poems.json", "--embeddings", "embeddings.json",
			"--pages-mk", filepath.Join(dir, "pages.mk"), "--"}, goals...)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in the error's message
	}{
		{"help", []string{"--help"}, exit.OK, ""},
		{"unknown flag", []string{"--bogus"}, exit.Usage, "unknown flag --bogus"},
		{"no command", nil, exit.Usage, "expected one of"},
		{"poem not a number", []string{"--corpus", corpus, "similar", "x", "--out", out}, exit.Usage, "<n>"},
		{"no corpus", []string{"--corpus", filepath.Join(dir, "none.bin"), "similar", "1", "--out", out}, exit.Failed, "make corpus"},
		{"poem not in the corpus", []string{"--corpus", corpus, "similar", "9999", "--out", out}, exit.Failed, "poem 9999 is not in the corpus (its poems are numbered 1 to 206"},
		{"a page", []string{"--corpus", corpus, "similar", "3", "--out", out}, exit.OK, ""},
		{"a chronology", []string{"--corpus", corpus, "chronological", "--out", out}, exit.OK, ""},
		{"a goal that is no page", build(out, "similar/0.html"), exit.Usage, "similar/0.html is not a page"},
		{"a build into the user's folder", build(notSite, "all"), exit.Failed, "is not a site pagegen made"},
		{"clean of the user's folder", []string{"--corpus", corpus, "clean", "--out", notSite}, exit.Failed, "it is left as it is"},
		{"clean of the similar pages in the user's folder", []string{"--corpus", corpus, "clean", "--out", notSite, "--only", "similar"}, exit.Failed, "it is left as it is"},
		{"clean of the index alone", []string{"--corpus", corpus, "clean", "--out", out, "--only", "index"}, exit.Usage, "must be one of"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRun(t, tc.args, tc.code, tc.want) })
	}
	// make's modes that the build does not take: make passes them in MAKEFLAGS.
	for makeflags, want := range map[string]string{
		"t":          "make -t would take the pages for built",
		"q -- OUT=x": "make -q cannot ask",
	} {
		t.Run("MAKEFLAGS="+makeflags, func(t *testing.T) {
			t.Setenv("MAKEFLAGS", makeflags)
			checkRun(t, build(out, "all"), exit.Usage, want)
		})
	}
	if _, err := os.Stat(filepath.Join(out, "similar", "3.html")); err != nil {
		t.Errorf("similar 3 wrote no page: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(notSite, "index.html")); string(b) != "my page" {
		t.Errorf("the user's page now holds %q", b)
	}
}

// checkRun runs pagegen with args in process, as main does, and checks the
// exit status and that the error says want.
func checkRun(t *testing.T, args []string, code int, want string) {
	t.Helper()
	err := run(context.Background(), args)
	if got := exit.Code(err); got != code {
		t.Errorf("exit status %d (%v), want %d", got, err, code)
	}
	if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
		t.Errorf("error %v, want it to say %q", err, want)
	}
}
