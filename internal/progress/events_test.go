package progress

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestEventRoundTrip(t *testing.T) {
	for _, e := range []Event{
		{Kind: Start, Page: "similar/12.html"},
		{Kind: Done, Page: "index.html", Bytes: 1},
		{Kind: Done, Page: "different/7800.html", Bytes: math.MaxInt64},
		{Kind: Done, Page: "similar/1.html", Bytes: 5 << 30},
		{Kind: Fail, Page: "different/3.html", Err: ""},
		{Kind: Fail, Page: "different/3.html", Err: "poem 3 fediverse/1:\tbad\ttabs\t\tand an empty field after\t"},
		{Kind: Fail, Page: "similar/3.html", Err: "ünïcödé — 詩 🌙"},
		{Kind: "", Page: "", Bytes: 0, Err: ""},
	} {
		got, ok := decode(e.encode())
		if !ok || got != e {
			t.Errorf("decode(encode(%+v)) = %+v, %v", e, got, ok)
		}
	}
}

func TestDecodeDropsMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"start",
		"start\tsimilar/1.html",
		"done\tsimilar/1.html\t12", // three fields: the error field is missing
		"done\tsimilar/1.html\t\t",
		"done\tsimilar/1.html\tmany\t",
		"done\tsimilar/1.html\t1.5\t",
		"done\tsimilar/1.html\t 12\t",
		"done\tsimilar/1.html\t99999999999999999999\t", // overflows int64
		"done similar/1.html 12 ",
	} {
		if e, ok := decode([]byte(s)); ok {
			t.Errorf("decode(%q) = %+v, true; want it dropped", s, e)
		}
	}
}

// listenDialed is a monitor's socket and a page process's connection to it,
// both closed when the test ends.
func listenDialed(t *testing.T) (*listener, net.Conn) {
	t.Helper()
	l, page, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	defer page.Close()
	c, err := net.FileConn(page)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return l, c
}

