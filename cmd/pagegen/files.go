package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/packed"
	"pagegen/internal/progress"
	"pagegen/internal/site"
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
func writeFile(ctx context.Context, path string, pieces [][]byte) (int64, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := f.WriteBuffers(pieces)
	if err != nil {
		f.Abort()
		return 0, err
	}
	if ctx.Err() != nil {
		f.Abort()
		return 0, exit.ErrInterrupted
	}
	return n, f.Commit(false)
}

// writePage renders and writes one page of the site, reporting its start and
// end to the build's progress monitor (if any) under the page's name.
func writePage(ctx context.Context, name site.Page, path string, render func() ([][]byte, error)) error {
	r := progress.Dial()
	defer r.Close()
	r.Send(progress.Event{Kind: progress.Start, Page: string(name)})
	pieces, err := render()
	var n int64
	if err == nil {
		n, err = writeFile(ctx, path, pieces)
	}
	switch {
	case err == nil:
		r.Send(progress.Event{Kind: progress.Done, Page: string(name), Bytes: n})
	case !errors.Is(err, exit.ErrInterrupted):
		r.Send(progress.Event{Kind: progress.Fail, Page: string(name), Err: progress.FirstLine(err)})
	}
	return err
}

// executable is the path of this program, whose changes make pages stale.
func executable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding pagegen itself: %w", err)
	}
	return self, nil
}
