package corpus

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"unsafe"
)

// Poem is one poem's record: its number and its pre-rendered HTML.
type Poem struct {
	N     uint32
	Label []byte // escaped category/id
	Entry []byte // the entry after its rank (render.Entry)
	Index []byte // the line on the index page (render.IndexLine)
	Sums  Sums
}

// Contents is everything a packed corpus holds.
type Contents struct {
	Fingerprint Fingerprint
	Dim         int
	Poems       []Poem      // ascending N
	Norms       []float64   // |E[i]|
	Vectors     [][]float32 // E[i], each Dim long
	Gram        []float32   // n×n cosines
	Chrono      []uint32    // indices, oldest first, undated last (by N)
}

// sections calls fn with each section's bytes in file order, a piece at a
// time; the numbers are little-endian, as the reader maps them in place.
func (c *Contents) sections(table []byte, fn func(sec int, b []byte)) {
	fn(secTable, table)
	for _, p := range c.Poems {
		fn(secBlob, p.Label)
		fn(secBlob, p.Entry)
		fn(secBlob, p.Index)
	}
	for _, p := range c.Poems {
		fn(secSums, p.Sums.Vector[:])
		fn(secSums, p.Sums.Shown[:])
		fn(secSums, p.Sums.Input[:])
	}
	fn(secNorms, asBytes(c.Norms))
	for _, v := range c.Vectors {
		fn(secVectors, asBytes(v))
	}
	fn(secGram, asBytes(c.Gram))
}

// layout computes the header for c: the section table, sizes, digest and checksum.
func (c *Contents) layout() (header, table []byte) {
	n := uint64(len(c.Poems))
	table = make([]byte, n*recordSize)
	for place, i := range c.Chrono {
		binary.LittleEndian.PutUint32(table[int(i)*recordSize+24:], uint32(place))
	}
	var blobSize uint64
	for i, p := range c.Poems {
		r := table[i*recordSize:]
		binary.LittleEndian.PutUint32(r[0:], p.N)
		binary.LittleEndian.PutUint32(r[4:], uint32(len(p.Label)))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(p.Entry)))
		binary.LittleEndian.PutUint32(r[12:], uint32(len(p.Index)))
		binary.LittleEndian.PutUint64(r[16:], blobSize)
		blobSize += uint64(len(p.Label) + len(p.Entry) + len(p.Index))
	}
	sizes := [numSections]uint64{
		secTable:   uint64(len(table)),
		secBlob:    blobSize,
		secSums:    n * sumsSize,
		secNorms:   n * 8,
		secVectors: n * uint64(c.Dim) * 4,
		secGram:    n * n * 4,
	}
	header = make([]byte, headerSize)
	copy(header[offMagic:], Magic)
	binary.LittleEndian.PutUint32(header[offVersion:], Version)
	binary.LittleEndian.PutUint32(header[offHeaderSize:], headerSize)
	binary.LittleEndian.PutUint32(header[offCount:], uint32(n))
	binary.LittleEndian.PutUint32(header[offDim:], uint32(c.Dim))
	copy(header[offFingerprint:], c.Fingerprint[:])
	off := uint64(align)
	for s, size := range sizes {
		binary.LittleEndian.PutUint64(header[offSections+s*16:], off)
		binary.LittleEndian.PutUint64(header[offSections+s*16+8:], size)
		off = alignUp(off + size)
	}
	binary.LittleEndian.PutUint64(header[offFileSize:], off)
	h := newContentHash()
	c.sections(table, h.add)
	digest, gram := h.sums()
	copy(header[offContent:], digest[:])
	binary.LittleEndian.PutUint32(header[offGramCRC:], gram)
	binary.LittleEndian.PutUint32(header[offChecksum:], checksum(header, table))
	return header, table
}

// Write writes c in the packed format.
func Write(w io.Writer, c *Contents) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("packing %d poems: inconsistent contents (%w)", len(c.Poems), err)
	}
	header, table := c.layout()
	bw := &posWriter{w: bufio.NewWriterSize(w, 1<<20)}
	bw.write(header)
	c.sections(table, func(sec int, b []byte) {
		bw.pad(binary.LittleEndian.Uint64(header[offSections+sec*16:]))
		bw.write(b)
	})
	bw.pad(binary.LittleEndian.Uint64(header[offFileSize:]))
	if bw.err != nil {
		return bw.err
	}
	return bw.w.Flush()
}

// check refuses contents the reader would refuse, before anything is written.
func (c *Contents) check() error {
	n := len(c.Poems)
	if n == 0 || len(c.Norms) != n || len(c.Vectors) != n || len(c.Gram) != n*n || len(c.Chrono) != n {
		return fmt.Errorf("%d norms, %d vectors, %d cosines, %d in the chronology", len(c.Norms), len(c.Vectors), len(c.Gram), len(c.Chrono))
	}
	for i, v := range c.Vectors {
		if len(v) != c.Dim {
			return fmt.Errorf("vector %d has %d values, the dimension is %d", i, len(v), c.Dim)
		}
	}
	prev := uint32(0)
	for i, p := range c.Poems {
		if p.N <= prev {
			return fmt.Errorf("poem %d at position %d: numbers must start at 1 and ascend", p.N, i)
		}
		prev = p.N
	}
	seen := make([]bool, n)
	for _, i := range c.Chrono {
		if int(i) >= n || seen[i] {
			return fmt.Errorf("the chronology is not a permutation of the poems")
		}
		seen[i] = true
	}
	return nil
}

// asBytes views a slice of numbers as its little-endian bytes (the machine's
// order: Open refuses big-endian machines), without copying.
func asBytes[T float32 | float64](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*int(unsafe.Sizeof(zero)))
}

// posWriter tracks the offset written so far and keeps the first error.
type posWriter struct {
	w   *bufio.Writer
	off uint64
	err error
}

func (p *posWriter) write(b []byte) {
	if p.err != nil {
		return
	}
	var n int
	n, p.err = p.w.Write(b)
	p.off += uint64(n)
}

func (p *posWriter) pad(to uint64) {
	for p.off < to && p.err == nil {
		p.write(make([]byte, min(to-p.off, align)))
	}
}
