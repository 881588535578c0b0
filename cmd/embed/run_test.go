package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/embedding/embeddingtest"
	"pagegen/internal/exit"
	"pagegen/internal/input"
	"pagegen/internal/lock"
)

// collection is a poems file and the files embed writes, in a temporary folder.
type collection struct {
	t   testing.TB
	dir string
}

func newCollection(t testing.TB, contents ...string) *collection {
	c := &collection{t: t, dir: t.TempDir()}
	c.setPoems(contents...)
	return c
}

func (c *collection) path(name string) string { return filepath.Join(c.dir, name) }

// setPoems writes a poems file with one poem per content, numbered by position.
func (c *collection) setPoems(contents ...string) {
	type poem struct {
		ID       int    `json:"id"`
		Category string `json:"category"`
		Content  string `json:"content"`
	}
	var f struct {
		Poems []poem `json:"poems"`
	}
	for i, text := range contents {
		f.Poems = append(f.Poems, poem{ID: i + 1, Category: "notes", Content: text})
	}
	data, err := json.Marshal(f)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(c.path("poems.json"), data, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// embed runs the command against srv with extra flags.
func (c *collection) embed(ctx context.Context, srv *embeddingtest.Server, extra ...string) error {
	c.t.Helper()
	args := []string{"--poems", c.path("poems.json"), "--embeddings", c.path("embeddings.json"), "--colors", c.path("color_embeddings.json"),
		"--api", srv.API, "--url", srv.URL, "--model", srv.Model, "--batch", "4", "--jobs", "2", "--retries", "0", "--interval", "0"}
	return run(ctx, append(args, extra...))
}

// read reads the files written as corpus-pack does.
func (c *collection) read(allowMissing bool) (*input.Corpus, error) {
	return input.Read(input.Options{Poems: c.path("poems.json"), Embeddings: c.path("embeddings.json"),
		Colors: c.path("color_embeddings.json"), AllowMissing: allowMissing})
}

func (c *collection) modTimes() [2]time.Time {
	var ts [2]time.Time
	for i, name := range []string{"embeddings.json", "color_embeddings.json"} {
		fi, err := os.Stat(c.path(name))
		if err != nil {
			c.t.Fatal(err)
		}
		ts[i] = fi.ModTime()
	}
	return ts
}

// TestIncremental: every text is sent once per model, and the files are
// rewritten only when their contents change.
func TestIncremental(t *testing.T) {
	poems := []string{"first\npoem", "second poem", "first\npoem"} // the same text twice is sent once
	c := newCollection(t, poems...)
	srv := embeddingtest.New(t, "ollama", "gemma", nil)
	if err := c.embed(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if got := srv.Sent(); len(got) != len(input.Palette)+2 {
		t.Errorf("sent %d texts, want the 7 colours and the 2 distinct poems: %q", len(got), got)
	}
	corpus, err := c.read(false)
	if err != nil {
		t.Fatal(err)
	}
	if corpus.Model != "gemma" || corpus.Dimension != embeddingtest.Dim || len(corpus.Poems) != 3 || len(corpus.Colors) != len(input.Palette) {
		t.Fatalf("read model %q, dimension %d, %d poems, %d colours", corpus.Model, corpus.Dimension, len(corpus.Poems), len(corpus.Colors))
	}
	for i, p := range corpus.Poems {
		if !slices.Equal(p.Vector, embeddingtest.Vector(poems[i])) {
			t.Errorf("poem %d has %v, want the vector of its content exactly", p.N, p.Vector)
		}
	}

	before := c.modTimes()
	if err := c.embed(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Sent()); n != 9 || c.modTimes() != before {
		t.Errorf("a run with nothing new sent %d texts in all and rewrote the files (%v, was %v)", n-9, c.modTimes(), before)
	}

	more := append(poems, "3", "4", "5", "6", "7")
	c.setPoems(more...)
	if err := c.embed(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if got := srv.Sent()[9:]; !slices.Equal(got, more[3:]) {
		t.Errorf("after adding 5 poems, sent %q; want their 5 texts", got)
	}

	other := embeddingtest.New(t, "openai", "nomic", nil)
	if err := c.embed(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if got := len(other.Sent()); got != len(input.Palette)+7 {
		t.Errorf("another model was sent %d texts, want all 14", got)
	}
	if corpus, err := c.read(false); err != nil || corpus.Model != "nomic" {
		t.Errorf("after another model: %v, model %q", err, corpus.Model)
	}
}

// TestFailures: a poem that cannot be embedded has an error entry, and
// fails the run unless the site may do without it; a colour always fails it.
func TestFailures(t *testing.T) {
	tests := []struct {
		name      string
		text      string // the text the server refuses
		allow     bool
		want      []string // in the error; none: no error
		noColours bool     // the colours file is not written
	}{
		{name: "a poem", text: "too long", want: []string{"1 poem could not be embedded", "embeddings.json hold the error", "ALLOW_MISSING=1"}},
		{name: "a poem, ALLOW_MISSING", text: "too long", allow: true},
		{name: "a colour", text: "purple", want: []string{"1 colour word could not be embedded", "color_embeddings.json was not written", "COLOR_EMBEDDINGS="}, noColours: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollection(t, "fine", "too long", "also fine")
			srv := embeddingtest.New(t, "ollama", "gemma", embeddingtest.OnText(tt.text, http.StatusBadRequest, `{"error": "the input is too long"}`))
			var extra []string
			if tt.allow {
				extra = append(extra, "--allow-missing")
			}
			err := c.embed(context.Background(), srv, extra...)
			if len(tt.want) == 0 && err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
			_, statErr := os.Stat(c.path("color_embeddings.json"))
			if tt.noColours != errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("colours file: %v", statErr)
			}
			if tt.noColours {
				return
			}
			corpus, err := c.read(true)
			if err != nil {
				t.Fatal(err)
			}
			if len(corpus.Missing) != 1 || corpus.Missing[0].Ref() != "2 notes/2" || len(corpus.Poems) != 2 {
				t.Errorf("read %d poems, missing %v; want 2 notes/2 missing", len(corpus.Poems), corpus.Missing)
			}
			if _, err := c.read(false); err == nil || !strings.Contains(err.Error(), "HTTP 400: the input is too long") {
				t.Errorf("corpus-pack's reader says %v; want it to quote the server", err)
			}
		})
	}
}

// TestNotOurs: files the build did not make are never replaced.
func TestNotOurs(t *testing.T) {
	for _, name := range []string{"embeddings.json", "color_embeddings.json", ".embeddings.json.cache"} {
		t.Run(name, func(t *testing.T) {
			c := newCollection(t, "a poem")
			mine := []byte(`{"metadata": {"embedding_model": "from elsewhere"}, "embeddings": []}`)
			if err := os.WriteFile(c.path(name), mine, 0o644); err != nil {
				t.Fatal(err)
			}
			srv := embeddingtest.New(t, "ollama", "gemma", nil)
			err := c.embed(context.Background(), srv)
			if !errors.Is(err, atomicfile.ErrNotOurs) || !strings.Contains(err.Error(), "move") {
				t.Errorf("error %v; want one saying the file is not the build's, and what to do", err)
			}
			if data, _ := os.ReadFile(c.path(name)); string(data) != string(mine) {
				t.Errorf("%s was changed", name)
			}
			if len(srv.Sent()) > 0 {
				t.Errorf("texts were sent: %q", srv.Sent())
			}
		})
	}
}

// TestSamePathTwice: EMBEDDINGS and COLOR_EMBEDDINGS (or POEMS) naming one
// file, however spelled, are refused before anything is written: the
// colours would be written over the poems' vectors.
func TestSamePathTwice(t *testing.T) {
	c := newCollection(t, "a poem")
	srv := embeddingtest.New(t, "ollama", "gemma", nil)
	if err := c.embed(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(c.path("embeddings.json"))
	os.Symlink(c.path("embeddings.json"), c.path("link.json"))
	for _, extra := range [][]string{
		{"--colors", c.path("embeddings.json")},
		{"--colors", c.dir + "/./embeddings.json"},
		{"--colors", c.path("link.json")},
		{"--embeddings", c.path("poems.json")},
	} {
		err := c.embed(context.Background(), srv, extra...)
		if exit.Code(err) != exit.Usage || !strings.Contains(err.Error(), "are the same file") {
			t.Errorf("%q: %v; want a usage error saying they are the same file", extra, err)
		}
	}
	if after, _ := os.ReadFile(c.path("embeddings.json")); !slices.Equal(after, before) {
		t.Error("embeddings.json was written")
	}
}

// TestURLFromTheEnvironment: the server's address comes from EMBED_URL, as
// make passes it (not on the command line: it may hold a password); an
// empty one is the default (Ollama's address, or none with openai).
func TestURLFromTheEnvironment(t *testing.T) {
	c := newCollection(t, "a poem")
	srv := embeddingtest.New(t, "ollama", "gemma", nil)
	t.Setenv("EMBED_URL", srv.URL)
	args := []string{"--poems", c.path("poems.json"), "--embeddings", c.path("embeddings.json"), "--colors", c.path("color_embeddings.json"),
		"--model", "gemma", "--interval", "0"}
	if err := run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if len(srv.Sent()) == 0 {
		t.Error("nothing was sent to the server in EMBED_URL")
	}
	t.Setenv("EMBED_URL", "")
	if err := run(context.Background(), append(args, "--api", "openai")); exit.Code(err) != exit.Usage || !strings.Contains(err.Error(), "set EMBED_URL") {
		t.Errorf("an empty EMBED_URL with openai: %v; want a usage error saying to set EMBED_URL", err)
	}
}

// TestSettings: settings that cannot work are usage errors that say what to set.
func TestSettings(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--api", "openai"}, "set EMBED_URL"},
		{[]string{"--api", "openai", "--url", "http://localhost:8080"}, "set EMBED_MODEL"},
		{[]string{"--url", "localhost:11434"}, "not a server's address"},
		{[]string{"--url", "http://poet:hunter2@[::1"}, `"http://xxxxx@[::1" is not a server's address`},
		{[]string{"--batch", "0"}, "EMBED_BATCH"},
		{[]string{"--timeout", "0s"}, "EMBED_TIMEOUT"},
		{[]string{"--api", "grpc"}, "--api"},
	} {
		err := run(context.Background(), tt.args)
		if exit.Code(err) != exit.Usage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v (exit %d); want a usage error saying %q", tt.args, err, exit.Code(err), tt.want)
		}
	}
}

// TestKey: the key comes from the environment; OPENAI_API_KEY goes only to
// an OpenAI-style server.
func TestKey(t *testing.T) {
	for _, tt := range []struct {
		api, embedKey, openAIKey, want string
	}{
		{"ollama", "", "sk-openai", ""},
		{"ollama", "k-embed", "sk-openai", "Bearer k-embed"},
		{"openai", "", "sk-openai", "Bearer sk-openai"},
		{"openai", "k-embed", "sk-openai", "Bearer k-embed"},
	} {
		t.Setenv("EMBED_API_KEY", tt.embedKey)
		t.Setenv("OPENAI_API_KEY", tt.openAIKey)
		srv := embeddingtest.New(t, tt.api, "m", nil)
		if err := newCollection(t, "a poem").embed(context.Background(), srv); err != nil {
			t.Fatal(err)
		}
		if got := srv.Auth()[0]; got != tt.want {
			t.Errorf("%s with EMBED_API_KEY=%q OPENAI_API_KEY=%q: Authorization %q, want %q", tt.api, tt.embedKey, tt.openAIKey, got, tt.want)
		}
	}
}

// TestInterrupt: Ctrl+C keeps what was embedded, writes no file, and the
// next run sends only the rest.
func TestInterrupt(t *testing.T) {
	var poems []string
	for i := range 20 {
		poems = append(poems, fmt.Sprintf("poem %d", i))
	}
	c := newCollection(t, poems...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := embeddingtest.New(t, "ollama", "gemma", func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		if n < 3 {
			return false
		}
		cancel() // Ctrl+C while this request waits for its reply
		<-r.Context().Done()
		return true
	})
	if err := c.embed(ctx, srv, "--jobs", "1"); !errors.Is(err, exit.ErrInterrupted) {
		t.Fatalf("error %v; want interrupted", err)
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".embeddings.json.cache", lock.Name, "poems.json"}; !slices.Equal(names, want) {
		t.Errorf("after Ctrl+C the folder holds %q, want %q", names, want)
	}
	sent := len(srv.Sent())
	srv.Fault = nil
	if err := c.embed(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if again := srv.Sent()[sent:]; len(again) != 27-8 {
		t.Errorf("the next run sent %d texts, want the 19 not embedded before (27 less the 2 replies of 4)", len(again))
	}
}
