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

// EnvSocket names the environment variable that carries the socket's path to
// the page processes; without it they report nothing.
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
type Reporter struct {
	conn *net.UnixConn
}

// Dial connects to the monitor named in the environment, if any. Progress is
// best effort: a missing or gone monitor never fails a page.
func Dial() Reporter {
	path := os.Getenv(EnvSocket)
	if path == "" {
		return Reporter{}
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return Reporter{}
	}
	return Reporter{conn: conn}
}

// Send reports e.
// A monitor that stops reading (its output paused in a pager, say) must not
// hold up the pages: a send that cannot go at once is dropped.
func (r Reporter) Send(e Event) {
	if r.conn != nil {
		r.conn.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		r.conn.Write(e.encode())
	}
}

// Close closes the connection.
func (r Reporter) Close() {
	if r.conn != nil {
		r.conn.Close()
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

// listen opens the monitor's socket at path and delivers events on a channel
// until the socket is closed. An abstract socket has no file permissions,
// so the kernel is asked for each datagram's sender (SO_PASSCRED), and only
// those of this user's processes are taken: another local user cannot fake
// a page's progress or failure, or put text in the summary.
func listen(path string) (*listener, error) {
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("opening the progress socket: %w", err)
	}
	if err := passCredentials(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("opening the progress socket: %w", err)
	}
	conn.SetReadBuffer(4 << 20)
	l := &listener{conn: conn, events: make(chan Event, 1024)}
	go func() {
		defer close(l.events)
		buf, oob := buffers()
		for {
			n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			if e, ok := received(buf[:n], oob[:oobn]); ok {
				l.events <- e
			}
		}
	}()
	return l, nil
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
			buf, oob := buffers()
			for {
				n, oobn, _, _, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_DONTWAIT)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return // EAGAIN: the buffer is empty
				}
				if e, ok := received(buf[:n], oob[:oobn]); ok {
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

// buffers are room for one datagram and its sender's credentials.
func buffers() (buf, oob []byte) {
	return make([]byte, 64<<10), make([]byte, unix.CmsgSpace(unix.SizeofUcred))
}

// received decodes a datagram from this user's processes.
func received(b, oob []byte) (Event, bool) {
	if !fromUs(oob) {
		return Event{}, false
	}
	return decode(b)
}

// passCredentials has the kernel attach its sender's credentials to every
// datagram conn receives.
func passCredentials(conn *net.UnixConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	}); err != nil {
		return err
	}
	return serr
}

// fromUs reports whether a datagram's credentials are this user's.
func fromUs(oob []byte) bool {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return false
	}
	cred, err := unix.ParseUnixCredentials(&msgs[0])
	return err == nil && int(cred.Uid) == os.Getuid()
}
