package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"pagegen/internal/amount"
	"pagegen/internal/corpus"
	"pagegen/internal/site/orderings"
	"pagegen/internal/siteflags"
)

// dryRun says what a build would do, and writes nothing of the build's or
// the user's: when an input changed since the corpus was packed, it packs
// them into a scratch corpus in the temporary folder, to see what they change.
func (b *BuildCmd) dryRun(ctx context.Context, job corpus.Job) error {
	if len(b.goals.Pages) == 0 {
		if job.UpToDate() {
			say("make -n: %s is up to date", job.Corpus)
		} else {
			say("make -n: an input changed since %s was packed: it would be packed again, if its contents change", job.Corpus)
		}
		return nil
	}
	record := orderings.Path(job.Corpus)
	if !job.UpToDate() {
		scratch, err := os.MkdirTemp("", "pagegen-plan-")
		if err != nil {
			return fmt.Errorf("making a scratch folder for the plan: %w", err)
		}
		defer os.RemoveAll(scratch)
		say("make -n: an input changed since %s was packed: packing them in a scratch folder to see what that changes", job.Corpus)
		job.Previous, job.Corpus = job.Corpus, filepath.Join(scratch, "corpus.bin")
		if err := b.pack(ctx, job); err != nil {
			return err
		}
	}
	return withCorpus(job.Corpus, func(c *corpus.Corpus) error {
		p, err := siteflags.Fit(c, b.Shape, b.Budget, b.Out)
		if err != nil {
			return err
		}
		p.Origin = cmp.Or(job.Previous, job.Corpus) // the real corpus, for a scratch one
		seqs, d, err := b.decide(ctx, p, record)
		if err != nil {
			return err
		}
		say("make -n: %s of %s would be built; %s run, %s skipped", amount.Count(p.FileCount(d.Run)), amount.Of(p.FileCount(seqs), "file"),
			amount.Of(d.Orderings-d.Skipped, "ordering"), amount.Count(d.Skipped))
		return nil
	})
}
