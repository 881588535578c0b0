package corpus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pagegen/internal/gram"
)

// sample is a small corpus: poem numbers with gaps, UTF-8 and escaped HTML in
// the text, an empty index line, and a real Gram matrix.
func sample() *Contents {
	poems := []Poem{
		{N: 2, Label: []byte("fediverse/1"), Entry: []byte("  fediverse/1  2024-01-02\n\n  a line &amp; &lt;another&gt;\n"), Index: []byte("  2 fediverse/1\n")},
		{N: 3, Label: []byte("notes/ünïcödé"), Entry: []byte("  ══════─────\n  Grüße, 詩, 🌙\n"), Index: []byte("  3 notes/ünïcödé\n")},
		{N: 7, Label: []byte("messages/1"), Entry: []byte("┌─┐ │ CW: x │ └─┘\n"), Index: nil},
		{N: 10, Label: []byte("fediverse/2"), Entry: []byte{}, Index: []byte(" 10 fediverse/2\n")},
		{N: 11, Label: []byte("x/&quot;q&quot;"), Entry: []byte("last\n"), Index: []byte(" 11 x/&quot;q&quot;\n")},
	}
	return contentsFor(poems, 7, 1)
}

// contentsFor fills in random vectors of dimension dim, their norms and Gram.
func contentsFor(poems []Poem, dim int, seed uint64) *Contents {
	r := rand.New(rand.NewPCG(seed, 7))
	vecs := make([][]float32, len(poems))
	for i := range vecs {
		vecs[i] = make([]float32, dim)
		for k := range vecs[i] {
			vecs[i][k] = float32(r.NormFloat64())
		}
	}
	norms := gram.Norms(vecs)
	var fp Fingerprint
	for k := range fp {
		fp[k] = byte(r.IntN(256))
	}
	return &Contents{Fingerprint: fp, Dim: dim, Poems: poems, Norms: norms, Vectors: vecs, Gram: gram.Matrix(vecs, norms), Chrono: reversed(len(poems))}
}

// reversed is a chronology that is not the poems' order: the last first.
func reversed(n int) []uint32 {
	seq := make([]uint32, n)
	for i := range seq {
		seq[i] = uint32(n - 1 - i)
	}
	return seq
}

// large is a corpus whose sections span several pages each.
func large() *Contents {
	const n = 300
	poems := make([]Poem, n)
	for i := range poems {
		poems[i] = Poem{
			N:     uint32(3*i + 1),
			Label: []byte(fmt.Sprintf("cat%d/%d", i%4, i)),
			Entry: bytes.Repeat([]byte(fmt.Sprintf("poem %d ═─ é\n", i)), i%9),
			Index: []byte(fmt.Sprintf("%4d cat%d/%d\n", 3*i+1, i%4, i)),
		}
	}
	return contentsFor(poems, 33, 2)
}

func encode(t *testing.T, c *Contents) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, c); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corpus.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rewrite overwrites the file at path (same name, so each Open maps the new bytes).
func rewrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	for name, c := range map[string]*Contents{"sample": sample(), "large": large()} {
		t.Run(name, func(t *testing.T) {
			// Write to a real file, as corpus-pack does.
			path := filepath.Join(t.TempDir(), "corpus.bin")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := Write(f, c); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size()%align != 0 {
				t.Errorf("file size %d is not a multiple of %d", fi.Size(), align)
			}
			if data := encode(t, c); int64(len(data)) != fi.Size() {
				t.Errorf("writing to a buffer gives %d bytes, to a file %d", len(data), fi.Size())
			}

			pc, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer pc.Close()
			checkContents(t, pc, c)

			fp, ok := ReadFingerprint(path)
			if !ok || fp != c.Fingerprint {
				t.Errorf("ReadFingerprint = %x, %v; want %x, true", fp, ok, c.Fingerprint)
			}
		})
	}
}

