package corpus

// Fuzz tests for the packed-corpus reader: whatever the bytes of the file,
// Open returns an error (wrapping ErrDamaged) or a corpus whose every
// accessor, for every poem, stays in range.
//
// The checksum over the header and table makes random bytes fail early, so
// besides FuzzOpen (raw bytes) there are two targets that get past it:
// FuzzOpenSections patches the sections after the table (not checksummed),
// FuzzOpenHeader edits header and table and then recomputes the checksum.
//
// Plain `go test` runs the seeds (valid files made by Write, built in code,
// and the files under testdata/fuzz/); to fuzz, e.g.:
//
//	go test -run='^$' -fuzz='^FuzzOpenHeader$' -fuzztime=10m -parallel=1 ./internal/corpus/

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzContents are small valid corpora: numbers with gaps, UTF-8 text, empty
// texts, a single poem, dimension 0.
func fuzzContents() []*Contents {
	mk := func(dim int, poems ...Poem) *Contents {
		n := len(poems)
		c := &Contents{Dim: dim, Poems: poems, Norms: make([]float64, n), Vectors: make([][]float32, n), Gram: make([]float32, n*n), Chrono: reversed(n)}
		for i := range n {
			c.Vectors[i] = make([]float32, dim)
			for k := range dim {
				c.Vectors[i][k] = float32(i+1) - float32(k)/4
				c.Norms[i] += float64(c.Vectors[i][k] * c.Vectors[i][k])
			}
			c.Norms[i] = math.Sqrt(c.Norms[i])
			for j := range n {
				c.Gram[i*n+j] = float32(i+j) / float32(n)
			}
		}
		for k := range c.Fingerprint {
			c.Fingerprint[k] = byte(k * 7)
		}
		return c
	}
	p := func(n uint32, label, entry, index string) Poem {
		return Poem{N: n, Label: []byte(label), Entry: []byte(entry), Index: []byte(index)}
	}
	return []*Contents{
		mk(3,
			p(2, "fediverse/1", "  a line &amp; &lt;x&gt;\n", "  2 fediverse/1\n"),
			p(3, "notes/ünï", "  Grüße, 詩, 🌙\n", ""),
			p(7, "messages/1", "", "  7 messages/1\n"),
			p(11, "x/&quot;q&quot;", "last\n", " 11 x/&quot;q&quot;\n")),
		mk(1, p(1, "a/1", "x", "y")),
		mk(0, p(4, "a/1", "", ""), p(5, "", "", "y")),
		mk(2, p(1, "", "", ""), p(2, "b", "", ""), p(math.MaxUint32, "c", "e", "i")),
	}
}

// fuzzBases are the fuzzContents written by Write.
func fuzzBases(tb testing.TB) [][]byte {
	tb.Helper()
	var bases [][]byte
	for _, c := range fuzzContents() {
		var buf bytes.Buffer
		if err := Write(&buf, c); err != nil {
			tb.Fatal(err)
		}
		bases = append(bases, buf.Bytes())
	}
	return bases
}

// fuzzOpen writes data to a fresh file and opens it. A successful open is
// checked throughout; a failed one must be a clear error about the file.
// It returns the open corpus (closed at the end of the test) or nil.
func fuzzOpen(t *testing.T, data []byte) *Corpus {
	t.Helper()
	// The Go fuzzer has no time limit per input; a panic on another
	// goroutine kills the worker, so that the input is kept.
	const hangAfter = 10 * time.Second
	watchdog := time.AfterFunc(hangAfter, func() {
		panic(fmt.Sprintf("%s: Open and the accessors have not returned after %v: a hang", t.Name(), hangAfter))
	})
	defer watchdog.Stop()
	path := filepath.Join(t.TempDir(), "corpus.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path)
	fp, fpOK := ReadFingerprint(path)
	if err != nil {
		if c != nil {
			t.Errorf("Open returned a corpus and the error %q", err)
		}
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("error %q does not wrap ErrDamaged", err)
		}
		if !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("error %q does not start with the file", err)
		}
		if fpOK {
			t.Error("ReadFingerprint says ok for a file Open refuses")
		}
		return nil
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if !fpOK || fp != c.Fingerprint() {
		t.Errorf("ReadFingerprint = %x, %t; Open has %x", fp, fpOK, c.Fingerprint())
	}
	if !bytes.Equal(c.fp[:], data[offFingerprint:offFingerprint+len(c.fp)]) {
		t.Error("the fingerprint is not the header's")
	}
	checkAccessors(t, c, data)
	return c
}

