package packed

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Poem is one poem's record: its number and its pre-rendered HTML.
type Poem struct {
	N     uint32
	Label []byte // escaped category/id
	Entry []byte // the entry after its rank (render.Entry)
	Index []byte // the line on the index page (render.IndexLine)
}

// Contents is everything a packed corpus holds.
type Contents struct {
	Fingerprint Fingerprint
	Dim         int
	Poems       []Poem      // ascending N
	Norms       []float64   // |E[i]|
	Vectors     [][]float32 // E[i], each Dim long
	Gram        []float32   // n×n cosines
}

// layout computes the header for c: the section table, sizes and checksum.
func (c *Contents) layout() (header, table []byte, blobSize uint64) {
	n := uint64(len(c.Poems))
	table = make([]byte, n*recordSize)
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
	binary.LittleEndian.PutUint32(header[offChecksum:], checksum(header, table))
	return header, table, blobSize
}

// Write writes c in the packed format.
func Write(w io.Writer, c *Contents) error {
	if len(c.Poems) == 0 || len(c.Norms) != len(c.Poems) || len(c.Vectors) != len(c.Poems) || len(c.Gram) != len(c.Poems)*len(c.Poems) {
		return fmt.Errorf("packing %d poems: inconsistent contents (%d norms, %d vectors, %d cosines)", len(c.Poems), len(c.Norms), len(c.Vectors), len(c.Gram))
	}
	for i, v := range c.Vectors {
		if len(v) != c.Dim {
			return fmt.Errorf("packing %d poems: inconsistent contents (vector %d has %d values, the dimension is %d)", len(c.Poems), i, len(v), c.Dim)
		}
	}
	prev := uint32(0)
	for i, p := range c.Poems {
		if p.N <= prev {
			return fmt.Errorf("packing %d poems: inconsistent contents (poem %d at position %d: numbers must start at 1 and ascend)", len(c.Poems), p.N, i)
		}
		prev = p.N
	}
	header, table, _ := c.layout()
	bw := &posWriter{w: bufio.NewWriterSize(w, 1<<20)}
	bw.write(header)
	bw.section(header, secTable)
	bw.write(table)
	bw.section(header, secBlob)
	for _, p := range c.Poems {
		bw.write(p.Label)
		bw.write(p.Entry)
		bw.write(p.Index)
	}
	bw.section(header, secNorms)
	buf := make([]byte, 0, 1<<16)
	for _, x := range c.Norms {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
	}
	bw.write(buf)
	bw.section(header, secVectors)
	for _, v := range c.Vectors {
		bw.write(float32Bytes(buf[:0], v))
	}
	bw.section(header, secGram)
	for i := 0; i < len(c.Gram); i += 1 << 14 {
		bw.write(float32Bytes(buf[:0], c.Gram[i:min(i+1<<14, len(c.Gram))]))
	}
	bw.pad(binary.LittleEndian.Uint64(header[offFileSize:]))
	if bw.err != nil {
		return bw.err
	}
	return bw.w.Flush()
}

func float32Bytes(buf []byte, v []float32) []byte {
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
	}
	return buf
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

// section pads up to where section s starts.
func (p *posWriter) section(header []byte, s int) {
	p.pad(binary.LittleEndian.Uint64(header[offSections+s*16:]))
}

func (p *posWriter) pad(to uint64) {
	for p.off < to && p.err == nil {
		p.write(make([]byte, min(to-p.off, align)))
	}
}
