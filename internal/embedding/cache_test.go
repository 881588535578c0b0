package embedding

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pagegen/internal/atomicfile"
)

func open(t *testing.T, path, model string) *Cache {
	t.Helper()
	c, err := OpenCache(path, model)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func add(t *testing.T, c *Cache, texts ...string) {
	t.Helper()
	vecs := make([][]float32, len(texts))
	for i, text := range texts {
		vecs[i] = []float32{float32(len(text)), 0.5, -1}
	}
	if err := c.Add(texts, vecs); err != nil {
		t.Fatal(err)
	}
}

// has checks which texts the cache has, with the vectors add gives them.
func has(t *testing.T, c *Cache, want []string, not ...string) {
	t.Helper()
	for _, text := range want {
		if v, ok := c.Get(text); !ok || !slices.Equal(v, []float32{float32(len(text)), 0.5, -1}) {
			t.Errorf("Get(%q) = %v, %t", text, v, ok)
		}
	}
	for _, text := range not {
		if v, ok := c.Get(text); ok {
			t.Errorf("Get(%q) = %v; want nothing", text, v)
		}
	}
}

func TestCacheRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".embeddings.json.cache")
	c := open(t, path, "gemma")
	if c.Dimension() != 0 {
		t.Errorf("a new cache has dimension %d", c.Dimension())
	}
	add(t, c, "red", "a poem\nof two lines")
	has(t, c, []string{"red", "a poem\nof two lines"})
	c.Close()

	c = open(t, path, "gemma")
	has(t, c, []string{"red", "a poem\nof two lines"}, "a poem of two lines", "blue")
	if c.Dimension() != 3 || c.Torn {
		t.Errorf("dimension %d, torn %t", c.Dimension(), c.Torn)
	}
	add(t, c, "blue")
	c.Close()

	// Another model has none of them, and adds its own beside them.
	other := open(t, path, "nomic")
	has(t, other, nil, "red", "blue")
	add(t, other, "red")
	other.Close()
	c = open(t, path, "gemma")
	has(t, c, []string{"red", "a poem\nof two lines", "blue"})
}

// TestCacheTorn: a record cut short or damaged is dropped with what follows it,
// and the file goes on after the last whole record.
func TestCacheTorn(t *testing.T) {
	for _, tt := range []struct {
		name string
		harm func(data []byte) []byte
	}{
		{"cut in the last record", func(d []byte) []byte { return d[:len(d)-5] }},
		{"cut in the length", func(d []byte) []byte { return append(d, 1, 2) }},
		{"a flipped bit", func(d []byte) []byte { d[len(d)-20] ^= 4; return d }},
		{"zeros after a power cut", func(d []byte) []byte { return append(d, make([]byte, 4096)...) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache")
			c := open(t, path, "m")
			add(t, c, "one")
			add(t, c, "two")
			c.Close()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tt.harm(data), 0o644); err != nil {
				t.Fatal(err)
			}
			c = open(t, path, "m")
			if !c.Torn {
				t.Error("not seen as torn")
			}
			has(t, c, []string{"one"})
			add(t, c, "three")
			c.Close()
			c = open(t, path, "m")
			if c.Torn {
				t.Error("torn again after a whole write")
			}
			has(t, c, []string{"one", "three"})
		})
	}
}