// checkAccessors calls every accessor for every poem and checks that what
// comes back is in range and is the file's bytes, read in place.
func checkAccessors(t *testing.T, c *Corpus, data []byte) {
	t.Helper()
	n, dim := c.Len(), c.Dim()
	if n <= 0 || dim < 0 {
		t.Fatalf("Len %d, Dim %d", n, dim)
	}
	le := binary.LittleEndian
	sec := func(s int) (off, size uint64) {
		return le.Uint64(data[offSections+s*16:]), le.Uint64(data[offSections+s*16+8:])
	}
	within := func(what string, b []byte, s int, at uint64) {
		t.Helper()
		off, size := sec(s)
		if at > size || uint64(len(b)) > size-at {
			t.Fatalf("%s: %d bytes at %d of a %d-byte section", what, len(b), at, size)
		}
		if !bytes.Equal(b, data[off+at:off+at+uint64(len(b))]) {
			t.Fatalf("%s is not the file's bytes", what)
		}
	}
	norms, gram := c.Norms(), c.Gram()
	if len(norms) != n || len(gram) != n*n {
		t.Fatalf("%d norms, %d cosines for %d poems", len(norms), len(gram), n)
	}
	var sum float64 // touch every value read, so that a bad mapping faults here
	prev := 0
	for i := range n {
		num := c.N(i)
		if num <= prev {
			t.Fatalf("N(%d) = %d after %d", i, num, prev)
		}
		prev = num
		if j, ok := c.Index(num); !ok || j != i {
			t.Fatalf("Index(%d) = %d, %t; want %d, true", num, j, ok, i)
		}
		if j, ok := c.Index(num + 1); ok && (i+1 >= n || c.N(i+1) != num+1 || j != i+1) {
			t.Fatalf("Index(%d) = %d, true", num+1, j)
		}
		r := c.record(i)
		label, entry, index := c.Label(i), c.Entry(i), c.IndexLine(i)
		if uint32(len(label)) != r.label || uint32(len(entry)) != r.entry || uint32(len(index)) != r.index {
			t.Fatalf("poem %d: texts of %d, %d, %d bytes; its record says %d, %d, %d", i, len(label), len(entry), len(index), r.label, r.entry, r.index)
		}
		within("Label", label, secBlob, r.off)
		within("Entry", entry, secBlob, r.off+uint64(len(label)))
		within("IndexLine", index, secBlob, r.off+uint64(len(label)+len(entry)))
		for _, b := range [][]byte{label, entry, index} {
			for _, x := range b {
				sum += float64(x)
			}
		}
		v := c.Vector(i)
		if len(v) != dim {
			t.Fatalf("Vector(%d) has %d values, Dim %d", i, len(v), dim)
		}
		vecOff, _ := sec(secVectors)
		for k, x := range v {
			if got := le.Uint32(data[vecOff+uint64(i*dim+k)*4:]); got != math.Float32bits(x) {
				t.Fatalf("Vector(%d)[%d] is not the file's value", i, k)
			}
			sum += float64(x)
		}
		for _, x := range gram[i*n : (i+1)*n] {
			sum += float64(x)
		}
		sum += norms[i]
	}
	for _, m := range []int{math.MinInt, -1, 0, prev + 1, math.MaxUint32 + 1, math.MaxInt} {
		if j, ok := c.Index(m); ok {
			t.Fatalf("Index(%d) = %d, true; there is no poem %d", m, j, m)
		}
	}
	_ = sum
}

func FuzzOpen(f *testing.F) {
	for _, b := range fuzzBases(f) {
		f.Add(b)
		f.Add(b[:headerSize])
		f.Add(b[:align])
		f.Add(b[:len(b)-1])
		f.Add(append(slices.Clone(b), 0))
	}
	f.Add([]byte(nil))
	f.Add([]byte(Magic))
	f.Add(bytes.Repeat([]byte(`{"poems": []}`+"\n"), 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOpen(t, data)
	})
}

