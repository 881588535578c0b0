// Package orderings is the record of a site's orderings as its last build
// laid them out, kept beside the packed corpus: the poems it was laid out
// from (their numbers and digests) and, for a site that keeps only the
// first entries of each ordering, those entries, and each walk's winning
// scores. It is what lets a build after an edit run only the orderings the
// edit changes (package site decides which), and what the page processes
// read their orderings from instead of computing them again.
//
// Layout (little-endian, sections on page boundaries, read in place):
//
//	header   4096 bytes: magic, version, counts, the site and corpus the
//	         orderings are of, checksums
//	poems    n records of 36 bytes: N, the digests of its vector and of what
//	         an ordering page shows of it (packed.Sums)
//	similar  n×limit uint32: each poem's similar ordering, as corpus indices
//	walks    n×limit uint32: each poem's different ordering
//	wins     n×limit float64: each walk's winning score at every step
//
// One checksum covers the header and the poems, checked at every open (a
// page process reads only its own ordering); another covers the orderings,
// checked by Verify, once per build.
package orderings

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/edsrzf/mmap-go"

	"pagegen/internal/atomicfile"
	"pagegen/internal/packed"
)

// Magic begins every record, so that the build never writes one over a file
// that is not.
const Magic = "PAGEGEN ORDERINGS\n"

// version is the record's format; one of another is not read.
const version = 1

// Path is the record of the site built from the corpus at corpus.
func Path(corpus string) string { return filepath.Join(filepath.Dir(corpus), "orderings.bin") }

// Poem is what the record keeps of a poem to tell, next time, what changed.
type Poem struct {
	N      uint32
	Vector packed.Sum // its embedding: a new one moves it in every ordering
	Shown  packed.Sum // what an ordering page shows of it
}

// Record is a site's orderings as laid out from one corpus.
type Record struct {
	Site   [32]byte      // the site and the layout the orderings are of
	Corpus packed.Digest // the corpus they are of
	Limit  int           // entries of each ordering kept; 0 when every ordering shows every poem (none kept)
	Poems  []Poem        // by corpus index (ascending N)
	// By anchor index, Limit each.
	Similar, Walks []uint32
	Wins           []float64
}

