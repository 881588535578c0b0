package corpus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"unsafe"

	"github.com/edsrzf/mmap-go"

	"pagegen/internal/atomicfile"
)

// ErrDamaged marks a packed corpus that cannot be used as it is; rebuilding it fixes that.
var ErrDamaged = errors.New("rebuild it with `make corpus`")

// ErrDigest marks a packed corpus whose contents no longer match their
// digest: packing it again fixes that.
var ErrDigest = errors.New("its contents do not match their digest")

// Corpus is an open, memory-mapped packed corpus. Its slices point into the
// mapping and are valid until Close.
type Corpus struct {
	path    string
	m       mmap.MMap
	n, dim  int
	fp      Fingerprint
	digest  Digest
	table   []byte
	blob    []byte
	sums    []byte
	norms   []float64
	vectors []float32
	gram    []float32
}

// Open maps path and checks it: magic, version, sizes, offsets and the checksum
// of the header and table, so that a damaged file fails here and not mid-page.
func Open(path string) (*Corpus, error) {
	f, err := atomicfile.OpenRegular(path, true) // never blocks on a FIFO
	if errors.Is(err, atomicfile.ErrNotRegular) {
		return nil, err
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s not found: build it with `make corpus`", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the packed corpus: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening the packed corpus: %w", err)
	}
	if fi.Size() < headerSize {
		return nil, fmt.Errorf("%s: too short to be a packed corpus (%d bytes), truncated?: %w", path, fi.Size(), ErrDamaged)
	}
	m, err := mmap.Map(f, mmap.RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	c := &Corpus{path: path, m: m}
	if err := c.parse(); err != nil {
		m.Unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Close unmaps the corpus.
func (c *Corpus) Close() error { return c.m.Unmap() }

func (c *Corpus) damaged(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrDamaged)...)
}

func (c *Corpus) parse() error {
	b := []byte(c.m)
	h := b[:headerSize]
	le := binary.LittleEndian
	if !bytes.Equal(h[offMagic:offMagic+len(Magic)], []byte(Magic)) {
		return c.damaged("not a packed corpus (wrong magic bytes)")
	}
	if v := le.Uint32(h[offVersion:]); v != Version {
		return c.damaged("packed corpus format version %d, this pagegen reads version %d", v, Version)
	}
	if !littleEndian() {
		return fmt.Errorf("this machine is big-endian; the packed corpus is read in place and needs a little-endian machine")
	}
	if le.Uint32(h[offHeaderSize:]) != headerSize {
		return c.damaged("header size %d, want %d", le.Uint32(h[offHeaderSize:]), headerSize)
	}
	if size := le.Uint64(h[offFileSize:]); size != uint64(len(b)) {
		return c.damaged("the file is %d bytes, its header says %d (truncated or still being written?)", len(b), size)
	}
	c.n, c.dim = int(le.Uint32(h[offCount:])), int(le.Uint32(h[offDim:]))
	copy(c.fp[:], h[offFingerprint:])
	copy(c.digest[:], h[offContent:])
	n, dim := uint64(c.n), uint64(c.dim)
	if n > maxCount || dim > maxCount { // far past any real file; keeps the sizes below from overflowing
		return c.damaged("%d poems of dimension %d is not a real corpus", n, dim)
	}
	want := [numSections]uint64{secTable: n * recordSize, secSums: n * sumsSize, secNorms: n * 8, secVectors: n * dim * 4, secGram: n * n * 4}
	var sec [numSections][]byte
	for s := range sec {
		off, size := le.Uint64(h[offSections+s*16:]), le.Uint64(h[offSections+s*16+8:])
		if off%align != 0 || off > uint64(len(b)) || size > uint64(len(b))-off || (s != secBlob && size != want[s]) {
			return c.damaged("section %d (offset %d, %d bytes) does not fit the file or the counts", s, off, size)
		}
		sec[s] = b[off : off+size : off+size]
	}
	if c.n == 0 {
		return c.damaged("no poems")
	}
	if got := le.Uint32(h[offChecksum:]); got != checksum(h, sec[secTable]) {
		return c.damaged("checksum mismatch in the header or poem table")
	}
	c.table, c.blob, c.sums = sec[secTable], sec[secBlob], sec[secSums]
	c.norms = castSlice[float64](sec[secNorms])
	c.vectors = castSlice[float32](sec[secVectors])
	c.gram = castSlice[float32](sec[secGram])
	return c.checkTable()
}

// checkTable makes sure every record points inside the blob and N ascends,
// so that no later read can go out of range.
func (c *Corpus) checkTable() error {
	prev := uint32(0)
	for i := range c.n {
		r := c.record(i)
		if r.n <= prev {
			return c.damaged("poem numbers out of order at record %d", i)
		}
		prev = r.n
		if r.off > uint64(len(c.blob)) || uint64(r.label)+uint64(r.entry)+uint64(r.index) > uint64(len(c.blob))-r.off {
			return c.damaged("record %d points outside the text section", i)
		}
	}
	seen := make([]bool, c.n)
	for i := range c.n {
		p := c.record(i).chrono
		if int(p) >= c.n || seen[p] {
			return c.damaged("the chronological places are not one per poem (record %d)", i)
		}
		seen[p] = true
	}
	return nil
}

