package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/packed"
	"pagegen/internal/progress"
	"pagegen/internal/site"
)

// SeqFlags say where a sequence's files go and how the site is laid out.
type SeqFlags struct {
	Out string `required:"" help:"Site directory (OUT)."`
	SiteFlags
}

// SimilarCmd writes similar/N.html and its chapters.
type SimilarCmd struct {
	N int `arg:"" help:"Poem number (poem_index, or position in poems.json)."`
	SeqFlags
}

// Run writes the pages.
func (s *SimilarCmd) Run(cli *CLI, ctx context.Context) error {
	return s.write(ctx, cli.Corpus, site.Seq{Kind: site.Similar, N: s.N})
}

// DifferentCmd writes different/N.html and its chapters.
type DifferentCmd struct {
	N int `arg:"" help:"Poem number (poem_index, or position in poems.json)."`
	SeqFlags
}

// Run writes the pages.
func (d *DifferentCmd) Run(cli *CLI, ctx context.Context) error {
	return d.write(ctx, cli.Corpus, site.Seq{Kind: site.Different, N: d.N})
}

// ChronologicalCmd writes chronological.html and its chapters.
type ChronologicalCmd struct{ SeqFlags }

// Run writes the pages.
func (x *ChronologicalCmd) Run(cli *CLI, ctx context.Context) error {
	return x.write(ctx, cli.Corpus, site.Seq{Kind: site.Chrono})
}

// IndexCmd writes index.html.
type IndexCmd struct{ SeqFlags }

// Run writes the index.
func (x *IndexCmd) Run(cli *CLI, ctx context.Context) error {
	return x.write(ctx, cli.Corpus, site.Seq{Kind: site.Index})
}

// write writes the files of q, reporting to the build's progress monitor.
func (f *SeqFlags) write(ctx context.Context, corpus string, q site.Seq) error {
	r := progress.Dial()
	defer r.Close()
	r.Send(progress.Event{Kind: progress.Start, Page: q.String()})
	files, same, n, err := f.writeSeq(ctx, corpus, q)
	switch {
	case err == nil:
		r.Send(progress.Event{Kind: progress.Done, Page: q.String(), Files: files, Same: same, Bytes: n})
	case ctx.Err() == nil:
		r.Send(progress.Event{Kind: progress.Fail, Page: q.String(), Err: progress.FirstLine(err)})
	}
	return err
}

// writeSeq writes q's files, each only when its bytes change (see
// atomicfile.Update), and counts them, those left as they were, and their bytes.
func (f *SeqFlags) writeSeq(ctx context.Context, corpus string, q site.Seq) (files, same int, bytes int64, err error) {
	// The corpus stays mapped until the process exits: the pages point into it.
	c, err := packed.Open(corpus)
	if err != nil {
		return 0, 0, 0, err
	}
	l, err := f.layout(c)
	if err != nil {
		return 0, 0, 0, err
	}
	chapters := l.Pages(q)
	if chapters == nil {
		return 0, 0, 0, fmt.Errorf("poem %d is not in %s (its poems are numbered %d to %d; see the index page)",
			q.N, corpus, c.N(0), c.N(c.Len()-1))
	}
	for ch := range l.Chapters(q) {
		if ctx.Err() != nil {
			return files, same, bytes, exit.ErrInterrupted
		}
		pieces := chapters(ch + 1)
		path := filepath.Join(f.Out, l.Name(q, ch+1))
		wrote, err := atomicfile.Update(path, pieces)
		if err != nil {
			return files, same, bytes, err
		}
		files++
		if !wrote {
			// Left as it was, but made now: newer than the site's stamp, as make wants.
			now := time.Now()
			if err := os.Chtimes(path, now, now); err != nil {
				return files, same, bytes, fmt.Errorf("marking %s as up to date: %w", path, err)
			}
			same++
		}
		for _, p := range pieces {
			bytes += int64(len(p))
		}
	}
	return files, same, bytes, nil
}
