package e2e

// The poet's everyday loop, through the real make: a site that remembers
// what was asked of it as the collection grows, and edits after which only
// what changed is built, the site always byte for byte a clean build's.

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// keepPoems keeps the sample's poems for which keep is true (by position),
// with their embeddings; the others' poem_index numbers stay unused.
func (b *build) keepPoems(keep func(i int) bool) {
	b.t.Helper()
	for _, name := range []string{"poems.json", "embeddings.json"} {
		b.editJSON(name, func(doc map[string]any) {
			key := map[string]string{"poems.json": "poems", "embeddings.json": "embeddings"}[name]
			var kept []any
			for i, p := range list(doc, key) {
				if keep(i) {
					kept = append(kept, p)
				}
			}
			doc[key] = kept
		})
	}
}

// TestGrowingCollection: a site remembers what was asked of it (PER_PAGE,
// CHAPTERS or as many as fit, the budget), not what that made of a smaller
// collection, and a build that is refused changes nothing.
func TestGrowingCollection(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site")
	}
	t.Run("chapters grow with the collection", func(t *testing.T) {
		b := newBuild(t)
		b.keepPoems(func(i int) bool { return i < 30 })
		b.mustMake("-j2", "all", "PER_PAGE=10") // 3 chapters of each ordering: all of it
		copySample(b)
		b.keepPoems(func(i int) bool { return i < 75 })
		b.mustMake("-j2", "all")
		page := string(b.read("site/similar/1-8.html"))
		if !strings.Contains(page, "chapter 8: poems 71 to 75") {
			t.Errorf("after the collection grew to 75 poems, similar/1 does not run to them:\n%.600s", page)
		}
	})
	t.Run("a collection smaller than a chapter keeps PER_PAGE", func(t *testing.T) {
		b := newBuild(t)
		b.keepPoems(func(i int) bool { return i < 5 })
		b.mustMake("-j2", "all", "PER_PAGE=10")
		copySample(b)
		b.keepPoems(func(i int) bool { return i < 25 })
		b.mustMake("-j2", "all")
		if page := string(b.read("site/similar/1-3.html")); !strings.Contains(page, "chapter 3: poems 21 to 25") {
			t.Errorf("the site forgot PER_PAGE=10:\n%.600s", page)
		}
	})
	t.Run("a budget is remembered, and a refusal changes nothing", func(t *testing.T) {
		b := newBuild(t)
		b.keepPoems(func(i int) bool { return i < 30 })
		// 30 poems fit with every chapter (3 of each ordering); 100 with 2.
		b.mustMake("-j2", "all", "PER_PAGE=10", "MAX_FILES=500")
		copySample(b)
		b.keepPoems(func(i int) bool { return i < 100 })
		said := b.mustMake("-j2", "all")
		if !strings.Contains(said, "now keeps 2 chapters of each ordering, not 3") {
			t.Errorf("the build does not say that it keeps fewer chapters:\n%s", said)
		}
		if n := len(sums(t, b.path("site"))); n > 500 {
			t.Errorf("the site grew to %d files, past MAX_FILES=500", n)
		}
		before := b.files()
		said, err := b.make("-j2", "all", "PER_PAGE=0", "MAX_FILE_SIZE=100K")
		if err == nil || !strings.Contains(said, "does not fit") {
			t.Fatalf("whole pages within MAX_FILE_SIZE=100K: %v\n%s", err, said)
		}
		if ch := changed(before, b.files()); len(ch) > 0 {
			t.Errorf("the refused build changed %v", ch)
		}
		b.mustMake("similar/12.html")
		if page := string(b.read("site/similar/12.html")); !strings.Contains(page, "chapter 1: poems 1 to 10") {
			t.Errorf("after a refused build, make similar/12.html does not build the site's chapter:\n%.600s", page)
		}
	})
}

// editSample gives the sample's poems dates over two years (it has none:
// placed by position, every poem's timeline bar would move with every poem
// added or taken out), and keeps the first n of them; the rest, returned,
// are poems to add later.
func editSample(b *build, n int) (pool []any, poolVecs []any) {
	b.t.Helper()
	b.editJSON("poems.json", func(doc map[string]any) {
		for i, p := range list(doc, "poems") {
			p.(map[string]any)["creation_date"] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 3*i).Format(time.RFC3339)
		}
		pool = slices.Clone(list(doc, "poems")[n:])
	})
	b.editJSON("embeddings.json", func(doc map[string]any) { poolVecs = slices.Clone(list(doc, "embeddings")[n:]) })
	b.keepPoems(func(i int) bool { return i < n })
	return pool, poolVecs
}

