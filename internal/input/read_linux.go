package input

import (
	"context"
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// waitForWriter waits until the pipe f has data or its writer has come and
// gone. Opened with O_NONBLOCK and no writer yet, a read returns end of file
// at once, which would read as an empty file; poll tells "no writer yet"
// (nothing) from "the writer closed" (POLLHUP). It polls a tenth of a second
// at a time, to see ctx.
func waitForWriter(ctx context.Context, f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ready bool
		var perr error
		// Control, not Fd: Fd would put the file back in blocking mode.
		if err := rc.Control(func(fd uintptr) {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			var n int
			n, perr = unix.Poll(fds, 100)
			ready = n > 0 && fds[0].Revents != 0
		}); err != nil {
			return err
		}
		if perr != nil && !errors.Is(perr, unix.EINTR) {
			return perr
		}
		if ready {
			return nil
		}
	}
}
