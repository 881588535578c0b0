// Package orderings is the record of a site's orderings as its builds laid
// them out, kept beside the packed corpus: the poems they were laid out from
// (their numbers and digests) and, for a site that keeps only the first
// entries of each ordering, those entries, and each walk's winning scores.
// It is what lets a build after an edit run only the orderings the edit
// changes (package site decides which).
//
// Each ordering has a slot of its own, with its own checksum: a build
// writes the record with the slots of the orderings it keeps, and the page
// process of each ordering it runs fills its slot in (Slot.Fill) once its
// pages are written. A slot that is empty or torn (a build stopped) is
// simply not there: its ordering runs again.
//
// Layout (little-endian):
//
//	header   4096 bytes: magic, version, counts, the site and corpus the
//	         orderings are of, checksums
//	poems    n records of 36 bytes: N, the digests of its vector and of what
//	         an ordering page shows of it (corpus.Sums)
//	similar  n slots: the anchor's N, a checksum, limit uint32 entries (corpus indices)
//	walks    n slots: the anchor's N, a checksum, limit uint32 entries, then
//	         limit float64 winning scores
package orderings

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"pagegen/internal/atomicfile"
	"pagegen/internal/corpus"
)

// Magic begins every record, so that the build never writes one over a file
// that is not.
const Magic = "PAGEGEN ORDERINGS\n"

// version is the record's format; one of another is not read.
const version = 2

// Path is the record of the site built from the corpus at corpus, hidden
// beside it and named for it, so that two corpora in one folder keep a
// record each.
func Path(corpus string) string {
	dir, base := filepath.Split(corpus)
	return filepath.Join(dir, "."+base+".orderings")
}

// Poem is what the record keeps of a poem to tell, next time, what changed.
type Poem struct {
	N      uint32
	Vector corpus.Sum // its embedding: a new one moves it in every ordering
	Shown  corpus.Sum // what an ordering page shows of it
}

// Kind is one of the two orderings of a poem.
type Kind int

// The orderings.
const (
	Similar Kind = iota
	Walk
)

// Ordering is a poem's ordering as kept: its first entries (corpus
// indices) and, for a walk, the score each had when the walk took it.
type Ordering struct {
	Seq  []int32
	Wins []float64
}

// Header is what a record is of.
type Header struct {
	Site   [32]byte      // the site and the layout the orderings are of
	Corpus corpus.Digest // the corpus they are of
	Limit  int           // entries of each ordering kept; 0 when every ordering shows every poem (none kept)
}

// Record is a site's orderings as laid out from one corpus, in memory.
type Record struct {
	Header
	Poems []Poem // by corpus index (ascending N)
	// Kept are the orderings kept, by kind and anchor index; a nil Seq is
	// an ordering its page process lays out and fills in.
	Kept [2][]Ordering
}

