package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/bytedance/sonic"
)

// BenchmarkEmbed7800 is the client's own cost at the upstream scale: 7,800
// poems of ~1.1 KB embedded from scratch (no cache), 768-d, with
// EMBED_JOBS=4 and the default batch, against a local Ollama-style server
// that answers at once (the same canned vector for every text). It covers
// reading the poems, the requests, the checks, the cache and the files.
func BenchmarkEmbed7800(b *testing.B) {
	const n, dim = 7800, 768
	rng := rand.New(rand.NewPCG(1, 2))
	var vec strings.Builder
	vec.WriteByte('[')
	for i := range dim {
		if i > 0 {
			vec.WriteByte(',')
		}
		// As a server writes a float32: the shortest decimal that reads back as it.
		vec.WriteString(strconv.FormatFloat(float64(float32(rng.NormFloat64()*0.05)), 'g', -1, 32))
	}
	vec.WriteByte(']')
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if err := sonic.ConfigDefault.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"model":"m","embeddings":[` + strings.TrimSuffix(strings.Repeat(vec.String()+",", len(req.Input)), ",") + "]}"))
	}))
	defer srv.Close()

	words := strings.Fields("the LORD is my shepherd I shall not want he maketh me to lie down in green pastures leadeth beside still waters")
	poems := make([]string, n)
	for i := range poems {
		var p strings.Builder
		fmt.Fprintf(&p, "poem %d\n", i)
		for p.Len() < 1100 {
			p.WriteString(words[rng.IntN(len(words))])
			p.WriteByte(" \n"[rng.IntN(8)/7])
		}
		poems[i] = p.String()
	}
	c := newCollection(b, poems...)
	args := []string{"--poems", c.path("poems.json"), "--embeddings", c.path("embeddings.json"), "--colors", c.path("color_embeddings.json"),
		"--url", srv.URL, "--model", "m", "--jobs", "4", "--interval", "0"}
	stdout := os.Stdout
	os.Stdout, _ = os.Open(os.DevNull)
	defer func() { os.Stdout = stdout }()
	for b.Loop() {
		b.StopTimer()
		for _, name := range []string{"embeddings.json", "color_embeddings.json", ".embeddings.json.cache"} {
			os.Remove(c.path(name))
		}
		b.StartTimer()
		if err := run(context.Background(), args); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "poems/s")
}