func checkContents(t *testing.T, pc *Corpus, c *Contents) {
	t.Helper()
	n := len(c.Poems)
	if pc.Len() != n {
		t.Fatalf("Len = %d, want %d", pc.Len(), n)
	}
	if pc.Dim() != c.Dim {
		t.Errorf("Dim = %d, want %d", pc.Dim(), c.Dim)
	}
	if pc.Fingerprint() != c.Fingerprint {
		t.Errorf("Fingerprint = %x, want %x", pc.Fingerprint(), c.Fingerprint)
	}
	for i, p := range c.Poems {
		if got := pc.N(i); got != int(p.N) {
			t.Errorf("N(%d) = %d, want %d", i, got, p.N)
		}
		if got, ok := pc.Index(int(p.N)); !ok || got != i {
			t.Errorf("Index(%d) = %d, %v; want %d, true", p.N, got, ok, i)
		}
		if got := pc.Label(i); !bytes.Equal(got, p.Label) {
			t.Errorf("Label(%d) = %q, want %q", i, got, p.Label)
		}
		if got := pc.Entry(i); !bytes.Equal(got, p.Entry) {
			t.Errorf("Entry(%d) = %q, want %q", i, got, p.Entry)
		}
		if got := pc.IndexLine(i); !bytes.Equal(got, p.Index) {
			t.Errorf("IndexLine(%d) = %q, want %q", i, got, p.Index)
		}
		if got := pc.Vector(i); !slices.EqualFunc(got, c.Vectors[i], sameF32) {
			t.Errorf("Vector(%d) = %v, want %v", i, got, c.Vectors[i])
		}
	}
	// Numbers that are not there: below the first, between, above the last.
	present := map[int]bool{}
	for _, p := range c.Poems {
		present[int(p.N)] = true
	}
	last := int(c.Poems[n-1].N)
	for m := -1; m <= last+2; m++ {
		if present[m] {
			continue
		}
		if i, ok := pc.Index(m); ok {
			t.Errorf("Index(%d) = %d, true; there is no poem %d", m, i, m)
		}
	}
	for _, m := range []int{math.MinInt32, 1 << 40, math.MaxInt} {
		if i, ok := pc.Index(m); ok {
			t.Errorf("Index(%d) = %d, true; there is no poem %d", m, i, m)
		}
	}
	if got := pc.Norms(); !slices.EqualFunc(got, c.Norms, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
		t.Errorf("Norms = %v, want %v", got, c.Norms)
	}
	if got := pc.Gram(); !slices.EqualFunc(got, c.Gram, sameF32) {
		t.Errorf("Gram differs (%d vs %d entries)", len(got), len(c.Gram))
	}
	if got := pc.Chrono(); !slices.Equal(got, c.Chrono) {
		t.Errorf("Chrono = %v, want %v", got, c.Chrono)
	}
	if err := pc.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestVerify flips one byte anywhere past the header and the table, where
// Open's cheap checks do not look: Verify finds every one.
func TestVerify(t *testing.T) {
	good := encode(t, sample())
	path := writeTemp(t, nil)
	le := binary.LittleEndian
	for s := secBlob; s < numSections; s++ {
		off, size := le.Uint64(good[offSections+s*16:]), le.Uint64(good[offSections+s*16+8:])
		for _, k := range []uint64{off, off + size/2, off + size - 1} {
			if size == 0 {
				continue
			}
			bad := slices.Clone(good)
			bad[k] ^= 0x04
			rewrite(t, path, bad)
			c, err := Open(path)
			if err != nil {
				t.Fatalf("section %d, byte %d flipped: Open: %v (Open checks only the header and the table)", s, k, err)
			}
			if err := c.Verify(); !errors.Is(err, ErrDigest) {
				t.Errorf("section %d, byte %d flipped: Verify = %v, want damaged", s, k, err)
			}
			c.Close()
		}
	}
}

func sameF32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestRoundTripSpecialFloats: NaN payloads, infinities, negative zero and
// subnormals come back bit for bit (the file is read in place, not parsed).
func TestRoundTripSpecialFloats(t *testing.T) {
	c := sample()
	c.Vectors[0] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32, -1}
	c.Norms[1] = math.Copysign(0, -1)
	c.Gram[3] = math.Float32frombits(0x7fc00001)
	pc, err := Open(writeTemp(t, encode(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	checkContents(t, pc, c)
}

// TestSmallCorpora: a single poem; and a dimension of 0 (empty vectors section).
func TestSmallCorpora(t *testing.T) {
	one := contentsFor([]Poem{{N: 1, Label: []byte("a/1"), Entry: []byte("x"), Index: []byte("y")}}, 3, 3)
	zeroDim := contentsFor([]Poem{{N: 4, Label: []byte("a/1")}, {N: 5, Index: []byte("y")}}, 0, 4)
	for _, c := range []*Contents{one, zeroDim} {
		pc, err := Open(writeTemp(t, encode(t, c)))
		if err != nil {
			t.Fatal(err)
		}
		checkContents(t, pc, c)
		pc.Close()
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "corpus.bin")
	_, err := Open(path)
	if err == nil {
		t.Fatal("Open of a missing file succeeded")
	}
	if !strings.Contains(err.Error(), "make corpus") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q should name the file and say to run `make corpus`", err)
	}
	if _, ok := ReadFingerprint(path); ok {
		t.Error("ReadFingerprint of a missing file says ok")
	}
}

// expectDamaged opens path and wants an error wrapping ErrDamaged, not a panic.
func expectDamaged(t *testing.T, path, what string) error {
	t.Helper()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: Open panicked: %v", what, r)
			}
		}()
		var c *Corpus
		c, err = Open(path)
		if err == nil {
			c.Close()
		}
	}()
	if err == nil {
		t.Fatalf("%s: Open succeeded", what)
	}
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("%s: error %q does not wrap ErrDamaged", what, err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("%s: error %q does not name the file", what, err)
	}
	if _, ok := ReadFingerprint(path); ok {
		t.Errorf("%s: ReadFingerprint says ok", what)
	}
	return err
}

