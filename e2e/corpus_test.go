package e2e

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"pagegen/internal/filesig"
)

// TestCorpusRecord: an unchanged corpus is not read again, but no edit of an
// input slips past the record of its signature, even one that keeps its
// size and puts its old date back; and a corpus damaged on disk is packed
// again before any page is built from it.
func TestCorpusRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample site twice")
	}
	b := newBuild(t)
	// Files changed (ctime, which no one can set back) within filesig.Racy
	// of the reading are read again every time (a write in the same clock
	// tick would not show): let them age past it.
	time.Sleep(filesig.Racy + 100*time.Millisecond)
	b.mustMake("corpus")
	record, err := os.ReadFile(b.path("data/.corpus.bin.checked"))
	if err != nil || !bytes.Contains(record, []byte("poems.json")) {
		t.Fatalf("the record beside the corpus does not hold poems.json (%v):\n%s", err, record)
	}
	if out := b.mustMake("corpus"); !strings.Contains(out, "corpus.bin is up to date") {
		t.Errorf("a second make corpus packed again:\n%s", out)
	}

	// One letter of a poem changed in place; same size, same date.
	stamp := b.stat("poems.json")
	text := b.read("poems.json")
	i := bytes.Index(text, []byte("Blessed"))
	if i < 0 {
		t.Fatal("the sample has no Blessed")
	}
	text[i] = 'b'
	b.write("poems.json", text)
	b.chtimes("poems.json", stamp.ModTime())
	if after := b.stat("poems.json"); after.Size() != stamp.Size() || !after.ModTime().Equal(stamp.ModTime()) {
		t.Fatalf("the edit changed poems.json's size or date: %d bytes, %v; was %d, %v", after.Size(), after.ModTime(), stamp.Size(), stamp.ModTime())
	}
	if out := b.mustMake("-j2", "all"); !strings.Contains(out, "packed 206 poems") {
		t.Fatalf("an edit that kept the size and the date was not packed:\n%s", out)
	}
	if page, _ := os.ReadFile(b.path("site/similar/1.html")); !bytes.Contains(page, []byte("blessed is the man that walketh")) {
		t.Error("the site does not show the edit")
	}
	before := sums(t, b.path("site"))

	// Eight bytes overwritten in the middle of the corpus, where opening it
	// does not look.
	f, err := os.OpenFile(b.path("data/corpus.bin"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("XXXXXXXX"), b.stat("data/corpus.bin").Size()/2); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := b.mustMake("-j2", "all")
	if !strings.Contains(out, "corpus.bin is damaged") || !strings.Contains(out, "packing it again") {
		t.Errorf("a damaged corpus was not packed again:\n%s", out)
	}
	if out := b.mustMake("corpus"); !strings.Contains(out, "up to date") {
		t.Errorf("the corpus packed again is not up to date:\n%s", out)
	}
	after := sums(t, b.path("site"))
	for name, sum := range before {
		if after[name] != sum {
			t.Errorf("%s changed, though the corpus packed again holds the same collection", name)
		}
	}
}