const (
	headerSize = 4096
	poemSize   = 4 + 2*16
	// header fields
	offVersion  = 32
	offCount    = 36
	offLimit    = 40
	offSite     = 44
	offCorpus   = 76
	offHeadCRC  = 108 // of the header, this field and the next zeroed
	offPoemsCRC = 112 // of the poems
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// geometry is where the parts of a record of n poems and limit entries are.
type geometry struct{ n, limit int }

func (g geometry) poems() int { return headerSize }

// slotSize is the bytes of a slot of kind k: N, checksum, entries, and for
// a walk its scores (8-aligned).
func (g geometry) slotSize(k Kind) int {
	picks := (4*g.limit + 7) &^ 7
	if k == Walk {
		return 8 + picks + 8*g.limit
	}
	return 8 + picks
}

func (g geometry) slot(k Kind, i int) int {
	off := (g.poems() + g.n*poemSize + 7) &^ 7
	if k == Walk {
		off += g.n * g.slotSize(Similar)
	}
	return off + i*g.slotSize(k)
}

func (g geometry) size() int {
	if g.limit == 0 {
		return g.poems() + g.n*poemSize
	}
	return g.slot(Walk, g.n)
}

// putSlot writes into b the slot of kind k of the poem numbered n holding o.
func (g geometry) putSlot(b []byte, k Kind, n uint32, o Ordering) {
	b = b[:g.slotSize(k)]
	le := binary.LittleEndian
	le.PutUint32(b, n)
	for j, x := range o.Seq {
		le.PutUint32(b[8+4*j:], uint32(x))
	}
	if k == Walk {
		wins := b[8+(4*g.limit+7)&^7:]
		for j, w := range o.Wins {
			le.PutUint64(wins[8*j:], math.Float64bits(w))
		}
	}
	le.PutUint32(b[4:], slotCRC(b))
}

// slotCRC is the checksum of a slot, its own field left out.
func slotCRC(b []byte) uint32 {
	return crc32.Update(crc32.Checksum(b[:4], castagnoli), castagnoli, b[8:])
}

// decodeSlot reads a slot of kind k that should be the poem numbered n's,
// into seq and, for a walk, wins (each limit long); ok is false when it is
// empty, torn or another's, or holds an index past the poems.
func (g geometry) decodeSlot(k Kind, n uint32, b []byte, seq []int32, wins []float64) (o Ordering, ok bool) {
	le := binary.LittleEndian
	if le.Uint32(b) != n || le.Uint32(b[4:]) != slotCRC(b) {
		return o, false
	}
	o.Seq = seq[:g.limit:g.limit]
	for j := range o.Seq {
		x := le.Uint32(b[8+4*j:])
		if int(x) >= g.n {
			return Ordering{}, false
		}
		o.Seq[j] = int32(x)
	}
	if k == Walk {
		w := b[8+(4*g.limit+7)&^7:]
		o.Wins = wins[:g.limit:g.limit]
		for j := range o.Wins {
			o.Wins[j] = math.Float64frombits(le.Uint64(w[8*j:]))
		}
	}
	return o, true
}

// Write writes r to path, flushed to the disk, never over a file that is not
// a record. The slots of orderings not kept are left empty (a sparse file:
// a build with no orderings to keep writes none of their bytes).
func Write(path string, r *Record) error {
	g := geometry{len(r.Poems), r.Limit}
	if err := CheckOurs(path); err != nil {
		return err
	}
	// The whole file in memory, written at once, when it keeps orderings;
	// else the header and the poems, its slots left empty.
	size := g.poems() + g.n*poemSize
	if slices.ContainsFunc(r.Kept[:], func(kept []Ordering) bool {
		return slices.ContainsFunc(kept, func(o Ordering) bool { return o.Seq != nil })
	}) {
		size = g.size()
	}
	head := make([]byte, size)
	copy(head, Magic)
	le := binary.LittleEndian
	le.PutUint32(head[offVersion:], version)
	le.PutUint32(head[offCount:], uint32(g.n))
	le.PutUint32(head[offLimit:], uint32(g.limit))
	copy(head[offSite:], r.Site[:])
	copy(head[offCorpus:], r.Corpus[:])
	for i, p := range r.Poems {
		rec := head[g.poems()+i*poemSize:]
		le.PutUint32(rec, p.N)
		copy(rec[4:], p.Vector[:])
		copy(rec[20:], p.Shown[:])
	}
	le.PutUint32(head[offPoemsCRC:], crc32.Checksum(head[g.poems():g.poems()+g.n*poemSize], castagnoli))
	le.PutUint32(head[offHeadCRC:], headCRC(head))
	if size == g.size() && g.limit > 0 {
		for k, kept := range r.Kept {
			for i, o := range kept {
				if o.Seq != nil {
					g.putSlot(head[g.slot(Kind(k), i):], Kind(k), r.Poems[i].N, o)
				}
			}
		}
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(head); err != nil {
		return f.Failed(err)
	}
	if err := f.Truncate(int64(g.size())); err != nil {
		return f.Failed(err)
	}
	return f.Commit(true)
}

// CheckOurs refuses a file at path that is not a record of orderings: the
// build never writes over a file it did not make.
func CheckOurs(path string) error {
	if err := atomicfile.CheckOurs(path, []byte(Magic)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (the record of the site's orderings goes beside it)", err)
	}
	return nil
}

// headCRC is the checksum of the header, its own field zeroed.
func headCRC(head []byte) uint32 {
	var h [headerSize]byte
	copy(h[:], head[:headerSize])
	binary.LittleEndian.PutUint32(h[offHeadCRC:], 0)
	return crc32.Checksum(h[:], castagnoli)
}

// ErrDamaged marks a record that cannot be used as it is.
var ErrDamaged = errors.New("damaged")

// readHeader reads and checks a record's header.
func readHeader(f *os.File) (Header, geometry, error) {
	var h [headerSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return Header{}, geometry{}, fmt.Errorf("not a record of orderings (%v): %w", err, ErrDamaged)
	}
	le := binary.LittleEndian
	if string(h[:len(Magic)]) != Magic || le.Uint32(h[offVersion:]) != version || le.Uint32(h[offHeadCRC:]) != headCRC(h[:]) {
		return Header{}, geometry{}, fmt.Errorf("not a record of orderings of this version, or a damaged one: %w", ErrDamaged)
	}
	g := geometry{int(le.Uint32(h[offCount:])), int(le.Uint32(h[offLimit:]))}
	if g.n > 1<<24 || g.limit > g.n {
		return Header{}, g, fmt.Errorf("%d poems, %d entries each: %w", g.n, g.limit, ErrDamaged)
	}
	var hd Header
	copy(hd.Site[:], h[offSite:])
	copy(hd.Corpus[:], h[offCorpus:])
	hd.Limit = g.limit
	return hd, g, nil
}

// open opens the record at path for reading, or with write for filling
// slots in, refusing anything but a regular file (a FIFO would block).
func open(path string, write bool) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a record of orderings: %w", path, atomicfile.Kind(fi.Mode()), ErrDamaged)
	}
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	return os.OpenFile(path, flag|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0) // nor if it changed since
}

// Read reads the whole record at path, checking it: a damaged header or
// poems table is an error; a slot that is empty or damaged is an ordering
// not kept.
func Read(path string) (*Record, error) {
	f, err := open(path, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hd, g, err := readHeader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := make([]byte, g.size())
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, int64(len(b))), b); err != nil {
		return nil, fmt.Errorf("%s: %d bytes, its header says %d: %w", path, len(b), g.size(), ErrDamaged)
	}
	le := binary.LittleEndian
	poems := b[g.poems() : g.poems()+g.n*poemSize]
	if le.Uint32(b[offPoemsCRC:]) != crc32.Checksum(poems, castagnoli) {
		return nil, fmt.Errorf("%s: the poems do not match their checksum: %w", path, ErrDamaged)
	}
	r := &Record{Header: hd, Poems: make([]Poem, g.n)}
	for i := range r.Poems {
		p := poems[i*poemSize:]
		r.Poems[i].N = le.Uint32(p)
		copy(r.Poems[i].Vector[:], p[4:])
		copy(r.Poems[i].Shown[:], p[20:])
	}
	if g.limit == 0 {
		return r, nil
	}
	// One array of each, which every ordering is a slice of: thousands of
	// small ones cost more to allocate than to fill.
	seqs, wins := make([]int32, 2*g.n*g.limit), make([]float64, g.n*g.limit)
	for k := range r.Kept {
		r.Kept[k] = make([]Ordering, g.n)
		for i := range g.n {
			off := g.slot(Kind(k), i)
			at := (k*g.n + i) * g.limit
			if o, ok := g.decodeSlot(Kind(k), r.Poems[i].N, b[off:off+g.slotSize(Kind(k))], seqs[at:], wins[i*g.limit:]); ok {
				r.Kept[k][i] = o
			}
		}
	}
	return r, nil
}