func TestTruncated(t *testing.T) {
	good := encode(t, sample())
	size := len(good)
	path := writeTemp(t, nil)
	lengths := []int{0, 1, 10, 255, 256, 257, align - 1, align, align + 1, size / 2, size - align, size - 1}
	// And every section boundary, one byte either side.
	for s := range numSections {
		off := int(binary.LittleEndian.Uint64(good[offSections+s*16:]))
		lengths = append(lengths, off-1, off, off+1)
	}
	for _, l := range lengths {
		if l < 0 || l >= size {
			continue
		}
		rewrite(t, path, good[:l])
		expectDamaged(t, path, fmt.Sprintf("truncated at %d of %d bytes", l, size))
	}
}

func TestAppended(t *testing.T) {
	good := encode(t, sample())
	path := writeTemp(t, nil)
	for _, extra := range []int{1, 7, align} {
		rewrite(t, path, append(slices.Clone(good), make([]byte, extra)...))
		expectDamaged(t, path, fmt.Sprintf("%d bytes appended", extra))
	}
}

// TestFlippedBytes damages every byte of the header and of the poem table in
// turn, with several masks: each must be caught at open time.
func TestFlippedBytes(t *testing.T) {
	good := encode(t, sample())
	tableOff := int(binary.LittleEndian.Uint64(good[offSections+secTable*16:]))
	tableLen := int(binary.LittleEndian.Uint64(good[offSections+secTable*16+8:]))
	if tableLen != len(sample().Poems)*recordSize {
		t.Fatalf("table is %d bytes", tableLen)
	}
	var offsets []int
	for k := range headerSize {
		offsets = append(offsets, k)
	}
	for k := range tableLen {
		offsets = append(offsets, tableOff+k)
	}
	path := writeTemp(t, nil)
	bad := slices.Clone(good)
	for _, k := range offsets {
		for _, mask := range []byte{0x01, 0x10, 0x80, 0xff} {
			bad[k] ^= mask
			rewrite(t, path, bad)
			expectDamaged(t, path, fmt.Sprintf("byte %d ^ %#x", k, mask))
			bad[k] = good[k]
		}
	}
}

// sealed recomputes the checksum after a deliberate edit, so that the
// checks behind the checksum are exercised.
func sealed(data []byte) []byte {
	h := data[:headerSize]
	n := binary.LittleEndian.Uint32(h[offCount:])
	tableOff := binary.LittleEndian.Uint64(h[offSections+secTable*16:])
	table := data[tableOff : tableOff+uint64(n)*recordSize]
	binary.LittleEndian.PutUint32(h[offChecksum:], checksum(h, table))
	return data
}

func TestWrongMagic(t *testing.T) {
	good := encode(t, sample())
	path := writeTemp(t, nil)
	for _, magic := range []string{"PAGEGEN\x01", "pagegen\x00", "\x00\x00\x00\x00\x00\x00\x00\x00", "GIF89a\x00\x00"} {
		bad := slices.Clone(good)
		copy(bad[offMagic:], magic)
		rewrite(t, path, sealed(bad))
		err := expectDamaged(t, path, fmt.Sprintf("magic %q", magic))
		if !strings.Contains(err.Error(), "magic") {
			t.Errorf("magic %q: error %q should say the magic is wrong", magic, err)
		}
	}
	// Not a packed corpus at all, e.g. the JSON given by mistake.
	rewrite(t, path, bytes.Repeat([]byte(`{"poems": []}`+"\n"), 100))
	expectDamaged(t, path, "a JSON file")
}

