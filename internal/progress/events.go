// Package progress follows a build made of many page processes: each pagegen
// reports the start and end of its page over a Unix datagram socket, and a
// Monitor turns those events into live progress and a summary.
package progress

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// EnvSocket names the environment variable that tells the page processes
// which of their descriptors is the monitor's socket, which they inherit;
// without it they report nothing.
const EnvSocket = "PAGEGEN_PROGRESS"

// Event kinds.
const (
	Start = "start"
	Done  = "done"
	Fail  = "fail"
)

// Event is one page process's report on the files it writes.
type Event struct {
	Kind  string // Start, Done or Fail
	Page  string // what the process writes, e.g. similar/12 (all its chapters)
	Files int    // with Done: how many files
	Same  int    // with Done: how many of them already held those bytes (left as they were)
	Bytes int64  // with Done: their size
	Err   string // with Fail: the first line of the error
}

func (e Event) encode() []byte {
	return []byte(strings.Join([]string{e.Kind, e.Page, strconv.Itoa(e.Files), strconv.Itoa(e.Same), strconv.FormatInt(e.Bytes, 10), e.Err}, "\t"))
}

func decode(b []byte) (Event, bool) {
	f := strings.SplitN(string(b), "\t", 6)
	if len(f) != 6 {
		return Event{}, false
	}
	files, err1 := strconv.Atoi(f[2])
	same, err2 := strconv.Atoi(f[3])
	n, err3 := strconv.ParseInt(f[4], 10, 64)
	return Event{Kind: f[0], Page: f[1], Files: files, Same: same, Bytes: n, Err: f[5]}, err1 == nil && err2 == nil && err3 == nil
}

// Reporter sends a page process's events; its zero value (no monitor) sends nothing.
// It writes to the socket's descriptor directly: a page process has no other
// use for the runtime's network poller, which would cost it a start-up.
type Reporter struct {
	fd   int
	open bool
}

// Dial connects to the monitor whose socket the process inherited, at the
// descriptor the environment names (see Watch), if it is one. Progress is
// best effort: a missing or gone monitor never fails a page.
func Dial() Reporter {
	fd, err := strconv.Atoi(os.Getenv(EnvSocket))
	if err != nil || fd < 3 || !datagramSocket(fd) {
		return Reporter{}
	}
	// A copy of the descriptor: the one inherited stays as it is (in a
	// test, it is the monitor's own).
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return Reporter{}
	}
	return Reporter{fd: dup, open: true}
}

// datagramSocket reports whether fd is a Unix datagram socket, as the
// monitor's is: a descriptor the variable names wrongly (set by hand, say)
// is never written to.
func datagramSocket(fd int) bool {
	domain, err1 := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	typ, err2 := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	return err1 == nil && err2 == nil && domain == unix.AF_UNIX && typ == unix.SOCK_DGRAM
}

// Send reports e.
// When a burst of pages ending while the monitor waits to be scheduled fills
// the socket's buffer, a send waits for room, up to sendWait, which a loaded
// machine's scheduling fits in. Only a monitor that stops reading (its
// output paused in a pager, say) loses events, and never holds up a page
// for longer. (A deadline set before the write would pass while the
// process itself waits to run, and drop the event that ends a page.)
func (r Reporter) Send(e Event) {
	if !r.open {
		return
	}
	b := e.encode()
	if unix.Send(r.fd, b, unix.MSG_DONTWAIT) == unix.EAGAIN {
		unix.Poll([]unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLOUT}}, int(sendWait.Milliseconds()))
		unix.Send(r.fd, b, unix.MSG_DONTWAIT)
	}
}

// sendWait is how long a page process waits for room in the socket's buffer.
var sendWait = 250 * time.Millisecond

// Close closes the connection.
func (r *Reporter) Close() {
	if r.open {
		unix.Close(r.fd)
		r.open = false
	}
}

// FirstLine is the first line of err's message, for a Fail event.
func FirstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// listener is the monitor's end of the socket.
type listener struct {
	conn   *net.UnixConn
	events chan Event // what the page processes sent, until rest or close
}

// listen makes the monitor's socket: a pair of connected Unix datagram
// sockets, of which the monitor reads one and the build's processes
// inherit the other (page). Having no name, it can be reached only by
// inheritance: no other process, of another user or of the same one, can
// fake a page's progress or failure, or put text in the summary (a socket
// with a name, even abstract, can be found and written to).
func listen() (l *listener, page *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the progress socket: %w", err)
	}
	// The pages' end buffers much, so that a burst of pages finishing does
	// not drop events (a send that cannot go at once is dropped).
	unix.SetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	f := os.NewFile(uintptr(fds[0]), "progress")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("opening the progress socket: %w", err)
	}
	l = &listener{conn: c.(*net.UnixConn), events: make(chan Event, 1024)}
	go func() {
		defer close(l.events)
		buf := make([]byte, 64<<10)
		for {
			n, err := l.conn.Read(buf)
			if err != nil {
				return
			}
			if e, ok := decode(buf[:n]); ok {
				l.events <- e
			}
		}
	}()
	return l, os.NewFile(uintptr(fds[1]), "progress"), nil
}

// rest stops the reads and returns, without waiting, the events still to
// take: once every page process has exited, all they sent is on the
// channel or in the socket's buffer. The socket is closed.
func (l *listener) rest() []Event {
	// A past deadline ends the reads at once, leaving the buffer as it is.
	l.conn.SetReadDeadline(time.Unix(1, 0))
	var rest []Event
	for e := range l.events {
		rest = append(rest, e)
	}
	if raw, err := l.conn.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			buf := make([]byte, 64<<10)
			for {
				n, _, err := unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return // EAGAIN: the buffer is empty
				}
				if e, ok := decode(buf[:n]); ok {
					rest = append(rest, e)
				}
			}
		})
	}
	l.conn.Close()
	return rest
}

// close closes the socket; the channel is closed once the reads end.
func (l *listener) close() { l.conn.Close() }