// Verify reads the whole file and checks it against its content digest and
// the Gram matrix's checksum: the damage the cheap checks of Open cannot see
// (a flipped byte in a vector, the Gram matrix or an entry) is caught here,
// once per build.
func (c *Corpus) Verify() error {
	h := newContentHash()
	b := []byte(c.m)
	le := binary.LittleEndian
	for s := range numSections {
		off, size := le.Uint64(b[offSections+s*16:]), le.Uint64(b[offSections+s*16+8:])
		h.add(s, b[off:off+size])
	}
	if digest, gram := h.sums(); digest != c.digest || gram != le.Uint32(b[offGramCRC:]) {
		return fmt.Errorf("%s is damaged: %w", c.path, ErrDigest)
	}
	return nil
}

// maxCount bounds the poem count and dimension a file may claim (2²⁴ poems
// would be a 1 PB Gram matrix), so that no size computed from them overflows.
const maxCount = 1 << 24

type record struct {
	n, label, entry, index uint32
	off                    uint64
	chrono                 uint32
}

func (c *Corpus) record(i int) record {
	r := c.table[i*recordSize : (i+1)*recordSize]
	le := binary.LittleEndian
	return record{le.Uint32(r[0:]), le.Uint32(r[4:]), le.Uint32(r[8:]), le.Uint32(r[12:]), le.Uint64(r[16:]), le.Uint32(r[24:])}
}

// castSlice views b (from the page-aligned mapping) as a slice of T without copying.
func castSlice[T float32 | float64](b []byte) []T {
	var zero T
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/int(unsafe.Sizeof(zero)))
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// Size is the packed file's size in bytes.
func (c *Corpus) Size() int64 { return int64(len(c.m)) }

// Path is where the corpus was opened from.
func (c *Corpus) Path() string { return c.path }

// Len is the number of poems.
func (c *Corpus) Len() int { return c.n }

// Dim is the embedding dimension.
func (c *Corpus) Dim() int { return c.dim }

// Fingerprint identifies the inputs and settings the corpus was made from.
func (c *Corpus) Fingerprint() Fingerprint { return c.fp }

// Digest identifies the corpus's contents (see Verify).
func (c *Corpus) Digest() Digest { return c.digest }

// Chrono is the poems' indices in chronological order, undated last (by N).
func (c *Corpus) Chrono() []uint32 {
	seq := make([]uint32, c.n)
	for i := range c.n {
		seq[c.record(i).chrono] = uint32(i)
	}
	return seq
}

// N is the number of the poem at index i.
func (c *Corpus) N(i int) int { return int(c.record(i).n) }

// Index finds the index of poem number n.
func (c *Corpus) Index(n int) (int, bool) {
	lo, hi := 0, c.n
	for lo < hi {
		mid := (lo + hi) / 2
		if c.N(mid) < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < c.n && c.N(lo) == n
}

// Label is the escaped category/id of poem i.
func (c *Corpus) Label(i int) []byte {
	r := c.record(i)
	return c.blob[r.off : r.off+uint64(r.label)]
}

// Entry is the pre-rendered entry of poem i, everything after its rank.
func (c *Corpus) Entry(i int) []byte {
	r := c.record(i)
	start := r.off + uint64(r.label)
	return c.blob[start : start+uint64(r.entry)]
}

// IndexLine is poem i's line on the index page.
func (c *Corpus) IndexLine(i int) []byte {
	r := c.record(i)
	start := r.off + uint64(r.label) + uint64(r.entry)
	return c.blob[start : start+uint64(r.index)]
}

// Sums are poem i's digests.
func (c *Corpus) Sums(i int) Sums {
	var s Sums
	r := c.sums[i*sumsSize:]
	copy(s.Vector[:], r)
	copy(s.Shown[:], r[len(Sum{}):])
	copy(s.Input[:], r[2*len(Sum{}):])
	return s
}

// Norms are |E[i]|.
func (c *Corpus) Norms() []float64 { return c.norms }

// Vector is the embedding of poem i.
func (c *Corpus) Vector(i int) []float32 { return c.vectors[i*c.dim : (i+1)*c.dim] }

// Gram is the n×n cosine matrix, row-major.
func (c *Corpus) Gram() []float32 { return c.gram }

// ReadFingerprint reads only the fingerprint of the packed corpus at path, to
// decide cheaply whether it must be rebuilt; ok is false when there is no
// usable file.
func ReadFingerprint(path string) (fp Fingerprint, ok bool) {
	c, err := Open(path)
	if err != nil {
		return fp, false
	}
	defer c.Close()
	return c.fp, true
}

// CheckReplaceable refuses to let a packed corpus be written over path unless
// path is new or already a packed corpus (of any version): never over an
// input, a file of the user's, a directory or a device.
func CheckReplaceable(path string, inputs ...string) error {
	fi, err := os.Stat(path)
	for _, in := range inputs {
		if ii, ierr := os.Stat(in); err == nil && ierr == nil && os.SameFile(fi, ii) {
			return fmt.Errorf("CORPUS=%s is the input %s: the packed corpus needs a file of its own (the default is data/corpus.bin)", path, in)
		}
	}
	if err := atomicfile.CheckOurs(path, []byte(Magic)); err != nil {
		return fmt.Errorf("CORPUS: %w: give CORPUS the path of a file the build may write (the default is data/corpus.bin), or move that one away", err)
	}
	return nil
}