// TestCacheDamaged: a damaged record before others is dropped, counted, and the
// records after it kept, of every model; the file is written again without
// it, so that the next run finds none.
func TestCacheDamaged(t *testing.T) {
	for _, tt := range []struct {
		name    string
		harm    func(data []byte, first int) // first: where the first record begins
		damaged int
		kept    []string
	}{
		// A record of model "m" and 3 values is 59 bytes: its length (4),
		// the model (2+1), the text's hash (32), the vector (4+12), the CRC (4).
		{"a flipped byte in the first record's vector", func(d []byte, first int) { d[first+45] ^= 0x10 }, 1, []string{"two", "three"}},
		{"a flipped byte in the first record's length", func(d []byte, first int) { d[first] ^= 0x01 }, 1, []string{"two", "three"}},
		{"a flipped byte in the first two records", func(d []byte, first int) { d[first+45] ^= 1; d[first+59+45] ^= 1 }, 2, []string{"three"}},
		{"the first two records zeroed: one stretch", func(d []byte, first int) { clear(d[first : first+2*59]) }, 1, []string{"three"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache")
			c := open(t, path, "m")
			add(t, c, "one")
			add(t, c, "two")
			add(t, c, "three")
			c.Close()
			o := open(t, path, "other model")
			add(t, o, "four")
			o.Close()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.harm(data, len(cacheHeader))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			c = open(t, path, "m")
			if c.Damaged != tt.damaged || c.Torn {
				t.Errorf("%d damaged, torn %t; want %d damaged", c.Damaged, c.Torn, tt.damaged)
			}
			kept := tt.kept
			has(t, c, kept, "one")
			add(t, c, "one")
			c.Close()
			c = open(t, path, "m")
			if c.Damaged != 0 || c.Torn {
				t.Errorf("after a run, %d damaged, torn %t; want none", c.Damaged, c.Torn)
			}
			has(t, c, append(kept, "one"))
			has(t, open(t, path, "other model"), []string{"four"})
		})
	}
}

// TestCacheCutHeader: a file cut short while its header was written is a new cache.
func TestCacheCutHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	if err := os.WriteFile(path, []byte(cacheHeader[:10]), 0o644); err != nil {
		t.Fatal(err)
	}
	add(t, open(t, path, "m"), "one")
	has(t, open(t, path, "m"), []string{"one"})
}

// TestCacheNotOurs: a file the build did not write is refused and left as it is.
func TestCacheNotOurs(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, content, want string
	}{
		{"a user's file", "my notes", "move it away"},
		{"another version", CacheMark + "v9\n", `another version of pagegen ("v9")`},
	} {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := OpenCache(path, "m")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an error saying %q", tt.name, err, tt.want)
		}
		if tt.name == "a user's file" && !errors.Is(err, atomicfile.ErrNotOurs) {
			t.Errorf("%s: %v is not ErrNotOurs", tt.name, err)
		}
		if data, _ := os.ReadFile(path); string(data) != tt.content {
			t.Errorf("%s was changed to %q", tt.name, data)
		}
	}
}

// TestCacheCount: Count sees the whole records of one model, leaves out one
// being written, and changes nothing.
func TestCacheCount(t *testing.T) {
	path := CachePath(filepath.Join(t.TempDir(), "embeddings.json"))
	if filepath.Base(path) != ".embeddings.json.cache" {
		t.Errorf("CachePath(embeddings.json) = %s", path)
	}
	if _, err := CountCached(path, "m"); err == nil {
		t.Error("Count of a cache not made yet succeeded")
	}
	c := open(t, path, "m")
	add(t, c, "one", "two")
	add(t, c, "two", "three") // "two" again: one text
	add(t, open(t, filepath.Join(filepath.Dir(path), "other"), "m"), "four")
	c.Close()
	o := open(t, path, "other model")
	add(t, o, "one")
	o.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, model string
		data        []byte
		want        int
	}{
		{"new", "m", []byte(cacheHeader[:5]), 0},
		{"whole", "m", data, 3},
		{"another model's", "other model", data, 1},
		{"a model it lacks", "x", data, 0},
		{"a record being written", "other model", data[:len(data)-3], 0},
		{"after a record being written", "m", data[:len(data)-3], 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if n, err := CountCached(path, tt.model); err != nil || n != tt.want {
				t.Errorf("Count = %d, %v; want %d", n, err, tt.want)
			}
			if after, err := os.ReadFile(path); err != nil || !slices.Equal(after, tt.data) {
				t.Errorf("Count changed the file (%v)", err)
			}
		})
	}
}
