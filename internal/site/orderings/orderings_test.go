package orderings

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"pagegen/internal/corpus"
)

// record is a record of 5 poems keeping 3 entries of each ordering, with
// some orderings kept and some left to their page processes.
func record() *Record {
	r := &Record{Header: Header{Site: [32]byte{1}, Corpus: corpus.Digest{2}, Limit: 3}}
	for i := range 5 {
		r.Poems = append(r.Poems, Poem{N: uint32(10 * (i + 1)), Vector: corpus.Sum{byte(i)}, Shown: corpus.Sum{0, byte(i)}})
	}
	r.Kept = [2][]Ordering{make([]Ordering, 5), make([]Ordering, 5)}
	r.Kept[Similar][0] = Ordering{Seq: []int32{0, 3, 1}}
	r.Kept[Similar][4] = Ordering{Seq: []int32{4, 2, 0}}
	r.Kept[Walk][1] = Ordering{Seq: []int32{1, 4, 0}, Wins: []float64{0, -1.5, 0.25}}
	return r
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orderings.bin")
	want := record()
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, wrote %+v", got, want)
	}
	hd, err := ReadHeader(path)
	if err != nil || hd != want.Header {
		t.Errorf("ReadHeader = %+v, %v; want %+v", hd, err, want.Header)
	}
	// Orderings that show every poem: only the poems are kept.
	whole := &Record{Header: Header{Corpus: corpus.Digest{3}}, Poems: want.Poems}
	if err := Write(path, whole); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(path); err != nil || !reflect.DeepEqual(got, whole) {
		t.Errorf("a record of whole orderings read back as %+v, %v", got, err)
	}
}

// TestSlots: a page process fills its ordering's slot in, and finds it
// there next time; a slot torn by a kill, or of a record of another corpus
// or limit, is none.
func TestSlots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orderings.bin")
	r := record()
	if err := Write(path, r); err != nil {
		t.Fatal(err)
	}
	if s := OpenSlot(path, corpus.Digest{9}, 3, Similar, 0, 10); s != nil {
		t.Error("a slot of a record of another corpus")
	}
	if s := OpenSlot(path, corpus.Digest{2}, 4, Similar, 0, 10); s != nil {
		t.Error("a slot of a record of another limit")
	}
	var none *Slot // no record: every method does nothing
	if _, ok := none.Get(); ok || none.Fill(Ordering{}) != nil {
		t.Error("the nil slot holds something")
	}
	none.Close()

	s := OpenSlot(path, corpus.Digest{2}, 3, Walk, 2, 30)
	if s == nil {
		t.Fatal("no slot in the record")
	}
	defer s.Close()
	if o, ok := s.Get(); ok {
		t.Fatalf("an empty slot holds %+v", o)
	}
	filled := Ordering{Seq: []int32{2, 0, 4}, Wins: []float64{0, 3, -2}}
	if err := s.Fill(filled); err != nil {
		t.Fatal(err)
	}
	if o, ok := s.Get(); !ok || !reflect.DeepEqual(o, filled) {
		t.Errorf("the filled slot holds %+v, %v", o, ok)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Kept[Walk][2] = filled
	if !reflect.DeepEqual(got, r) {
		t.Errorf("after a slot was filled, the record reads %+v", got)
	}
	// A slot of another poem's number (a record laid out for another corpus
	// at the same place) is none.
	if o, ok := OpenSlot(path, corpus.Digest{2}, 3, Walk, 2, 31).Get(); ok {
		t.Errorf("the slot of poem 30 is taken for poem 31's: %+v", o)
	}
	// A torn slot: a kill in the middle of a write.
	g := geometry{5, 3}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xff}, int64(g.slot(Walk, 2)+12))
	f.Close()
	if _, ok := s.Get(); ok {
		t.Error("a torn slot is taken for whole")
	}
	if got, err := Read(path); err != nil || got.Kept[Walk][2].Seq != nil {
		t.Errorf("a torn slot reads as %+v, %v", got.Kept[Walk][2], err)
	}
}

// TestDamaged: a damaged header or poem table, a short file, something
// else at the path are errors, never a panic or a wrong record.
func TestDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orderings.bin")
	if err := Write(path, record()); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	for name, damage := range map[string]func(b []byte) []byte{
		"magic":   func(b []byte) []byte { b[0] = 'X'; return b },
		"count":   func(b []byte) []byte { b[offCount] ^= 1; return b },
		"corpus":  func(b []byte) []byte { b[offCorpus] ^= 1; return b },
		"poem":    func(b []byte) []byte { b[headerSize+5] ^= 1; return b },
		"short":   func(b []byte) []byte { return b[:headerSize+10] },
		"no body": func(b []byte) []byte { return b[:100] },
	} {
		os.WriteFile(path, damage(append([]byte(nil), good...)), 0o644)
		if _, err := Read(path); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: Read = %v, want a damaged record", name, err)
		}
	}
	os.Remove(path)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadHeader(path); err == nil {
		t.Error("a FIFO is read as a record")
	}
	if err := Write(path, record()); err == nil {
		t.Error("a record was written over a FIFO")
	}
}
