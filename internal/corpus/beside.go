package corpus

import "path/filepath"

// The build keeps a few files of its own beside the packed corpus. Each
// begins with a mark of its kind, so that no file of the user's that happens
// to have the name is ever replaced or removed.

// RecordPath is the record of the files the corpus at path was last checked
// against (package filesig), hidden beside it.
func RecordPath(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".checked")
}

// MissingListPath is the list of the poems left out of the corpus at path
// for want of an embedding.
func MissingListPath(path string) string {
	return filepath.Join(filepath.Dir(path), "missing-embeddings.txt")
}

// MissingMark begins the list of poems left out.
const MissingMark = "# poems left out of every page because they have no embedding"

// HashesPath is make deploy's cache of the SHA-1 of the files of the site
// built from the corpus at path (package deploy): beside it, and so out of
// the site, where it would be published.
func HashesPath(path string) string {
	return filepath.Join(filepath.Dir(path), ".deploy-sha1")
}

// HashesMark begins the hash cache.
const HashesMark = "# pagegen: SHA-1 of the site's files as last hashed, for make deploy; safe to delete\n"
