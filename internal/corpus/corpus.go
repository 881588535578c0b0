// Package corpus is the packed corpus: one versioned, little-endian file that
// every page process memory-maps and reads in place; how it is written,
// opened and verified, and whether the one on disk is up to date with its
// inputs (uptodate.go).
//
// Layout (offsets in bytes; sections start on page boundaries so that each
// can be mapped and advised on its own):
//
//	header   256 bytes: magic, version, counts, fingerprint, section table, checksum
//	table    n records of 28 bytes: N, the lengths of the label, entry and index
//	         line, the offset of the three (in that order) in the blob, and the
//	         poem's place in the chronology (undated last, by N)
//	blob     pre-rendered, escaped HTML: per poem its label, entry and index line
//	sums     n records of 48 bytes: per poem the digests of its vector, of
//	         what an ordering page shows of it, and of what it is rendered
//	         from (see Sums), for the build to see what changed since
//	norms    n float64: |E[i]|
//	vectors  n×dim float32: the embeddings
//	gram     n×n float32: cos(E[i], E[j]), row-major
//
// The checksum (CRC-32C) covers the header and the table, so a damaged or
// truncated file is caught cheaply at open time, before any page is written.
// The content digest (SHA-256 of every section) is the corpus's identity:
// the pages depend on it, not on the file's date or the inputs' bytes.
package corpus

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"hash/crc32"
)

// Magic starts every packed corpus.
const Magic = "PAGEGEN\x00"

// Version is the format version; a file of another version must be rebuilt.
// Version 5: the entries and index lines hold render.LinksHere where their
// links go, which the pages put in.
const Version = 5

const (
	headerSize = 256
	recordSize = 28
	align      = 4096
)

// Section indices in the header's section table.
const (
	secTable = iota
	secBlob
	secSums
	secNorms
	secVectors
	secGram
	numSections
)

// Header field offsets.
const (
	offMagic       = 0
	offVersion     = 8
	offHeaderSize  = 12
	offCount       = 16
	offDim         = 20
	offFingerprint = 24 // 32 bytes
	offSections    = 56 // numSections × (offset u64, size u64)
	offFileSize    = offSections + numSections*16
	offChecksum    = offFileSize + 8
	offContent     = offChecksum + 4 // 32 bytes
	offGramCRC     = offContent + 32
)

// Fingerprint identifies the inputs and settings a packed corpus was made from.
type Fingerprint [32]byte

// Digest identifies a packed corpus's contents: the SHA-256 of its sections
// but the Gram matrix, which the vectors determine (and gram.Method, in
// each vector's digest); the matrix has a CRC-32C of its own, for Verify. A
// quarter of a large corpus is hashed, not all of it.
type Digest [32]byte

// Sum is a digest of one part of a poem: the first half of a SHA-256.
type Sum [16]byte

// Sums are a poem's digests: what the build compares between two corpora to
// find what changed, and corpus-pack to find what it can keep.
type Sums struct {
	Vector Sum // the embedding, as the Gram matrix is computed from it: its row and norm
	Shown  Sum // what an ordering page shows of the poem: its label and entry
	Input  Sum // what its label, entry and index line are rendered from
}

const sumsSize = 3 * 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum is the CRC-32C of the header (with its checksum field zeroed) and the table.
func checksum(header, table []byte) uint32 {
	var h [headerSize]byte
	copy(h[:], header)
	binary.LittleEndian.PutUint32(h[offChecksum:], 0)
	return crc32.Update(crc32.Checksum(h[:], castagnoli), castagnoli, table)
}

func alignUp(x uint64) uint64 { return (x + align - 1) &^ (align - 1) }

// contentHash computes a corpus's digest and its Gram matrix's checksum
// from its sections, a piece at a time.
type contentHash struct {
	sha  hash.Hash
	gram uint32
}

func newContentHash() *contentHash { return &contentHash{sha: sha256.New()} }

func (h *contentHash) add(sec int, b []byte) {
	if sec == secGram {
		h.gram = crc32.Update(h.gram, castagnoli, b)
	} else {
		h.sha.Write(b)
	}
}

func (h *contentHash) sums() (Digest, uint32) { return Digest(h.sha.Sum(nil)), h.gram }
