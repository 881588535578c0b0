// Package exit maps a command's outcome to its message and exit status, in one
// place for every pagegen command.
package exit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/fatih/color"

	"pagegen/internal/quote"
)

// ErrInterrupted is returned by a command stopped by SIGINT or SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// Exit statuses.
const (
	OK          = 0
	Failed      = 1
	Usage       = 2 // a bad command line
	Interrupted = 130
)

// usageError marks an error in the command line.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// UsageError marks err as a mistake in the command line (exit status Usage).
func UsageError(err error) error { return usageError{err} }

// Code is the exit status for err.
func Code(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return OK
	case interrupted(err):
		return Interrupted
	case errors.As(err, &usage):
		return Usage
	}
	return Failed
}

// interrupted reports whether err ends a command stopped by a signal: its
// own ErrInterrupted, or a wait that the signal's context cancelled.
func interrupted(err error) bool {
	return errors.Is(err, ErrInterrupted) || errors.Is(err, context.Canceled)
}

// Main is every command's main: it runs run with the command's arguments
// and a context that Ctrl+C or SIGTERM ends (so that the command can drop
// its temporary files), then prints run's error as cmd's and exits with its
// status (With).
func Main(cmd string, run func(ctx context.Context, args []string) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	With(cmd, err)
}

// With prints err (if any) as "cmd: error: ..." on stderr and exits with its status.
func With(cmd string, err error) {
	if err != nil && !interrupted(err) {
		// A name in the message may come from the disk or a server: no
		// escape sequence in it reaches the terminal.
		fmt.Fprintf(os.Stderr, "%s: %s %s\n", cmd, color.New(color.FgRed, color.Bold).Sprint("error:"), quote.Lines(err.Error()))
	}
	os.Exit(Code(err))
}

// exited is kong's exit (after --help, or a parse error it printed), caught.
type exited int

// Parse parses a command line for grammar with kong. It returns a nil
// context when there is nothing to run (help was asked for and printed),
// and a usage error for a bad command line: kong never exits the process,
// so that a command's run function can be called from tests.
func Parse(grammar any, args []string, options ...kong.Option) (kctx *kong.Context, err error) {
	parser, err := kong.New(grammar, append(options, kong.Exit(func(code int) { panic(exited(code)) }))...)
	if err != nil {
		return nil, err
	}
	defer func() {
		r := recover()
		if code, ok := r.(exited); ok {
			kctx, err = nil, nil
			if code != OK {
				err = UsageError(errors.New("see --help"))
			}
		} else if r != nil {
			panic(r)
		}
	}()
	kctx, err = parser.Parse(args)
	if err != nil {
		return nil, UsageError(fmt.Errorf("%w (see --help)", err))
	}
	return kctx, nil
}

// AfterGrace ends the process grace after Ctrl+C or SIGTERM (when ctx
// ends), whatever it is doing, saying why if why is set: a command that
// watches ctx drops its temporary file and ends before that; one busy
// computing (a layout, an ordering) or blocked in the system (a read that
// never returns) ends here. A temporary file it leaves is swept by the
// next build.
func AfterGrace(ctx context.Context, grace time.Duration, why string) {
	<-ctx.Done()
	time.Sleep(grace)
	if why != "" {
		fmt.Fprintln(os.Stderr, why)
	}
	os.Exit(Interrupted)
}
