package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"pagegen/internal/atomicfile"
	"pagegen/internal/exit"
	"pagegen/internal/lock"
	"pagegen/internal/progress"
	"pagegen/internal/site"
)

// runPages runs the inner make for the sequences d runs, with progress,
// and counts what it wrote.
func (b *BuildCmd) runPages(ctx context.Context, p site.Plan, d site.Decision, seqs []site.Seq, locks lock.Locks) (progress.Stats, error) {
	if err := site.BeginBuild(b.Out); err != nil {
		return progress.Stats{}, err
	}
	if err := writePagesMK(p, d, b.PagesMK); err != nil {
		return progress.Stats{}, err
	}
	m := &progress.Monitor{Out: os.Stdout, TTY: isatty.IsTerminal(os.Stdout.Fd()), Width: progress.TermWidth(), Interval: b.Interval,
		Total: p.FileCount(seqs), Stale: make(map[string]int, len(d.Run)), Drop: makeNoise()}
	for _, q := range d.Run {
		m.Stale[q.String()] = p.Chapters(q)
	}
	stats, err := m.Watch(func(page *os.File, out io.Writer) error {
		return b.runMake(ctx, page, out, locks)
	})
	// The inner make has ended and the locks are still held: temporary files
	// now are leftovers of a page process killed mid-write.
	if err != nil || ctx.Err() != nil {
		sweep(p.Corpus().Path(), b.Out, true)
	}
	// Every page written is whole: make them safe on the disk, once. Not on
	// Ctrl+C, which asks to stop now: the record stays, as after a small
	// build, and the next build that ends syncs them.
	if ctx.Err() == nil {
		if serr := site.EndBuild(b.Out, p.FileCount(d.Run)); serr != nil && err == nil {
			err = serr
		}
	}
	// What was built is what is no longer stale (progress events are best effort).
	stats.Built = p.FileCount(d.Run) - p.FileCount(d.Left(b.Out))
	stats.Same = min(stats.Same, stats.Built)
	return stats, err
}

// writePagesMK writes the make fragment of the stale sequences for the inner
// make, only when it changes, and never over a file that is not one.
func writePagesMK(p site.Plan, d site.Decision, path string) error {
	if err := checkPagesMK(path); err != nil {
		return err
	}
	var mk strings.Builder
	if err := p.Makefile(&mk, d.Run, d.Chapters); err != nil {
		return err
	}
	_, err := atomicfile.Update(path, [][]byte{[]byte(mk.String())})
	return err
}

// checkPagesMK refuses a file at path that is not a make fragment of the build's.
func checkPagesMK(path string) error {
	if err := atomicfile.CheckOurs(path, []byte(site.MakefileMark)); err != nil {
		return fmt.Errorf("%w: move it away, or give CORPUS another folder (the site's make fragment goes beside it)", err)
	}
	return nil
}

// remakePrograms has make build the programs again when they are gone: a
// make clean that this build waited for removed them (make did build them
// before it ran this build). A build not run by make leaves that to make.
func (b *BuildCmd) remakePrograms(ctx context.Context) error {
	gone := slices.ContainsFunc([]string{b.CorpusPack, b.Pagegen}, func(p string) bool {
		_, err := os.Stat(p)
		return errors.Is(err, os.ErrNotExist)
	})
	if !gone || os.Getenv("MAKELEVEL") == "" {
		return nil
	}
	say("the programs were removed while this build waited (by a make clean): building them again")
	cmd := exec.CommandContext(ctx, b.Make, slices.DeleteFunc([]string{"--no-print-directory", b.outer.JobsOption(), "tools"}, func(a string) bool { return a == "" })...)
	cmd.Env = append(os.Environ(), "MAKEFLAGS="+b.outer.Pass())
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); ctx.Err() != nil {
		return exit.ErrInterrupted
	} else if err != nil {
		return fmt.Errorf("building the programs again: %w (see above)", err)
	}
	return nil
}

// makeNoise is what the inner make says that the build says better: a page
// that failed (its error and the summary name it), the targets it left.
// Compiled when a build runs make, not at every start of pagegen.
var makeNoise = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^make(\[\d+\])?: (\*\*\* \[.*\] (Error \d+|Interrupt|Terminated)|\*\*\* Waiting for unfinished jobs\.\.\.\.|\*\*\* wait: No child processes\.  Stop\.|Target '.*' not remade because of errors\.|Nothing to be done for '.*'\.|'.*' is up to date\.)$`)
})

// runMake runs the inner make with the outer one's job count and flags, for
// every file that pages.mk lists (the goals' stale ones), stopping it with SIGTERM (which make passes on to its jobs) when ctx ends.
// The inner make and its jobs inherit the locks, so that they stay held
// until the last of them ends, even if this process is killed, and the
// progress monitor's socket (page), the only way to it.
func (b *BuildCmd) runMake(ctx context.Context, page *os.File, out io.Writer, locks lock.Locks) error {
	args := []string{"-f", b.Makefile, "--no-print-directory"}
	if jobs := b.outer.JobsOption(); jobs != "" {
		args = append(args, jobs)
	}
	cmd := exec.Command(b.Make, args...)
	cmd.ExtraFiles = append(slices.Clone(locks), page)
	// ExtraFiles[i] is the child's descriptor 3+i.
	cmd.Env = append(os.Environ(), "MAKEFLAGS="+b.outer.Pass(), progress.EnvSocket+"="+strconv.Itoa(3+len(locks)))
	cmd.Stdout, cmd.Stderr = out, out
	// A job that outlives make must not keep the output pipe, and so this wait, open.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", b.Make, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		return err
	case <-ctx.Done():
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-waited:
		return err
	case <-time.After(time.Second):
		cmd.Process.Kill()
		return <-waited
	}
}
