package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fatih/color"

	"pagegen/internal/amount"
	"pagegen/internal/atomicfile"
	"pagegen/internal/embedding"
	"pagegen/internal/exit"
	"pagegen/internal/input"
	"pagegen/internal/lock"
	"pagegen/internal/progress"
	"pagegen/internal/quote"
)

// What a poet with Ollama at home gets without saying more.
const (
	ollamaURL   = "http://localhost:11434"
	ollamaModel = "embeddinggemma"
)

// Pauses between retries, and how long a server may fail every request
// before the run stops.
var (
	backoff = embedding.Backoff{Base: 500 * time.Millisecond, Most: 30 * time.Second}
	giveUp  = 5 * time.Minute
)

// embedPoems embeds the poems' contents and the colour words that the
// cache does not have for the model, and writes the two files when their
// contents change.
func embedPoems(ctx context.Context, cli *CLI) error {
	if err := progress.CheckInterval(cli.Interval); err != nil {
		return exit.UsageError(err)
	}
	server, err := cli.server()
	if err != nil {
		return exit.UsageError(err)
	}
	if err := distinct([][2]string{{"POEMS", cli.Poems}, {"EMBEDDINGS", cli.Embeddings}, {"COLOR_EMBEDDINGS", cli.Colors}}); err != nil {
		return exit.UsageError(err)
	}
	outputs := map[string]string{"EMBEDDINGS": cli.Embeddings}
	dirs := []string{filepath.Dir(cli.Embeddings)}
	if cli.Colors != "" {
		outputs["COLOR_EMBEDDINGS"] = cli.Colors
		dirs = append(dirs, filepath.Dir(cli.Colors))
	}
	// The build packs the corpus under the same lock: it never reads
	// embeddings being made, nor do two runs share the cache.
	locks, err := lock.Dirs(ctx, waiting, dirs...)
	if err != nil {
		return err
	}
	defer locks.Release()
	for _, dir := range dirs {
		// No other build runs here now: temporary files are leftovers of a kill.
		if _, err := atomicfile.Sweep(dir); err != nil {
			return err
		}
	}
	for name, path := range outputs {
		if err := atomicfile.CheckOurs(path, []byte(input.EmbeddingsMark)); err != nil {
			return fmt.Errorf("%w: make embeddings writes its own %s; move that file away (to build from it, leave EMBED_URL unset), or set %s to another path", err, name, name)
		}
	}
	poems, err := input.ReadPoems(ctx, cli.Poems)
	if err != nil {
		return err
	}
	cachePath := embedding.CachePath(cli.Embeddings)
	cache, err := embedding.OpenCache(cachePath, server.Model)
	if err != nil {
		return err
	}
	defer cache.Close()
	if cache.Damaged > 0 {
		fmt.Printf("embed: dropped %s found damaged in %s; the others are kept, and the texts dropped are embedded again\n",
			amount.Of(cache.Damaged, "record"), cachePath)
	}
	if cache.Torn {
		fmt.Printf("embed: the last record of %s was cut short (by a kill?) and is dropped: its text is embedded again\n", cachePath)
	}

	var words []string
	if cli.Colors != "" {
		for _, c := range input.Palette {
			words = append(words, c.Name)
		}
	}
	send, distinct := toSend(cache, words, poems)
	fmt.Printf("embed: %s and %s with %s at %s: %s to embed (%d in the cache)\n",
		amount.Of(len(poems), "poem"), amount.Of(len(words), "colour"), server.Model, server, amount.Of(len(send), "text"), distinct-len(send))
	e := &embedding.Embedder{Server: server, Batch: cli.Batch, Jobs: cli.Jobs, Retries: cli.Retries, Timeout: cli.Timeout,
		Backoff: backoff, GiveUp: giveUp, Dimension: cache.Dimension(), Keep: cache.Add}
	start := time.Now()
	stop := showProgress(&e.Progress, cli.Interval)
	_, errs, err := e.Embed(ctx, send)
	stop()
	if ctx.Err() != nil {
		fmt.Printf("embed: interrupted: the %s embedded are kept in %s; make embeddings carries on from there\n", amount.Of(e.Progress.Done(), "text"), cachePath)
		return exit.ErrInterrupted
	}
	var dim *embedding.DimensionError
	if errors.As(err, &dim) {
		return fmt.Errorf("%s: %w: if the model %s changed under its name, move %s away to embed every text again", server, err, server.Model, cachePath)
	}
	if err != nil && e.Progress.Done() > 0 {
		return fmt.Errorf("%w (the %s embedded are kept in %s)", err, amount.Of(e.Progress.Done(), "text"), cachePath)
	}
	if err != nil {
		return err
	}
	failed := map[string]error{}
	for i, err := range errs {
		if err != nil {
			failed[send[i]] = err
		}
	}
	r := results{cache: cache, failed: failed, model: server.Model}
	if err := r.write(cli, poems, words); err != nil {
		return err
	}
	if len(send) > 0 {
		secs := time.Since(start).Seconds()
		fmt.Printf("embed: embedded %d of %s in %.1fs (%.1f texts/s, %s); %s\n", len(send)-len(failed), amount.Of(len(send), "text"),
			secs, float64(len(send))/secs, amount.Of(e.Progress.Retries(), "retried request"), r.written)
	} else {
		fmt.Printf("embed: every text was in the cache; %s\n", r.written)
	}
	return r.verdict(cli)
}