const (
	headerSize = 4096
	poemSize   = 4 + 2*16
	align      = 4096
	// header fields
	offMagic    = 0
	offVersion  = 32
	offCount    = 36
	offLimit    = 40
	offSite     = 44
	offCorpus   = 76
	offHeadCRC  = 108 // of the header (this field and the next zeroed) and the poems
	offPicksCRC = 112 // of the orderings
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sections are the offsets and sizes of the poems and the three orderings
// sections, for n poems and limit entries each.
func sections(n, limit int) (offs, sizes [4]int, total int) {
	sizes = [4]int{n * poemSize, n * limit * 4, n * limit * 4, n * limit * 8}
	off := headerSize
	for s, size := range sizes {
		offs[s] = off
		off = (off + size + align - 1) &^ (align - 1)
	}
	return offs, sizes, off
}

// Write writes r to path atomically, flushed to the disk, never over a file
// that is not a record.
func Write(path string, r *Record) error {
	n := len(r.Poems)
	if len(r.Similar) != n*r.Limit || len(r.Walks) != n*r.Limit || len(r.Wins) != n*r.Limit {
		return fmt.Errorf("writing %s: %d poems but %d, %d and %d entries for a limit of %d", path, n, len(r.Similar), len(r.Walks), len(r.Wins), r.Limit)
	}
	if err := atomicfile.CheckOurs(path, []byte(Magic)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (the record of the site's orderings goes beside it)", err)
	}
	offs, _, total := sections(n, r.Limit)
	b := make([]byte, total)
	copy(b[offMagic:], Magic)
	le := binary.LittleEndian
	le.PutUint32(b[offVersion:], version)
	le.PutUint32(b[offCount:], uint32(n))
	le.PutUint32(b[offLimit:], uint32(r.Limit))
	copy(b[offSite:], r.Site[:])
	copy(b[offCorpus:], r.Corpus[:])
	for i, p := range r.Poems {
		rec := b[offs[0]+i*poemSize:]
		le.PutUint32(rec, p.N)
		copy(rec[4:], p.Vector[:])
		copy(rec[20:], p.Shown[:])
	}
	copy(b[offs[1]:], asBytes(r.Similar))
	copy(b[offs[2]:], asBytes(r.Walks))
	copy(b[offs[3]:], asBytes(r.Wins))
	le.PutUint32(b[offPicksCRC:], crc32.Checksum(b[offs[1]:], castagnoli))
	le.PutUint32(b[offHeadCRC:], headCRC(b, n))
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(b); err != nil {
		return f.Failed(err)
	}
	return f.Commit(true)
}

// headCRC is the checksum of the header, its own field zeroed, and the poems.
func headCRC(b []byte, n int) uint32 {
	var h [headerSize]byte
	copy(h[:], b[:headerSize])
	binary.LittleEndian.PutUint32(h[offHeadCRC:], 0)
	offs, sizes, _ := sections(n, 0)
	return crc32.Update(crc32.Checksum(h[:], castagnoli), castagnoli, b[offs[0]:offs[0]+sizes[0]])
}

// ErrDamaged marks a record that cannot be used as it is.
var ErrDamaged = errors.New("damaged")

// File is an open record, read in place; its slices are valid until Close.
type File struct {
	m     mmap.MMap
	n     int
	limit int
	offs  [4]int
}

// Open maps the record at path and checks its header and poems; Verify
// checks the rest.
func Open(path string) (*File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() < headerSize {
		return nil, fmt.Errorf("%s: not a record of orderings: %w", path, ErrDamaged)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := mmap.Map(f, mmap.RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	r := &File{m: m}
	if err := r.parse(); err != nil {
		m.Unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func (r *File) parse() error {
	b := []byte(r.m)
	le := binary.LittleEndian
	if string(b[:len(Magic)]) != Magic || le.Uint32(b[offVersion:]) != version {
		return fmt.Errorf("not a record of this version: %w", ErrDamaged)
	}
	r.n, r.limit = int(le.Uint32(b[offCount:])), int(le.Uint32(b[offLimit:]))
	if r.n > 1<<24 || r.limit > r.n {
		return fmt.Errorf("%d poems, %d entries each: %w", r.n, r.limit, ErrDamaged)
	}
	offs, _, total := sections(r.n, r.limit)
	if total != len(b) {
		return fmt.Errorf("%d bytes, its header says %d: %w", len(b), total, ErrDamaged)
	}
	if le.Uint32(b[offHeadCRC:]) != headCRC(b, r.n) {
		return fmt.Errorf("checksum mismatch: %w", ErrDamaged)
	}
	r.offs = offs
	return nil
}

// Verify checks the orderings against their checksum, and that every entry
// is a poem of the record.
func (r *File) Verify() error {
	b := []byte(r.m)
	if binary.LittleEndian.Uint32(b[offPicksCRC:]) != crc32.Checksum(b[r.offs[1]:], castagnoli) {
		return fmt.Errorf("the orderings do not match their checksum: %w", ErrDamaged)
	}
	for _, p := range castSlice[uint32](b[r.offs[1]:r.offs[3]]) {
		if int(p) >= r.n {
			return fmt.Errorf("an ordering holds poem index %d of %d: %w", p, r.n, ErrDamaged)
		}
	}
	return nil
}

// Close unmaps the record.
func (r *File) Close() error { return r.m.Unmap() }

// Len is the number of poems.
func (r *File) Len() int { return r.n }

// Limit is the entries of each ordering kept (0: none).
func (r *File) Limit() int { return r.limit }

// Site is the site and the layout the orderings are of.
func (r *File) Site() (s [32]byte) {
	copy(s[:], r.m[offSite:])
	return s
}

// Corpus is the digest of the corpus the orderings are of.
func (r *File) Corpus() (d packed.Digest) {
	copy(d[:], r.m[offCorpus:])
	return d
}

// Poem is the record of the poem at index i.
func (r *File) Poem(i int) Poem {
	b := r.m[r.offs[0]+i*poemSize:]
	p := Poem{N: binary.LittleEndian.Uint32(b)}
	copy(p.Vector[:], b[4:])
	copy(p.Shown[:], b[20:])
	return p
}

// Similar is the similar ordering of the poem at index i, kept.
func (r *File) Similar(i int) []uint32 { return r.picks(1, i) }

// Walk is the different ordering of the poem at index i, kept, and the
// score of each poem when the walk took it.
func (r *File) Walk(i int) ([]uint32, []float64) {
	w := castSlice[float64](r.m[r.offs[3]+i*r.limit*8 : r.offs[3]+(i+1)*r.limit*8])
	return r.picks(2, i), w
}

func (r *File) picks(sec, i int) []uint32 {
	return castSlice[uint32](r.m[r.offs[sec]+i*r.limit*4 : r.offs[sec]+(i+1)*r.limit*4])
}

// asBytes views numbers as their bytes (little-endian machines only, as the
// packed corpus).
func asBytes[T uint32 | float64](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*int(unsafe.Sizeof(zero)))
}

// castSlice views page-aligned bytes of the mapping as numbers.
func castSlice[T uint32 | float64](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/int(unsafe.Sizeof(zero)))
}