// TestListenDropsMalformed sends raw datagrams to the monitor's socket: the
// malformed ones never reach the channel, the good ones arrive in order.
func TestListenDropsMalformed(t *testing.T) {
	l, c := listenDialed(t)
	want := []Event{
		{Kind: Start, Page: "similar/1.html"},
		{Kind: Done, Page: "similar/1.html", Bytes: 4242},
		{Kind: Fail, Page: "index.html", Err: "x\ty"},
	}
	for _, d := range [][]byte{
		[]byte("garbage"),
		want[0].encode(),
		[]byte("done\tsimilar/1.html\tNaN\t"),
		{},
		want[1].encode(),
		[]byte("\t\t"),
		want[2].encode(),
	} {
		if _, err := c.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range want {
		select {
		case got := <-l.events:
			if got != w {
				t.Errorf("event %d = %+v, want %+v", i, got, w)
			}
		case <-time.After(hangLimit):
			t.Fatalf("event %d never arrived", i)
		}
	}
	l.close()
	for e := range l.events { // closed once the socket is
		t.Errorf("unexpected event %+v", e)
	}
}

// TestRest: once the senders are done, what is on the channel and in the
// socket's buffer comes back from rest at once, every event, in order, more
// than the channel holds; and nothing after.
func TestRest(t *testing.T) {
	l, c := listenDialed(t)
	// The channel's 1024, one the reader holds, and some in the socket's
	// queue (net.unix.max_dgram_qlen, 10 by default, before a send blocks).
	const sent = 1024 + 1 + 7
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for i := range sent {
		if _, err := c.Write(Event{Kind: Done, Page: fmt.Sprintf("similar/%d", i)}.encode()); err != nil {
			t.Fatal(err)
		}
	}
	var got []Event
	for range 10 { // some taken while the build runs
		got = append(got, <-l.events)
	}
	got = append(got, l.rest()...)
	if len(got) != sent {
		t.Fatalf("got %d events, want %d", len(got), sent)
	}
	for i, e := range got {
		if want := fmt.Sprintf("similar/%d", i); e.Page != want {
			t.Fatalf("event %d is %s, want %s", i, e.Page, want)
		}
	}
	if _, err := c.Write(Event{Kind: Start, Page: "late"}.encode()); err == nil {
		t.Error("a send after rest reached the socket: it should be closed")
	}
}

// TestDialOnlyTheMonitor: a page process reports only to a Unix datagram
// socket it inherited, at the descriptor the environment names: not to a
// socket with a name (another process could have made it), not to a file
// or another kind of socket the variable names by mistake.
func TestDialOnlyTheMonitor(t *testing.T) {
	e := Event{Kind: Done, Page: "similar/1.html", Bytes: 10}
	var zero Reporter
	zero.Send(e) // must not panic
	zero.Close()
	zero.Close()

	named := filepath.Join(t.TempDir(), "events")
	nl, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: named, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	stream, err := net.Listen("unix", filepath.Join(t.TempDir(), "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	streamFile, err := stream.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer streamFile.Close()
	for name, env := range map[string]string{
		"unset":                 "",
		"a socket's path":       named,
		"an abstract socket":    "@pagegen-progress-1-2",
		"a file":                strconv.Itoa(int(file.Fd())),
		"a stream socket":       strconv.Itoa(int(streamFile.Fd())),
		"standard output":       "1",
		"a descriptor not open": "987654",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(EnvSocket, env)
			r := Dial()
			if r.open {
				t.Errorf("Dial with %s=%q connected", EnvSocket, env)
			}
			r.Send(e)
			r.Close()
		})
	}
	if fi, _ := file.Stat(); fi.Size() != 0 {
		t.Errorf("an event was written to a file the variable named")
	}
}

// TestReporterMonitorGone: the monitor's socket disappears between Dial and
// Send; sending must neither fail nor block.
func TestReporterMonitorGone(t *testing.T) {
	l, page, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	t.Setenv(EnvSocket, strconv.Itoa(int(page.Fd())))
	r := Dial()
	if !r.open {
		t.Fatal("Dial did not connect to the monitor's socket")
	}
	l.close()
	done := make(chan bool)
	go func() {
		for range 100 {
			r.Send(Event{Kind: Start, Page: "similar/1.html"})
		}
		r.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(hangLimit):
		t.Fatal("Send blocked after the monitor went away")
	}
}

// TestReporterQueueFull: more events than the socket's buffer holds, sent
// while the monitor is not reading (a loaded machine has not scheduled it),
// all arrive once it reads.
func TestReporterQueueFull(t *testing.T) {
	defer func(w time.Duration) { sendWait = w }(sendWait)
	sendWait = hangLimit
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	// A few events fill it (the kernel's least).
	if err := unix.SetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_SNDBUF, 1); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSocket, strconv.Itoa(fds[1]))
	r := Dial()
	defer r.Close()
	const n = 100
	sent := make(chan bool)
	go func() {
		for i := range n {
			r.Send(Event{Kind: Done, Page: fmt.Sprintf("similar/%d", i)})
		}
		close(sent)
	}()
	// The buffer fills before the first read, and the sender meets it full.
	for {
		pfd := []unix.PollFd{{Fd: int32(fds[1]), Events: unix.POLLOUT}}
		if k, err := unix.Poll(pfd, 0); err == nil && k == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	tv := unix.NsecToTimeval(hangLimit.Nanoseconds())
	if err := unix.SetsockoptTimeval(fds[0], unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1024)
	for i := range n {
		k, _, err := unix.Recvfrom(fds[0], buf, 0)
		if err != nil {
			t.Fatalf("event %d of %d: %v (dropped while the queue was full?)", i, n, err)
		}
		e, ok := decode(buf[:k])
		if want := fmt.Sprintf("similar/%d", i); !ok || e.Page != want {
			t.Fatalf("event %d is %q, want %s", i, buf[:k], want)
		}
	}
	<-sent
}

func TestFirstLine(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{errors.New("one line"), "one line"},
		{errors.New("first\nsecond\nthird"), "first"},
		{errors.New("\nafter an empty first line"), ""},
		{errors.New(""), ""},
		{fmt.Errorf("poem 3 notes/x: %w", errors.New("bad\nhint: fix it")), "poem 3 notes/x: bad"},
		{errors.New("tabs\tstay\r\nthere"), "tabs\tstay\r"},
	} {
		if got := FirstLine(c.err); got != c.want {
			t.Errorf("FirstLine(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}