// server is the embedding server the settings name.
func (cli *CLI) server() (*embedding.Server, error) {
	switch {
	case cli.Batch < 1 || cli.Jobs < 1:
		return nil, errors.New("EMBED_BATCH and EMBED_JOBS must be at least 1")
	case cli.Retries < 0 || cli.Timeout <= 0:
		return nil, errors.New("EMBED_RETRIES must be 0 or more, and EMBED_TIMEOUT more than 0")
	}
	api := embedding.API(cli.API)
	url, model := cli.URL, cli.Model
	if api == embedding.Ollama {
		url, model = cmp.Or(url, ollamaURL), cmp.Or(model, ollamaModel)
	}
	if url == "" {
		return nil, errors.New("set EMBED_URL to the server's address, e.g. http://localhost:8080 (llama-server) or https://api.openai.com (OpenAI)")
	}
	if model == "" {
		return nil, errors.New("set EMBED_MODEL to the model's name, e.g. text-embedding-3-small (OpenAI); llama-server takes any name, and the embeddings file records it")
	}
	key := os.Getenv("EMBED_API_KEY")
	if key == "" && api == embedding.OpenAI {
		key = os.Getenv("OPENAI_API_KEY")
	}
	s, err := embedding.NewServer(api, url, model, key, cli.Jobs)
	if err != nil {
		return nil, fmt.Errorf("EMBED_URL, EMBED_API or EMBED_MODEL: %w", err)
	}
	return s, nil
}

// toSend is the distinct texts, of the colour words and then of the
// poems, that the cache does not have; distinct counts them all.
func toSend(cache *embedding.Cache, words []string, poems []input.Poem) (send []string, distinct int) {
	seen := map[string]bool{}
	add := func(text string) {
		if seen[text] {
			return
		}
		seen[text] = true
		if _, ok := cache.Get(text); !ok {
			send = append(send, text)
		}
	}
	for _, w := range words {
		add(w)
	}
	for i := range poems {
		add(poems[i].Content)
	}
	return send, len(seen)
}

// results are the vectors of a run: in the cache, or failed.
type results struct {
	cache   *embedding.Cache
	failed  map[string]error
	model   string
	poems   []string // "N category/id: why" of the poems that failed
	colors  []string // "colour red: why" likewise
	written string   // what became of the files, for the summary
}

