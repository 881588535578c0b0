package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"pagegen/internal/corpus"
	"pagegen/internal/exit"
	"pagegen/internal/progress"
	"pagegen/internal/site"
	"pagegen/internal/site/orderings"
)

// SeqFlags say where a sequence's files go. The site is laid out as its
// stamp says, which the build wrote before it started the page writers.
type SeqFlags struct {
	Out   string `required:"" help:"Site directory (OUT), laid out as its stamp says (as make last built it; whole pages when it has none)."`
	Write string `hidden:"" placeholder:"'C1 C2...'" help:"Only these chapters may have changed since the build wrote them; the others are dated anew (the build's hint)."`
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
	w, err := f.writeSeq(ctx, corpus, q)
	switch {
	case err == nil:
		r.Send(progress.Event{Kind: progress.Done, Page: q.String(), Files: w.Files, Same: w.Same, Bytes: w.Bytes})
	case ctx.Err() == nil:
		r.Send(progress.Event{Kind: progress.Fail, Page: q.String(), Err: progress.FirstLine(err)})
	}
	return err
}

// writeSeq writes q's files with the layout of the site's stamp.
func (f *SeqFlags) writeSeq(ctx context.Context, path string, q site.Seq) (site.Written, error) {
	// The corpus stays mapped until the process exits: the pages point into it.
	c, err := corpus.Open(path)
	if err != nil {
		return site.Written{}, err
	}
	l, err := site.LaidOut(c, f.Out)
	if err != nil {
		return site.Written{}, exit.UsageError(err)
	}
	only, err := chapterList(f.Write)
	if err != nil {
		return site.Written{}, exit.UsageError(err)
	}
	w, err := l.Write(ctx, f.Out, orderings.Path(path), q, only)
	if errors.Is(err, site.ErrStopped) {
		return w, exit.ErrInterrupted
	}
	return w, err
}

// chapterList reads a list of chapter numbers, such as --write '2 3'; nil
// for none.
func chapterList(s string) ([]int, error) {
	var list []int
	for _, f := range strings.Fields(s) {
		c, err := strconv.Atoi(f)
		if err != nil || c < 1 {
			return nil, fmt.Errorf("--write %q: give chapter numbers from 1, such as '2 3'", s)
		}
		list = append(list, c)
	}
	return list, nil
}