// edit changes the build's inputs as a poet might, and says what it did.
func edit(b *build, rng *rand.Rand, pool, poolVecs *[]any) string {
	poems, vecs := "poems.json", "embeddings.json"
	what := ""
	k := -1
	b.editJSON(poems, func(doc map[string]any) { k = rng.IntN(len(list(doc, "poems"))) })
	switch rng.IntN(7) {
	case 0:
		b.editJSON(poems, func(doc map[string]any) {
			item(doc, "poems", k)["content"] = fmt.Sprint(item(doc, "poems", k)["content"], " amen")
		})
		what = "a typo"
	case 1:
		if len(*pool) == 0 {
			return "nothing"
		}
		j := rng.IntN(len(*pool))
		p, v := (*pool)[j], (*poolVecs)[j]
		*pool, *poolVecs = slices.Delete(*pool, j, j+1), slices.Delete(*poolVecs, j, j+1)
		// In its place by poem_index, as the collection has it.
		at := func(doc map[string]any, key string, x any) {
			l := list(doc, key)
			i := slices.IndexFunc(l, func(y any) bool { return index(y) > index(x) })
			if i < 0 {
				i = len(l)
			}
			doc[key] = slices.Insert(l, i, x)
		}
		b.editJSON(poems, func(doc map[string]any) { at(doc, "poems", p) })
		b.editJSON(vecs, func(doc map[string]any) { at(doc, "embeddings", v) })
		what = fmt.Sprintf("poem %d added", index(p))
	case 2:
		b.editJSON(poems, func(doc map[string]any) { doc["poems"] = slices.Delete(list(doc, "poems"), k, k+1) })
		b.editJSON(vecs, func(doc map[string]any) { doc["embeddings"] = slices.Delete(list(doc, "embeddings"), k, k+1) })
		what = "a poem taken out"
	case 3:
		b.editJSON(vecs, func(doc map[string]any) { nudge(item(doc, "embeddings", k)["embedding"].([]any), rng) })
		what = "a new embedding"
	case 4:
		b.editJSON(poems, func(doc map[string]any) {
			item(doc, "poems", k)["creation_date"] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(700)).Format(time.RFC3339)
		})
		what = "a new date"
	case 5:
		b.editJSON("color_embeddings.json", func(doc map[string]any) {
			colors := doc["embeddings"].(map[string]any)
			names := slices.Sorted(maps.Keys(colors))
			nudge(colors[names[rng.IntN(len(names))]].([]any), rng)
		})
		what = "a colour word embedded anew"
	default:
		return "nothing"
	}
	return what
}

func index(poem any) int64 {
	n, _ := poem.(map[string]any)["poem_index"].(json.Number).Int64()
	return n
}

// nudge moves a vector (of JSON numbers) a little.
func nudge(v []any, rng *rand.Rand) {
	for range 8 {
		k := rng.IntN(len(v))
		x, _ := v[k].(json.Number).Float64()
		v[k] = json.Number(strconv.FormatFloat(x+rng.Float64()-0.5, 'g', -1, 64))
	}
}

// TestEdits drives a site through random edits of its inputs (typos, poems
// added and taken out, new embeddings, dates and colours, the chapters
// kept), each build through make, some stopped by Ctrl+C or kill -9 and run
// again; after each, the site must be byte for byte a clean build of the
// same inputs. EDITS_SEED replays a run (the test logs its seed);
// EDITS_STEPS sets the number of edits.
func TestEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site many times")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("EDITS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("EDITS_SEED=%s: %v", s, err)
		}
	}
	t.Logf("EDITS_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	b := newBuild(t)
	pool, poolVecs := editSample(b, 70)
	chapters := 2
	ranRE := regexp.MustCompile(`([0-9,]+) orderings? run`)
	for step := range envInt(t, "EDITS_STEPS", 8) {
		what := "the first build"
		if step > 0 {
			what = edit(b, rng, &pool, &poolVecs)
		}
		if rng.IntN(5) == 0 {
			chapters = 5 - chapters // 2 or 3
			what += fmt.Sprintf(", CHAPTERS=%d", chapters)
		}
		args := []string{"-j2", "all", "PER_PAGE=8", fmt.Sprintf("CHAPTERS=%d", chapters)}
		switch stop := rng.IntN(3); {
		case step > 0 && stop == 1:
			r := b.startRun(nil, args...)
			r.sleep(time.Duration(rng.IntN(800)) * time.Millisecond)
			r.signal(syscall.SIGINT)
			r.wait(t, time.Minute)
			what += ", Ctrl+C"
		case step > 0 && stop == 2:
			r := b.startRun(nil, args...)
			r.sleep(time.Duration(rng.IntN(800)) * time.Millisecond)
			r.signal(syscall.SIGKILL)
			r.wait(t, time.Minute)
			what += ", kill -9"
		}
		said := b.mustMake(args...)
		clean := newBuild(t)
		for _, name := range []string{"poems.json", "embeddings.json", "color_embeddings.json"} {
			clean.write(name, b.read(name))
		}
		clean.mustMake(args...)
		got, want := sums(t, b.path("site")), sums(t, clean.path("site"))
		if !maps.Equal(got, want) {
			var differ []string
			for name := range maps.Keys(want) {
				if got[name] != want[name] {
					differ = append(differ, name)
				}
			}
			for name := range maps.Keys(got) {
				if _, ok := want[name]; !ok {
					differ = append(differ, name+" (not in a clean build)")
				}
			}
			slices.Sort(differ)
			t.Fatalf("step %d (%s; EDITS_SEED=%d): the site differs from a clean build in %d files: %.10v\n%s", step, what, seed, len(differ), differ, said)
		}
		ran := "no"
		if m := ranRE.FindStringSubmatch(said); m != nil {
			ran = m[1]
		}
		t.Logf("step %d, %s: %s orderings run; the site is a clean build's", step, what, ran)
	}
}
