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
