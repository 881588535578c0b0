// Package packtest packs corpora for tests: the one helper that every
// package's tests use to get a packed corpus file.
package packtest

import (
	"os"
	"path/filepath"
	"testing"

	"pagegen/internal/corpus"
	"pagegen/internal/input"
	"pagegen/internal/pack"
)

// Root is the repository, found from the test's folder by its go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if dir == filepath.Dir(dir) {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = filepath.Dir(dir)
	}
}

// Sample packs the repository's sample collection (data/*.json) in process,
// as corpus-pack does, into a temporary file and returns its path.
func Sample(t testing.TB) string {
	t.Helper()
	data := filepath.Join(Root(t), "data")
	c, err := input.Read(input.Options{
		Poems:      filepath.Join(data, "poems.json"),
		Embeddings: filepath.Join(data, "embeddings.json"),
		Colors:     filepath.Join(data, "color_embeddings.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	contents, _ := pack.Contents(c, corpus.Fingerprint{}, nil)
	return Write(t, contents)
}

// Write writes contents to a packed corpus in a temporary folder and
// returns its path.
func Write(t testing.TB, contents *corpus.Contents) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corpus.bin")
	if err := WriteFile(path, contents); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteFile writes contents to a packed corpus at path (for benchmarks'
// corpora, made once for many tests).
func WriteFile(path string, contents *corpus.Contents) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = corpus.Write(f, contents)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