// Slot is one ordering's place in a record, as a page process sees it.
type Slot struct {
	f    *os.File
	g    geometry
	kind Kind
	i    int
	n    uint32
}

// OpenSlot opens the slot of the ordering of kind k of the poem at index i,
// numbered n, in the record at path, for a page process: when the record is
// of corpus and keeps limit entries of each ordering. It is nil (and every
// method a no-op) when there is no such record: the page process then lays
// its ordering out itself.
func OpenSlot(path string, corpus corpus.Digest, limit int, k Kind, i int, n uint32) *Slot {
	f, err := open(path, true)
	if err != nil {
		return nil
	}
	hd, g, err := readHeader(f)
	if err != nil || hd.Corpus != corpus || g.limit != limit || limit == 0 || i >= g.n {
		f.Close()
		return nil
	}
	return &Slot{f: f, g: g, kind: k, i: i, n: n}
}

// Get is the ordering the slot holds; ok is false when it holds none.
func (s *Slot) Get() (o Ordering, ok bool) {
	if s == nil {
		return o, false
	}
	b := make([]byte, s.g.slotSize(s.kind))
	if _, err := s.f.ReadAt(b, int64(s.g.slot(s.kind, s.i))); err != nil {
		return o, false
	}
	return s.g.decodeSlot(s.kind, s.n, b, make([]int32, s.g.limit), make([]float64, s.g.limit))
}

// Fill writes o into the slot, once the ordering's pages are written.
func (s *Slot) Fill(o Ordering) error {
	if s == nil {
		return nil
	}
	b := make([]byte, s.g.slotSize(s.kind))
	s.g.putSlot(b, s.kind, s.n, o)
	if _, err := s.f.WriteAt(b, int64(s.g.slot(s.kind, s.i))); err != nil {
		return fmt.Errorf("recording the ordering: %w", err)
	}
	return nil
}

// Close closes the slot's record.
func (s *Slot) Close() {
	if s != nil {
		s.f.Close()
	}
}

// ReadHeader reads and checks the header of the record at path: what it is
// of, read at every build.
func ReadHeader(path string) (Header, error) {
	f, err := open(path, false)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	hd, _, err := readHeader(f)
	if err != nil {
		return hd, fmt.Errorf("%s: %w", path, err)
	}
	return hd, nil
}
