//go:build !linux

package input

import (
	"context"
	"os"
)

// waitForWriter does nothing here: how poll reports a pipe without a writer
// differs between systems, so a pipe read before its writer comes reads as
// empty, which readFile reports as such.
func waitForWriter(ctx context.Context, f *os.File) error { return nil }
