// The cache keeps the vectors an embedding server made, by model and exact
// text, in a file beside the embeddings: a run sends only the texts that
// file does not have for its model, and a run that is interrupted keeps
// every vector it got.
//
// The file is a header and then records, appended one reply at a time,
// each with its length and a checksum: a record cut short by a kill or a
// power cut is found, and dropped, by the next run, and so is one damaged
// in the middle of the file, whose good records after it are kept.

package embedding

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"

	"pagegen/internal/atomicfile"
	"pagegen/internal/quote"
)

// CacheMark begins every cache file: a file that does not is not the build's,
// and is never written.
const CacheMark = "pagegen embedding cache\n"

// cacheHeader is the mark and the format's version.
const cacheHeader = CacheMark + "v1\n"

// Cache is an open cache file, and the vectors it holds for one model.
type Cache struct {
	path  string
	model string
	f     *os.File
	vecs  map[[sha256.Size]byte][]float32
	dim   int
	// Torn says that the file ended in a record cut short (by a kill or a
	// power cut), which was dropped: its text is embedded again.
	Torn bool
	// Damaged counts the records found damaged before the file's end, and
	// dropped: their texts are embedded again.
	Damaged int
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// CachePath is the cache of the embeddings file at embeddings: a hidden file
// beside it.
func CachePath(embeddings string) string {
	return filepath.Join(filepath.Dir(embeddings), "."+filepath.Base(embeddings)+".cache")
}

// OpenCache opens the cache at path, creating it if need be, and reads model's
// vectors from it. The caller keeps other writers away (a lock).
func OpenCache(path, model string) (*Cache, error) {
	if len(model) > math.MaxUint16 {
		return nil, fmt.Errorf("the model's name is %d bytes long: name it in fewer than %d", len(model), math.MaxUint16)
	}
	if err := atomicfile.CheckOurs(path, []byte(CacheMark)); err != nil {
		return nil, fmt.Errorf("%w: move it away, or give EMBEDDINGS another folder (the cache of the vectors goes beside it)", err)
	}
	// Not through a link, nor blocking on a FIFO put there since the check.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o666)
	if err != nil {
		return nil, fmt.Errorf("opening the cache: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("opening the cache: %s is not a regular file: move it away", quote.Name(path))
	}
	c := &Cache{path: path, model: model, f: f, vecs: map[[sha256.Size]byte][]float32{}}
	if err := c.load(); err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// load reads the records of c's model, and leaves the file ready for
// appending after the last whole record: a damaged record before it is
// dropped by writing the file again without it.
func (c *Cache) load() error {
	data, err := io.ReadAll(c.f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", c.path, err)
	}
	good, err := c.records(data)
	if err != nil {
		return err
	}
	if c.Damaged > 0 {
		return c.rewrite(data, good)
	}
	end := 0
	if len(good) > 0 {
		end = good[len(good)-1][1]
	}
	if end != len(data) || end == 0 {
		if err := c.f.Truncate(int64(end)); err != nil {
			return fmt.Errorf("dropping the cut-short end of %s: %w", c.path, err)
		}
	}
	if _, err := c.f.Seek(int64(end), io.SeekStart); err != nil {
		return fmt.Errorf("reading %s: %w", c.path, err)
	}
	if end == 0 {
		return c.write([]byte(cacheHeader))
	}
	return nil
}

// rewrite writes the cache file, which held data, again with the spans of
// data to keep (the header and the whole records), replacing it whole, and
// opens it anew for appending.
func (c *Cache) rewrite(data []byte, spans [][2]int) error {
	var pieces [][]byte
	for _, sp := range spans {
		pieces = append(pieces, data[sp[0]:sp[1]])
	}
	if _, err := atomicfile.Update(c.path, pieces); err != nil {
		return fmt.Errorf("dropping the damaged records of %s: %w", c.path, err)
	}
	c.f.Close()
	var err error
	if c.f, err = os.OpenFile(c.path, os.O_RDWR|os.O_APPEND|syscall.O_NOFOLLOW, 0); err != nil {
		return fmt.Errorf("opening the cache: %w", err)
	}
	return nil
}

// records reads the records of data, a whole cache file, and returns the
// spans of the file to keep: the header, then each whole record, in order
// (none for a file new or cut short in its header). A record cut short at
// the end sets Torn; damaged records before others are skipped, counted in
// Damaged: the reading goes on at the next place a whole record begins.
func (c *Cache) records(data []byte) (good [][2]int, err error) {
	switch {
	case len(data) < len(cacheHeader) && bytes.HasPrefix([]byte(cacheHeader), data):
		// New, or cut short while its header was written.
		return nil, nil
	case !bytes.HasPrefix(data, []byte(cacheHeader)):
		version, _, _ := bytes.Cut(data[min(len(CacheMark), len(data)):], []byte("\n"))
		return nil, fmt.Errorf("%s is a cache of another version of pagegen (%q): move it away to embed every text again", c.path, version)
	}
	good = append(good, [2]int{0, len(cacheHeader)})
	for at := len(cacheHeader); at < len(data); {
		if r, ok := parseRecord(data[at:]); ok {
			c.keep(r)
			good = append(good, [2]int{at, at + r.size})
			at += r.size
			continue
		}
		next := at + 1
		for next < len(data) {
			if _, ok := parseRecord(data[next:]); ok {
				break
			}
			next++
		}
		if next == len(data) {
			c.Torn = true // the end, cut short or damaged
			break
		}
		c.Damaged += countRecords(data[at:next])
		at = next
	}
	return good, nil
}

// countRecords is how many records a damaged stretch held, as far as their
// lengths tell (a flipped byte in a record's body leaves its length whole).
func countRecords(b []byte) int {
	n := 0
	for len(b) >= 4 {
		n++
		payload := int(binary.LittleEndian.Uint32(b))
		if payload < 2+sha256.Size+4 || 4+payload+4 > len(b) {
			break // the rest is one: its length is damaged too
		}
		b = b[4+payload+4:]
	}
	return max(n, 1)
}

// CountCached is how many texts the cache file at path holds vectors of for
// model, read without writing to it: a watcher's look at a file that a run
// appends to (a record being written does not count yet).
func CountCached(path, model string) (int, error) {
	f, err := atomicfile.OpenRegular(path, false)
	if err != nil {
		return 0, fmt.Errorf("reading the cache: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, fmt.Errorf("reading the cache: %w", err)
	}
	c := &Cache{path: path, model: model, vecs: map[[sha256.Size]byte][]float32{}}
	if _, err := c.records(data); err != nil {
		return 0, err
	}
	return len(c.vecs), nil
}

// record is one record read from a cache file.
type record struct {
	size  int // its bytes in the file
	model string
	key   [sha256.Size]byte
	vec   []byte // the values, little-endian float32
}

// keep takes r's vector if it is of c's model.
func (c *Cache) keep(r record) {
	if r.model != c.model {
		return
	}
	v := make([]float32, len(r.vec)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.vec[4*i:]))
	}
	c.vecs[r.key] = v
	c.dim = len(v)
}

// parseRecord reads the record at the start of b, and false when it is cut
// short or damaged. A record is its payload's length (4 bytes), the
// payload, and the payload's CRC-32C (4 bytes); the payload is the model's
// name (2 bytes of length, then the name), the SHA-256 of the text, the
// vector's length (4 bytes) and its values (float32), little-endian. The
// lengths are checked against each other before the checksum, so that
// looking for the next record past a damaged one is cheap.
func parseRecord(b []byte) (r record, ok bool) {
	if len(b) < 4+2 {
		return r, false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 2+sha256.Size+4 || len(b) < 4+n+4 {
		return r, false
	}
	p := b[4 : 4+n]
	ml := int(binary.LittleEndian.Uint16(p))
	if n < 2+ml+sha256.Size+4 {
		return r, false
	}
	dim := int(binary.LittleEndian.Uint32(p[2+ml+sha256.Size:]))
	if n != 2+ml+sha256.Size+4+4*dim || crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(b[4+n:]) {
		return r, false
	}
	r = record{size: 4 + n + 4, model: string(p[2 : 2+ml]), vec: p[2+ml+sha256.Size+4:]}
	copy(r.key[:], p[2+ml:])
	return r, true
}

// Get is text's vector, if the cache has it for the model.
func (c *Cache) Get(text string) ([]float32, bool) {
	v, ok := c.vecs[sha256.Sum256([]byte(text))]
	return v, ok
}

// Dimension is the length of the model's vectors in the cache (of the
// newest, were they to differ), 0 when it has none.
func (c *Cache) Dimension() int { return c.dim }

// Add appends the vectors of texts to the file, in one write, and makes
// them the cache's.
func (c *Cache) Add(texts []string, vecs [][]float32) error {
	size := 0
	for _, v := range vecs {
		size += 4 + 2 + len(c.model) + sha256.Size + 4 + 4*len(v) + 4
	}
	b := make([]byte, 0, size)
	for i, t := range texts {
		key := sha256.Sum256([]byte(t))
		c.vecs[key], c.dim = vecs[i], len(vecs[i])
		start := len(b)
		b = binary.LittleEndian.AppendUint32(b, 0) // the length, once known
		b = binary.LittleEndian.AppendUint16(b, uint16(len(c.model)))
		b = append(b, c.model...)
		b = append(b, key[:]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(vecs[i])))
		for _, x := range vecs[i] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		payload := b[start+4:]
		binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, crcTable))
	}
	return c.write(b)
}

func (c *Cache) write(b []byte) error {
	if _, err := c.f.Write(b); err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return fmt.Errorf("writing %s: %w: free some space and run make embeddings again (what was embedded before is kept)", c.path, err)
		}
		return fmt.Errorf("writing %s: %w", c.path, err)
	}
	return nil
}

// Close closes the file.
func (c *Cache) Close() error {
	if err := c.f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", c.path, err)
	}
	return nil
}