// write writes the embeddings file, and the colours' if every colour has
// its vector, each only when its contents change.
func (r *results) write(cli *CLI, poems []input.Poem, words []string) error {
	entries := make([]input.EmbeddingEntry, len(poems))
	meta := input.EmbeddingsMeta{Generator: input.EmbedGenerator, Model: r.model}
	for i := range poems {
		p := &poems[i]
		entries[i] = input.EmbeddingEntry{ID: p.ID, PoemIndex: p.PoemIndex()}
		if v, ok := r.cache.Get(p.Content); ok {
			entries[i].Vector, meta.Dimension = v, len(v)
		} else {
			entries[i].Err = r.failed[p.Content].Error()
			r.poems = append(r.poems, p.Ref()+": "+entries[i].Err)
		}
	}
	colorVecs := make([][]float32, len(words))
	for i, w := range words {
		v, ok := r.cache.Get(w)
		if !ok {
			r.colors = append(r.colors, "colour "+w+": "+r.failed[w].Error())
		}
		colorVecs[i] = v
	}
	if meta.Dimension == 0 {
		return fmt.Errorf("no poem could be embedded (%s): nothing written", r.poems[0])
	}
	var wrote, same []string
	for _, f := range []struct {
		path   string
		pieces func() [][]byte
	}{
		{cli.Embeddings, func() [][]byte { return input.EmbeddingsFile(meta, entries) }},
		{cli.Colors, func() [][]byte { return input.ColorEmbeddingsFile(meta, words, colorVecs) }},
	} {
		if f.path == "" || f.path == cli.Colors && len(r.colors) > 0 {
			continue
		}
		changed, err := atomicfile.Update(f.path, f.pieces())
		if err != nil {
			return err
		}
		if changed {
			wrote = append(wrote, f.path)
		} else {
			same = append(same, f.path)
		}
	}
	var done []string
	if len(wrote) > 0 {
		done = append(done, "wrote "+strings.Join(wrote, " and "))
	}
	if len(same) > 0 {
		done = append(done, strings.Join(same, " and ")+" unchanged")
	}
	r.written = strings.Join(done, "; ")
	return nil
}

// verdict lists what failed, and is the run's error: a colour that
// failed, or a poem unless the site may be built without it.
func (r *results) verdict(cli *CLI) error {
	list := func(what string, lines []string) {
		fmt.Printf("embed: %s could not be embedded:\n", what)
		const shown = 20
		for i, l := range lines {
			if i == shown {
				fmt.Printf("  … and %d more (each poem's entry in %s says why)\n", len(lines)-shown, cli.Embeddings)
				break
			}
			fmt.Printf("  %s\n", l)
		}
	}
	if len(r.poems) > 0 {
		list(amount.Of(len(r.poems), "poem"), r.poems)
	}
	if len(r.colors) > 0 {
		list(amount.Of(len(r.colors), "colour"), r.colors)
		return fmt.Errorf("%s could not be embedded, and %s was not written: run make embeddings again to retry (what was embedded is kept), or set COLOR_EMBEDDINGS= to build without colours",
			amount.Of(len(r.colors), "colour word"), cli.Colors)
	}
	if len(r.poems) == 0 {
		return nil
	}
	if cli.AllowMissing {
		fmt.Printf("embed: %s %s left out of the site (ALLOW_MISSING=1); make embeddings retries them\n",
			color.New(color.FgYellow, color.Bold).Sprint("WARNING:"), amount.Of(len(r.poems), "poem"))
		return nil
	}
	return fmt.Errorf("%s could not be embedded (listed above; their entries in %s hold the error): run make embeddings again to retry them (what was embedded is kept), or set ALLOW_MISSING=1 to build the site without them",
		amount.Of(len(r.poems), "poem"), cli.Embeddings)
}

func waiting(dir, holder string) {
	fmt.Printf("embed: %s is in use by %s: waiting for it to finish (Ctrl+C to give up)\n", dir, cmp.Or(holder, "another build"))
}

// distinct refuses two of files (a make variable and its path; "" is
// none) that are the same file, however spelled: the colours would be
// written over the poems' vectors.
func distinct(files [][2]string) error {
	for i, a := range files {
		for _, b := range files[i+1:] {
			if a[1] != "" && b[1] != "" && samePath(a[1], b[1]) {
				return fmt.Errorf("%s and %s are the same file (%s): each needs a file of its own, e.g. COLOR_EMBEDDINGS=data/color_embeddings.json", a[0], b[0], quote.Name(b[1]))
			}
		}
	}
	return nil
}

// samePath reports whether a and b name one file: the same file when both
// exist, else the same path once made absolute, its links resolved as far
// as it exists.
func samePath(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		fb, err := os.Stat(b)
		return err == nil && os.SameFile(fa, fb)
	}
	return resolved(a) == resolved(b)
}

// resolved is path absolute, with the links of its folder resolved.
func resolved(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}
