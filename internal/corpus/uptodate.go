// What a packed corpus is made from and whether the one on disk is up to
// date with it, as corpus-pack and the build both ask.
//
// A record beside the corpus (package filesig) keeps the signatures of the
// files it was made from and of the corpus itself, as they were when last
// read or verified: while none changed, the build need not even start
// corpus-pack. Otherwise the inputs are hashed into the corpus's
// fingerprint, and a corpus that changed since it was last checked is
// verified whole against its digest.
package corpus

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fatih/color"

	"pagegen/internal/amount"
	"pagegen/internal/atomicfile"
	"pagegen/internal/filesig"
)

// Job is one packing: the program that packs, its inputs and settings, and
// the corpus it writes.
type Job struct {
	Packer                    string // corpus-pack itself: its rendering is baked into the corpus
	Poems, Embeddings, Colors string // Colors may be empty
	AllowMissing              bool
	Corpus                    string
	Previous                  string // a corpus packed before, to keep what it can of; "": Corpus
}

// files are the files the corpus is made from, by absolute path with links
// resolved (the packer knows itself that way), so that every caller names
// them alike.
func (j Job) files() []string {
	var files []string
	for _, p := range []string{j.Packer, j.Poems, j.Embeddings, j.Colors} {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		files = append(files, p)
	}
	return files
}

// key is what a record holds for: the corpus's fingerprint, and the
// settings and files that made it (another ALLOW_MISSING or POEMS is read
// again even when no file changed).
func (j Job) key(fp Fingerprint) string {
	return fmt.Sprintf("%x %x", fp[:], sha256.Sum256(fmt.Appendf(nil, "v%d %t %q", Version, j.AllowMissing, j.files())))
}

// UpToDate reports, reading no input, whether the record beside the corpus
// says it was made from exactly these files and settings and that neither
// they nor the corpus changed since.
func (j Job) UpToDate() bool {
	fp, ok := ReadFingerprint(j.Corpus)
	if !ok {
		return false
	}
	rec := filesig.Load(RecordPath(j.Corpus))
	return rec.Key == j.key(fp) && rec.Unchanged(append(j.files(), j.Corpus)...)
}

// Fingerprint hashes everything the corpus depends on: the format version,
// the settings and each file. An input that is not a regular file (a pipe,
// <(...)) can be read only once, by the packing: fresh says so, and the
// corpus is packed again (the pages depend on its contents, not its date).
func (j Job) Fingerprint() (fp Fingerprint, fresh bool, err error) {
	h := sha256.New()
	fmt.Fprintf(h, "pagegen corpus v%d\nallow-missing=%t\n", Version, j.AllowMissing)
	roles := []string{"packer", "poems", "embeddings", "colors"}
	for i, path := range []string{j.Packer, j.Poems, j.Embeddings, j.Colors} {
		fmt.Fprintf(h, "%s ", roles[i])
		if path == "" {
			fmt.Fprintf(h, "none\n")
			continue
		}
		if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
			fresh = true
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			// The packing reports a missing input with its remedy; here it just cannot match.
			fmt.Fprintf(h, "unreadable\n")
			continue
		}
		fi, err := f.Stat()
		if err == nil {
			fmt.Fprintf(h, "%d\n", fi.Size())
			_, err = io.Copy(h, f)
		}
		f.Close()
		if err != nil {
			return fp, false, fmt.Errorf("reading %s: %w: check the path and the file's permissions (see make help)", path, err)
		}
	}
	return Fingerprint(h.Sum(nil)), fresh, nil
}

// Verify checks the whole corpus against its digest, unless the record says
// it is unchanged since it was packed or last verified for fp.
func (j Job) Verify(fp Fingerprint) error {
	rec := filesig.Load(RecordPath(j.Corpus))
	if rec.Key == j.key(fp) && rec.Unchanged(j.Corpus) {
		return nil
	}
	c, err := Open(j.Corpus)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Verify()
}

// OpenPrevious opens the corpus packed before, for corpus-pack to keep what it
// can of it, when it is whole: verified against its digest unless the record
// says it has not changed since it was packed or verified. It is nil when
// there is none to trust (then everything is computed anew).
func (j Job) OpenPrevious() *Corpus {
	prev := cmp.Or(j.Previous, j.Corpus)
	c, err := Open(prev)
	if err != nil {
		return nil
	}
	if !filesig.Load(RecordPath(prev)).Unchanged(prev) && c.Verify() != nil {
		c.Close()
		return nil
	}
	return c
}

// Record records the files as read from readAt, and the corpus as it is
// now: packed with fingerprint fp, or verified whole, under the build's lock.
func (j Job) Record(fp Fingerprint, readAt time.Time) error {
	rec := filesig.New(j.key(fp))
	for _, p := range j.files() {
		rec.Add(p, readAt)
	}
	rec.Add(j.Corpus, time.Time{})
	return rec.Save(RecordPath(j.Corpus))
}

// UpToDateMessage is what a build that packs nothing says of the corpus:
// that it is up to date, and, loudly, that poems are left out if some are.
func (j Job) UpToDateMessage() string {
	msg := fmt.Sprintf("corpus-pack: %s is up to date", j.Corpus)
	list := MissingListPath(j.Corpus)
	// A line a poem: 64 MB is millions of them.
	b, err := atomicfile.ReadSmall(list, 64<<20)
	if err != nil || !strings.HasPrefix(string(b), MissingMark) {
		return msg
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	if n == 0 {
		return msg
	}
	verb := map[bool]string{true: "is", false: "are"}[n == 1]
	return fmt.Sprintf("%s\ncorpus-pack: %s %s without an embedding %s left out of every page (ALLOW_MISSING=1); they are listed in %s",
		msg, color.New(color.FgYellow, color.Bold).Sprint("WARNING:"), amount.Of(n, "poem"), verb, list)
}
