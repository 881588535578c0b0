package main

import (
	"context"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/packed"
)

// withCorpus opens the packed corpus for fn and closes it after.
func withCorpus(path string, fn func(*packed.Corpus) error) error {
	c, err := packed.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// writeFile writes the pieces to path atomically, unless a signal came first:
// then nothing is left behind, not even the temporary file.
func writeFile(ctx context.Context, path string, pieces [][]byte) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteBuffers(pieces); err != nil {
		f.Abort()
		return err
	}
	if ctx.Err() != nil {
		f.Abort()
		return exit.ErrInterrupted
	}
	return f.Commit(false)
}