func TestOtherVersion(t *testing.T) {
	good := encode(t, sample())
	path := writeTemp(t, nil)
	for _, v := range []uint32{0, Version + 1, 77, math.MaxUint32} {
		bad := slices.Clone(good)
		binary.LittleEndian.PutUint32(bad[offVersion:], v)
		rewrite(t, path, sealed(bad))
		err := expectDamaged(t, path, fmt.Sprintf("version %d", v))
		if !strings.Contains(err.Error(), fmt.Sprintf("version %d", v)) {
			t.Errorf("version %d: error %q should mention the file's version", v, err)
		}
	}
}

// TestCraftedTable: records that point outside the text section, or whose
// numbers do not ascend, with a valid checksum.
func TestCraftedTable(t *testing.T) {
	good := encode(t, sample())
	tableOff := int(binary.LittleEndian.Uint64(good[offSections+secTable*16:]))
	blobSize := binary.LittleEndian.Uint64(good[offSections+secBlob*16+8:])
	n := len(sample().Poems)
	path := writeTemp(t, nil)
	edit := func(what string, f func(rec []byte)) {
		t.Helper()
		for i := range n {
			bad := slices.Clone(good)
			f(bad[tableOff+i*recordSize : tableOff+(i+1)*recordSize])
			rewrite(t, path, sealed(bad))
			expectDamaged(t, path, fmt.Sprintf("record %d: %s", i, what))
		}
	}
	le := binary.LittleEndian
	edit("offset just past the blob", func(r []byte) { le.PutUint64(r[16:], blobSize+1) })
	edit("offset far outside", func(r []byte) { le.PutUint64(r[16:], 1<<40) })
	edit("offset at the top of the range", func(r []byte) { le.PutUint64(r[16:], math.MaxUint64) })
	edit("offset such that the text runs past the blob", func(r []byte) {
		le.PutUint64(r[16:], blobSize-uint64(le.Uint32(r[4:])+le.Uint32(r[8:])+le.Uint32(r[12:]))+1)
	})
	edit("huge label", func(r []byte) { le.PutUint32(r[4:], math.MaxUint32) })
	edit("huge entry", func(r []byte) { le.PutUint32(r[8:], uint32(blobSize)) })
	edit("huge index line", func(r []byte) { le.PutUint32(r[12:], math.MaxUint32) })
	edit("all lengths huge", func(r []byte) {
		le.PutUint32(r[4:], math.MaxUint32)
		le.PutUint32(r[8:], math.MaxUint32)
		le.PutUint32(r[12:], math.MaxUint32)
	})
	edit("poem number 0", func(r []byte) { le.PutUint32(r[0:], 0) })
	edit("poem number out of order", func(r []byte) {
		// 11 is the last number: for the last record use 10, a repeat.
		if le.Uint32(r[0:]) == 11 {
			le.PutUint32(r[0:], 10)
		} else {
			le.PutUint32(r[0:], 11)
		}
	})

	// A record at the very end of the blob, within it, is fine.
	ok := slices.Clone(good)
	last := ok[tableOff+(n-1)*recordSize:]
	le.PutUint32(last[4:], 0)
	le.PutUint32(last[8:], 0)
	le.PutUint32(last[12:], 0)
	le.PutUint64(last[16:], blobSize)
	rewrite(t, path, sealed(ok))
	pc, err := Open(path)
	if err != nil {
		t.Fatalf("an empty record at the end of the blob: %v", err)
	}
	if len(pc.Label(n-1)) != 0 || len(pc.Entry(n-1)) != 0 || len(pc.IndexLine(n-1)) != 0 {
		t.Error("an empty record reads as non-empty")
	}
	pc.Close()
}