// FuzzOpenSections patches the sections after the header and the table —
// text, norms, vectors, Gram matrix and the padding between them — which
// the checksum does not cover: the file must open, and read the same.
func FuzzOpenSections(f *testing.F) {
	contents, bases := fuzzContents(), fuzzBases(f)
	for i := range bases {
		for s := secBlob; s < numSections; s++ {
			f.Add(uint8(i), uint8(s), uint32(0), []byte{0xff, 0xfe, 0x00, 0x80, 0x7f, 0xc0})
		}
		f.Add(uint8(i), uint8(secBlob), uint32(3), bytes.Repeat([]byte{0xff}, 64))
		f.Add(uint8(i), uint8(secVectors), uint32(align-2), bytes.Repeat([]byte{0xaa}, 8))
	}
	f.Fuzz(func(t *testing.T, base, s uint8, at uint32, patch []byte) {
		want := contents[int(base)%len(bases)]
		data := slices.Clone(bases[int(base)%len(bases)])
		// The first section after the table, or a later one.
		start := binary.LittleEndian.Uint64(data[offSections+(secBlob+int(s)%(numSections-secBlob))*16:])
		pos := start + uint64(at)%(uint64(len(data))-start)
		copy(data[pos:], patch)
		c := fuzzOpen(t, data)
		if c == nil {
			t.Fatal("the file no longer opens, with its header and table intact")
		}
		// The header and the table are those written.
		if c.Len() != len(want.Poems) || c.Dim() != want.Dim || c.Fingerprint() != want.Fingerprint {
			t.Fatalf("Len, Dim = %d, %d; want %d, %d", c.Len(), c.Dim(), len(want.Poems), want.Dim)
		}
		for i, p := range want.Poems {
			if c.N(i) != int(p.N) || len(c.Label(i)) != len(p.Label) || len(c.Entry(i)) != len(p.Entry) || len(c.IndexLine(i)) != len(p.Index) {
				t.Fatalf("poem %d differs in its number or text lengths", i)
			}
		}
	})
}

// FuzzOpenHeader edits the header (counts, dimension, sizes, offsets, file
// size) and the table of a valid file, resizes it, and recomputes the
// checksum, so that the fuzzer reaches the checks behind the checksum.
func FuzzOpenHeader(f *testing.F) {
	bases := fuzzBases(f)
	le := binary.LittleEndian
	for i, b := range bases {
		h := b[:headerSize]
		tableOff := le.Uint64(h[offSections+secTable*16:])
		table := b[tableOff : tableOff+le.Uint64(h[offSections+secTable*16+8:])]
		f.Add(uint8(i), slices.Clone(h), slices.Clone(table), int16(0))
		f.Add(uint8(i), slices.Clone(h), slices.Clone(table), int16(align))
		f.Add(uint8(i), slices.Clone(h), slices.Clone(table), int16(-align))
		edit := func(off int, put func(b []byte)) {
			e := slices.Clone(h)
			put(e[off:])
			f.Add(uint8(i), e, slices.Clone(table), int16(0))
		}
		u32 := func(v uint32) func([]byte) { return func(b []byte) { le.PutUint32(b, v) } }
		u64 := func(v uint64) func([]byte) { return func(b []byte) { le.PutUint64(b, v) } }
		edit(offCount, u32(le.Uint32(h[offCount:])+1))
		edit(offCount, u32(math.MaxUint32))
		edit(offDim, u32(le.Uint32(h[offDim:])+1))
		edit(offDim, u32(1<<30))
		edit(offFileSize, u64(math.MaxUint64))
		edit(offSections+secBlob*16+8, u64(math.MaxUint64))
		edit(offSections+secGram*16, u64(math.MaxUint64&^(align-1)))
		edit(offSections+secTable*16, u64(0))
		edit(offSections+secNorms*16, u64(le.Uint64(h[offSections+secVectors*16:])))
	}
	f.Fuzz(func(t *testing.T, base uint8, header, table []byte, resize int16) {
		good := bases[int(base)%len(bases)]
		data := slices.Clone(good)
		copy(data[:headerSize], header)
		copy(data[align:2*align], table) // Write puts the table at the second page
		if n := len(data) + int(resize); n < len(data) {
			data = data[:max(n, 0)]
		} else {
			data = append(data, make([]byte, n-len(data))...)
		}
		if len(data) >= headerSize {
			// Seal: the checksum of the header and of the table where the
			// header now says it is, when it is in the file.
			h := data[:headerSize]
			off, size := le.Uint64(h[offSections+secTable*16:]), uint64(le.Uint32(h[offCount:]))*recordSize
			if off <= uint64(len(data)) && size <= uint64(len(data))-off {
				le.PutUint32(h[offChecksum:], checksum(h, data[off:off+size]))
			}
		}
		c := fuzzOpen(t, data)
		if c == nil && bytes.Equal(data, good) {
			t.Fatal("a good file does not open")
		}
	})
}