// TestCraftedHeader: counts, sizes and offsets that do not fit, with a valid checksum.
func TestCraftedHeader(t *testing.T) {
	good := encode(t, sample())
	path := writeTemp(t, nil)
	le := binary.LittleEndian
	cases := map[string]func(h []byte){
		"count 0":             func(h []byte) { le.PutUint32(h[offCount:], 0) },
		"count + 1":           func(h []byte) { le.PutUint32(h[offCount:], le.Uint32(h[offCount:])+1) },
		"count - 1":           func(h []byte) { le.PutUint32(h[offCount:], le.Uint32(h[offCount:])-1) },
		"count huge":          func(h []byte) { le.PutUint32(h[offCount:], math.MaxUint32) },
		"dim + 1":             func(h []byte) { le.PutUint32(h[offDim:], le.Uint32(h[offDim:])+1) },
		"dim huge":            func(h []byte) { le.PutUint32(h[offDim:], math.MaxUint32) },
		"header size":         func(h []byte) { le.PutUint32(h[offHeaderSize:], 512) },
		"file size":           func(h []byte) { le.PutUint64(h[offFileSize:], le.Uint64(h[offFileSize:])+align) },
		"file size huge":      func(h []byte) { le.PutUint64(h[offFileSize:], math.MaxUint64) },
		"blob size huge":      func(h []byte) { le.PutUint64(h[offSections+secBlob*16+8:], math.MaxUint64) },
		"gram offset huge":    func(h []byte) { le.PutUint64(h[offSections+secGram*16:], math.MaxUint64&^(align-1)) },
		"gram offset unalign": func(h []byte) { le.PutUint64(h[offSections+secGram*16:], le.Uint64(h[offSections+secGram*16:])+8) },
		"gram past the end":   func(h []byte) { le.PutUint64(h[offSections+secGram*16:], le.Uint64(h[offSections+secGram*16:])+align) },
		"vectors size": func(h []byte) {
			le.PutUint64(h[offSections+secVectors*16+8:], le.Uint64(h[offSections+secVectors*16+8:])+4)
		},
		"norms size":          func(h []byte) { le.PutUint64(h[offSections+secNorms*16+8:], 8) },
		"table in the header": func(h []byte) { le.PutUint64(h[offSections+secTable*16:], 0) },
		"blob past the end":   func(h []byte) { le.PutUint64(h[offSections+secBlob*16+8:], le.Uint64(h[offFileSize:])) },
		"table size + 1 entry": func(h []byte) {
			le.PutUint64(h[offSections+secTable*16+8:], le.Uint64(h[offSections+secTable*16+8:])+recordSize)
		},
	}
	for what, f := range cases {
		bad := slices.Clone(good)
		f(bad[:headerSize])
		// sealed reads the table with the (possibly edited) count: keep it in range.
		if n := le.Uint32(bad[offCount:]); uint64(n)*recordSize > uint64(align) {
			rewrite(t, path, bad)
		} else {
			rewrite(t, path, sealed(bad))
		}
		expectDamaged(t, path, what)
	}
}

func TestWriteRefusesInconsistentContents(t *testing.T) {
	cases := map[string]func(c *Contents){
		"no poems":              func(c *Contents) { *c = Contents{Dim: c.Dim} },
		"a norm missing":        func(c *Contents) { c.Norms = c.Norms[1:] },
		"a norm too many":       func(c *Contents) { c.Norms = append(c.Norms, 1) },
		"a vector missing":      func(c *Contents) { c.Vectors = c.Vectors[1:] },
		"a vector too many":     func(c *Contents) { c.Vectors = append(c.Vectors, c.Vectors[0]) },
		"a cosine missing":      func(c *Contents) { c.Gram = c.Gram[1:] },
		"a cosine too many":     func(c *Contents) { c.Gram = append(c.Gram, 0) },
		"a short vector":        func(c *Contents) { c.Vectors[2] = c.Vectors[2][1:] },
		"a long vector":         func(c *Contents) { c.Vectors[4] = append(slices.Clone(c.Vectors[4]), 1) },
		"dim larger":            func(c *Contents) { c.Dim++ },
		"dim smaller":           func(c *Contents) { c.Dim-- },
		"poems out of order":    func(c *Contents) { c.Poems[1], c.Poems[2] = c.Poems[2], c.Poems[1] },
		"a repeated number":     func(c *Contents) { c.Poems[3].N = c.Poems[2].N },
		"poem number 0":         func(c *Contents) { c.Poems[0].N = 0 },
		"no poems but the rest": func(c *Contents) { c.Poems = nil },
	}
	for what, f := range cases {
		c := sample()
		f(c)
		var buf bytes.Buffer
		if err := Write(&buf, c); err == nil {
			t.Errorf("%s: Write accepted it (%d bytes)", what, buf.Len())
		}
	}
}

// failingWriter fails after limit bytes.
type failingWriter struct{ limit, n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.n+len(b) > w.limit {
		k := max(w.limit-w.n, 0)
		w.n += k
		return k, errDiskFull
	}
	w.n += len(b)
	return len(b), nil
}

func TestWriteReportsWriteErrors(t *testing.T) {
	c := large()
	size := len(encode(t, c))
	for _, limit := range []int{0, 100, align, size / 2, size - 1} {
		if err := Write(&failingWriter{limit: limit}, c); !errors.Is(err, errDiskFull) {
			t.Errorf("writer failing after %d of %d bytes: Write returned %v", limit, size, err)
		}
	}
}

// TestDeterministic: the same contents give the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := encode(t, large()), encode(t, large())
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same contents differ")
	}
}
