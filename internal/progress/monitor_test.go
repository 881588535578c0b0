package progress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"
)

// syncBuffer is the monitor's output, read by the fake build while the
// monitor writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hangLimit bounds each wait for what must come (an event, a line of
// output), so that a test that would hang fails: it tells a hang, not speed.
const hangLimit = time.Minute

// waitFor waits until the output contains sub.
func (s *syncBuffer) waitFor(sub string) error {
	for deadline := time.Now().Add(hangLimit); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if strings.Contains(s.String(), sub) {
			return nil
		}
	}
	return fmt.Errorf("the monitor never wrote %q; it wrote:\n%s", sub, s.String())
}

// fakePage is one page process of the fake build.
type fakePage struct {
	name  string
	bytes int64
	err   string // non-empty: the page fails
}

// run reports the page the way pagegen does: its own connection, Start, then
// Done or Fail.
func (p fakePage) run() {
	r := Dial()
	defer r.Close()
	r.Send(Event{Kind: Start, Page: p.name})
	if p.err != "" {
		r.Send(Event{Kind: Fail, Page: p.name, Err: p.err})
	} else {
		r.Send(Event{Kind: Done, Page: p.name, Bytes: p.bytes})
	}
}

// runPages runs the pages concurrently, like make -j.
func runPages(pages []fakePage) {
	var wg sync.WaitGroup
	for _, p := range pages {
		wg.Go(p.run)
	}
	wg.Wait()
}

// setSocket points page processes (here, goroutines of the test's process,
// which has the pages' end open) at the monitor's socket; t.Setenv restores
// the variable when the test ends.
func setSocket(t *testing.T) func(page *os.File) {
	t.Setenv(EnvSocket, "")
	return func(page *os.File) { os.Setenv(EnvSocket, strconv.Itoa(int(page.Fd()))) }
}

func pageNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("similar/%d.html", i+1)
	}
	return names
}

// planned is a monitor of a build of total pages, stale of them to build
// (one file each).
func planned(m *Monitor, total int, stale []string) *Monitor {
	m.Total, m.Stale = total, map[string]int{}
	for _, p := range stale {
		m.Stale[p] = 1
	}
	return m
}

var escape = regexp.MustCompile("\x1b")

func TestWatchPlain(t *testing.T) {
	names := pageNames(10)
	errText := "poem 4 notes/x: the entry is damaged\tsee above"
	built := []fakePage{
		{names[0], 1000, ""},
		{names[1], 2000, ""},
		{names[2], 1 << 40, ""},
		{names[3], 0, errText},
		{names[4], 5, ""},
		{names[5], 0, ""},
	}
	output := []string{"make: entering the build", "", "\tan indented line ✓", "make: *** [similar/4.html] Error 1"}

	type testCase struct {
		name       string
		total      int
		stale      []string
		pages      []fakePage
		buildErr   error
		want       Stats
		statusLine *regexp.Regexp // the last status line (nil: none expected)
	}
	cases := []testCase{
		{
			name:       "some pages stale, one fails",
			total:      10,
			stale:      names[:6],
			pages:      built,
			buildErr:   errors.New("exit status 2"),
			want:       Stats{Total: 10, UpToDate: 4, Built: 5, Failed: 1, Bytes: 1000 + 2000 + 1<<40 + 5, Failures: []Event{{Kind: Fail, Page: names[3], Err: errText}}},
			statusLine: regexp.MustCompile(`^pagegen: 6/6 pages \(4 up to date\), 1 failed, [0-9.]+ pages/s, [0-9.]+ MB/s$`),
		},
		{
			name:  "all pages stale",
			total: 3,
			stale: names[:3],
			pages: built[:3],
			want:  Stats{Total: 3, Built: 3, Bytes: 1000 + 2000 + 1<<40},
			// No "(0 up to date)".
			statusLine: regexp.MustCompile(`^pagegen: 3/3 pages, [0-9.]+ pages/s, [0-9.]+ MB/s$`),
		},
		{
			name:  "nothing to build",
			total: 10,
			want:  Stats{Total: 10, UpToDate: 10},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setEnv := setSocket(t)
			out := &syncBuffer{}
			m := planned(&Monitor{Out: out, Interval: 2 * time.Millisecond}, c.total, c.stale)
			stats, err := m.Watch(func(page *os.File, w io.Writer) error {
				setEnv(page)
				for _, l := range output[:2] {
					fmt.Fprintln(w, l)
				}
				runPages(c.pages)
				fmt.Fprint(w, strings.Join(output[2:], "\n")+"\n")
				if c.statusLine != nil {
					// Let a status line show the end state.
					want := strconv.Itoa(c.want.Built+c.want.Failed) + "/"
					if c.want.Total == 0 {
						want = "preparing"
					}
					if err := out.waitFor(want); err != nil {
						return err
					}
				}
				return c.buildErr
			})
			if !errors.Is(err, c.buildErr) || (c.buildErr == nil) != (err == nil) {
				t.Errorf("Watch returned error %v, want %v", err, c.buildErr)
			}
			if stats.Elapsed <= 0 {
				t.Errorf("Elapsed = %v", stats.Elapsed)
			}
			stats.Elapsed = 0
			slices.SortFunc(stats.Failures, func(a, b Event) int { return strings.Compare(a.Page, b.Page) })
			if fmt.Sprint(stats) != fmt.Sprint(c.want) {
				t.Errorf("Stats = %+v\nwant    %+v", stats, c.want)
			}

			text := out.String()
			if escape.MatchString(text) {
				t.Errorf("plain output has escape codes:\n%q", text)
			}
			var lines, status []string
			for l := range strings.Lines(text) {
				l = strings.TrimSuffix(l, "\n")
				if strings.HasPrefix(l, "pagegen: ") {
					status = append(status, l)
				} else {
					lines = append(lines, l)
				}
			}
			if !slices.Equal(lines, output) {
				t.Errorf("the build's output came out as\n%q\nwant\n%q", lines, output)
			}
			switch {
			case c.statusLine == nil && len(status) > 0:
				t.Errorf("status lines with nothing built:\n%s", strings.Join(status, "\n"))
			case c.statusLine == nil:
			case len(status) == 0:
				t.Errorf("no status line in\n%s", text)
			default:
				last := status[len(status)-1]
				if !c.statusLine.MatchString(last) {
					t.Errorf("last status line %q does not match %v", last, c.statusLine)
				}
				for _, s := range status {
					if c.want.Total > 0 && !regexp.MustCompile(`^pagegen: \d+/\d+ pages`).MatchString(s) {
						t.Errorf("status line %q does not say k/N pages", s)
					}
				}
			}
		})
	}
}

// TestWatchDrainsLateEvents: pages that report just before the build returns
// are all counted, even many more than the socket and channel buffer.
// TestWatchFailureUnexplained: make's own words, dropped while the pages
// explain themselves, are in the summary when make stopped and no page
// said why (a page process killed by a signal reports nothing).
func TestWatchFailureUnexplained(t *testing.T) {
	names := pageNames(3)
	said := []string{"make[1]: *** [data/pages.mk:13: similar/2.html] Terminated", "make[1]: *** Waiting for unfinished jobs...."}
	for _, c := range []struct {
		name  string
		pages []fakePage
		shown bool
	}{
		{"a page killed", []fakePage{{names[0], 10, ""}}, true},
		{"a page that says why", []fakePage{{names[0], 10, ""}, {names[1], 0, "poem 2: damaged"}}, false},
		{"every page built", []fakePage{{names[0], 10, ""}, {names[1], 10, ""}, {names[2], 10, ""}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			setEnv := setSocket(t)
			var out bytes.Buffer
			m := planned(&Monitor{Out: &out, Drop: regexp.MustCompile(`^make\[1\]: \*\*\* `)}, 3, names)
			stats, _ := m.Watch(func(page *os.File, output io.Writer) error {
				setEnv(page)
				runPages(c.pages)
				for _, l := range said {
					fmt.Fprintln(output, l)
				}
				return errors.New("exit status 2")
			})
			if strings.Contains(out.String(), "***") {
				t.Errorf("make's words shown live:\n%s", out.String())
			}
			sum := stats.Summary()
			for _, l := range said {
				if got := strings.Contains(sum, l); got != c.shown {
					t.Errorf("%q in the summary: %v, want %v; summary:\n%s", l, got, c.shown, sum)
				}
			}
		})
	}
}

func TestWatchDrainsLateEvents(t *testing.T) {
	setEnv := setSocket(t)
	const n = 3000
	names := pageNames(n)
	m := planned(&Monitor{Out: io.Discard, Interval: time.Hour}, n+5, names)
	stats, err := m.Watch(func(page *os.File, w io.Writer) error {
		setEnv(page)
		r := Dial()
		defer r.Close()
		for _, p := range names {
			r.Send(Event{Kind: Start, Page: p})
			r.Send(Event{Kind: Done, Page: p, Bytes: 3})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Built != n || stats.Bytes != 3*n || stats.UpToDate != 5 || stats.Total != n+5 {
		t.Errorf("Stats = %+v, want %d built, %d bytes, 5 up to date of %d", stats, n, 3*n, n+5)
	}
}

// TestWatchIgnoresGarbage: datagrams that are not events, from anyone who can
// reach the socket, are dropped.
func TestWatchIgnoresGarbage(t *testing.T) {
	setEnv := setSocket(t)
	m := planned(&Monitor{Out: io.Discard, Interval: time.Hour}, 2, []string{"index.html"})
	stats, err := m.Watch(func(page *os.File, w io.Writer) error {
		setEnv(page)
		c, err := net.FileConn(page)
		if err != nil {
			return err
		}
		defer c.Close()
		for _, d := range []string{"", "done", "done\tindex.html\tx\t", "fail\tindex.html\t0", "\xff\xfe"} {
			c.Write([]byte(d))
		}
		fakePage{"index.html", 77, ""}.run()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Built != 1 || stats.Failed != 0 || stats.Bytes != 77 || stats.UpToDate != 1 {
		t.Errorf("Stats = %+v, want 1 built (77 bytes), 1 up to date", stats)
	}
}

// terminal replays what the monitor wrote to a terminal of width columns
// (0: never wraps) and returns the lines left on screen.
func terminal(t *testing.T, out string, width int) []string {
	t.Helper()
	screen := []string{""}
	row, col := 0, 0
	csi := regexp.MustCompile(`^\x1b\[([0-9;]*)([A-Za-z])`)
	for len(out) > 0 {
		if m := csi.FindStringSubmatch(out); m != nil {
			out = out[len(m[0]):]
			switch m[2] {
			case "m": // colours
			case "A":
				n, _ := strconv.Atoi(m[1])
				if n > row {
					t.Errorf("the cursor goes %d lines up from line %d", n, row)
					n = row
				}
				row -= n
				col = min(col, len([]rune(screen[row])))
			case "J":
				screen[row] = string([]rune(screen[row])[:col])
				screen = screen[:row+1]
			default:
				t.Fatalf("unexpected escape %q", m[0])
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(out)
		out = out[size:]
		if r == '\n' {
			row, col = row+1, 0
			if row == len(screen) {
				screen = append(screen, "")
			}
			continue
		}
		if width > 0 && col == width { // wrap
			row, col = row+1, 0
			if row == len(screen) {
				screen = append(screen, "")
			}
		}
		line := []rune(screen[row])
		if col < len(line) {
			line[col] = r
		} else {
			line = append(line, r)
		}
		screen[row] = string(line)
		col++
	}
	if screen[len(screen)-1] == "" {
		screen = screen[:len(screen)-1]
	}
	return screen
}

func TestTerminal(t *testing.T) {
	for _, c := range []struct {
		out   string
		width int
		want  []string
	}{
		{"a\nb\n", 0, []string{"a", "b"}},
		{"a\nstatus\nrun\n\x1b[2A\x1b[Jb\n", 0, []string{"a", "b"}},
		{"a\n\x1b[1mstatus\x1b[0m\n\x1b[1A\x1b[J", 0, []string{"a"}},
		{"a\n12345\n\x1b[1A\x1b[Jb\n", 3, []string{"a", "123", "b"}},
		{"a\n123\n\x1b[1A\x1b[Jb\n", 3, []string{"a", "b"}},
	} {
		if got := terminal(t, c.out, c.width); !slices.Equal(got, c.want) {
			t.Errorf("terminal(%q, %d) = %q, want %q", c.out, c.width, got, c.want)
		}
	}
}

// TestWatchTerminal: on a terminal the live block is erased before each line
// of the build's output and at the end, so that only the output stays on screen.
func TestWatchTerminal(t *testing.T) {
	defer func(nc bool) { color.NoColor = nc }(color.NoColor)
	color.NoColor = false // as on a real terminal

	names := pageNames(20000)
	for _, c := range []struct {
		name         string
		width, total int
		stale        []string
	}{
		{"small", 0, 5, names[:4]},
		{"wide terminal", 200, 20000, names[:15000]},
		{"80 columns", 80, 20000, names[:15000]},
		{"narrow", 40, 20000, names[:15000]},
	} {
		t.Run(c.name, func(t *testing.T) {
			setEnv := setSocket(t)
			out := &syncBuffer{}
			m := planned(&Monitor{Out: out, TTY: true, Width: c.width, Interval: time.Hour}, c.total, c.stale)
			var output []string
			say := func(w io.Writer, format string, args ...any) error {
				l := fmt.Sprintf(format, args...)
				output = append(output, l)
				fmt.Fprintln(w, l)
				return out.waitFor(l + "\n")
			}
			stats, err := m.Watch(func(page *os.File, w io.Writer) error {
				setEnv(page)
				if err := say(w, "first line"); err != nil {
					return err
				}
				// Two pages running, one done and one failed: the block has
				// a status line and a running line.
				r := Dial()
				defer r.Close()
				for _, p := range names[:4] {
					r.Send(Event{Kind: Start, Page: p})
				}
				r.Send(Event{Kind: Done, Page: names[2], Bytes: 1 << 20})
				r.Send(Event{Kind: Fail, Page: names[3], Err: "bad"})
				// Print until the block shows the running pages.
				for i, deadline := 0, time.Now().Add(hangLimit); !strings.Contains(out.String(), "building: "); i++ {
					if time.Now().After(deadline) {
						return errors.New("the live block never showed the running pages")
					}
					if err := say(w, "line %d", i); err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // for the events to arrive
				}
				for i := range 3 {
					if err := say(w, "after %d", i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Built != 1 || stats.Failed != 1 {
				t.Errorf("Stats = %+v", stats)
			}
			text := out.String()
			if !regexp.MustCompile(`\x1b\[([2-9]|\d\d+)A\x1b\[J`).MatchString(text) {
				t.Errorf("a block of two lines or more was never erased:\n%q", text)
			}
			if !regexp.MustCompile(`\x1b\[\d+A\x1b\[J$`).MatchString(text) {
				t.Errorf("the live block is not erased at the end:\n%q", text)
			}
			// Every output line after the first block is drawn comes right
			// after an erase.
			for _, l := range output[1:] {
				if !regexp.MustCompile(`\x1b\[\d+A\x1b\[J` + regexp.QuoteMeta(l) + "\n").MatchString(text) {
					t.Errorf("%q is not printed right after erasing the block", l)
				}
			}
			if got := terminal(t, text, c.width); !slices.Equal(got, output) {
				t.Errorf("the screen at the end is\n%s\nwant only the build's output\n%s", strings.Join(got, "\n"), strings.Join(output, "\n"))
			}
		})
	}
}

func TestSummary(t *testing.T) {
	many := make([]Event, 25)
	for i := range many {
		many[i] = Event{Kind: Fail, Page: fmt.Sprintf("similar/%d.html", i+1), Err: fmt.Sprintf("error %d", i+1)}
	}
	var manyLines strings.Builder
	for _, f := range many[:20] {
		fmt.Fprintf(&manyLines, "\n  %s: %s", f.Page, f.Err)
	}
	for _, c := range []struct {
		name  string
		stats Stats
		want  string
	}{
		{"nothing built", Stats{Total: 7, UpToDate: 7, Elapsed: time.Second}, "nothing to build: 7 files up to date"},
		{"nothing at all", Stats{}, "nothing to build: 0 files up to date"},
		{"nothing built, pages pruned", Stats{Total: 7, UpToDate: 7, Removed: 2}, "nothing to build: 7 files up to date, 2 removed"},
		{"make built nothing", Stats{Total: 1, Elapsed: time.Second}, "updated 0 of 1 file (0.0 kB); in 1s; 1 not built"},
		{
			"make stopped at a failure",
			Stats{Total: 10, UpToDate: 2, Built: 3, Failed: 1, Bytes: 3e6, Elapsed: time.Second, Failures: many[:1]},
			"updated 3 of 10 files (3.0 MB); in 1s, 3.0 files/s, 3.0 MB/s; 1 failed; 4 not built\n  similar/1.html: error 1",
		},
		{
			"normal",
			Stats{Total: 10, UpToDate: 4, Built: 6, Bytes: 12_345_678, Elapsed: 2*time.Second + 3*time.Millisecond},
			"updated 6 of 10 files (12.3 MB); in 2s, 3.0 files/s, 6.2 MB/s",
		},
		{
			"rounded elapsed",
			Stats{Total: 1, Built: 1, Bytes: 500_000, Elapsed: 1234567 * time.Microsecond},
			"updated 1 of 1 file (500.0 kB); in 1.23s, 0.8 files/s, 0.4 MB/s",
		},
		{
			"gigabytes",
			Stats{Total: 15601, Built: 15601, Bytes: 12_345_678_901, Elapsed: 100 * time.Second},
			"updated 15,601 of 15,601 files (12.3 GB); in 1m40s, 156.0 files/s, 123.5 MB/s",
		},
		{
			"an edit: what ran, what it changed, what it skipped",
			Stats{Total: 93693, UpToDate: 86400, Built: 7293, Same: 5153, Bytes: 410e6, Removed: 6, Orderings: 15600, Skipped: 14496, Elapsed: 10 * time.Second},
			"updated 2,140 of 93,693 files (410.0 MB), 5,153 checked and unchanged, 6 removed; 1,104 orderings run, 14,496 skipped; in 10s, 729.3 files/s, 41.0 MB/s",
		},
		{
			"one failure",
			Stats{Total: 3, Built: 2, Failed: 1, Bytes: 2e6, Elapsed: time.Second, Failures: []Event{{Kind: Fail, Page: "index.html", Err: "disk full"}}},
			"updated 2 of 3 files (2.0 MB); in 1s, 2.0 files/s, 2.0 MB/s; 1 failed\n  index.html: disk full",
		},
		{
			"only failures",
			Stats{Total: 2, Failed: 2, Elapsed: time.Second, Failures: many[:2]},
			"updated 0 of 2 files (0.0 kB); in 1s; 2 failed\n  similar/1.html: error 1\n  similar/2.html: error 2",
		},
		{
			"exactly 20 failures",
			Stats{Total: 20, Failed: 20, Elapsed: time.Second, Failures: many[:20]},
			"updated 0 of 20 files (0.0 kB); in 1s; 20 failed" + manyLines.String(),
		},
		{
			"more than 20 failures",
			Stats{Total: 30, Built: 5, Failed: 25, Bytes: 0, Elapsed: time.Second, Failures: many},
			"updated 5 of 30 files (0.0 kB); in 1s, 5.0 files/s, 0.0 MB/s; 25 failed" + manyLines.String() + "\n  … and 5 more",
		},
	} {
		if got := c.stats.Summary(); got != c.want {
			t.Errorf("%s: Summary() =\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

// TestWatchNoInterval: PROGRESS_INTERVAL=0 (or a negative one) turns the
// plain lines off rather than crashing; the stats are the same.
func TestWatchNoInterval(t *testing.T) {
	for _, interval := range []time.Duration{0, -time.Second} {
		setEnv := setSocket(t)
		out := &syncBuffer{}
		m := planned(&Monitor{Out: out, Interval: interval}, 3, pageNames(2))
		stats, err := m.Watch(func(page *os.File, w io.Writer) error {
			setEnv(page)
			runPages([]fakePage{{"similar/1.html", 10, ""}, {"similar/2.html", 0, "bad"}})
			fmt.Fprintln(w, "make output")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if stats.Built != 1 || stats.Failed != 1 || stats.UpToDate != 1 || stats.Bytes != 10 {
			t.Errorf("Interval %v: Stats = %+v", interval, stats)
		}
		if got := out.String(); got != "make output\n" {
			t.Errorf("Interval %v: output %q, want only the build's", interval, got)
		}
	}
}

// TestWatchTakesOnlyThePlan: a report of a page the build does not run is
// dropped, a page counts once (a second Done or a Fail after it is
// dropped), a page's files are those planned at most, and a failure's text
// reaches the summary with its escapes shown, not played.
func TestWatchTakesOnlyThePlan(t *testing.T) {
	setEnv := setSocket(t)
	m := planned(&Monitor{Out: io.Discard, Interval: time.Hour}, 3, []string{"similar/1", "similar/2"})
	stats, err := m.Watch(func(page *os.File, w io.Writer) error {
		setEnv(page)
		r := Dial()
		defer r.Close()
		for _, e := range []Event{
			{Kind: Fail, Page: "similar/99", Err: "faked"},
			{Kind: Done, Page: "index", Files: 1, Bytes: 1e15},
			{Kind: Done, Page: "similar/1", Files: 1000, Same: 5000, Bytes: 10},
			{Kind: Done, Page: "similar/1", Files: 1, Bytes: 10},
			{Kind: Fail, Page: "similar/1", Err: "faked after its end"},
			{Kind: Done, Page: "similar/2", Bytes: -5},
			{Kind: Fail, Page: "similar/2", Err: "\x1b[2Jbad \u202elabel"},
		} {
			r.Send(e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Total: 3, UpToDate: 1, Built: 1, Same: 1, Failed: 1, Bytes: 10,
		Failures: []Event{{Kind: Fail, Page: "similar/2", Err: `\x1b[2Jbad \u202elabel`}}}
	stats.Elapsed = 0
	if fmt.Sprint(stats) != fmt.Sprint(want) {
		t.Errorf("Stats = %+v\nwant    %+v", stats, want)
	}
	if sum := stats.Summary(); strings.ContainsAny(sum, "\x1b\u202e") {
		t.Errorf("the summary plays control characters: %q", sum)
	}
}

// TestCheckInterval: a PROGRESS_INTERVAL that would flood a log is refused;
// 0 turns the lines off.
func TestCheckInterval(t *testing.T) {
	for _, c := range []struct {
		d  time.Duration
		ok bool
	}{{0, true}, {100 * time.Millisecond, true}, {10 * time.Second, true}, {time.Nanosecond, false}, {99 * time.Millisecond, false}, {-time.Second, false}} {
		if err := CheckInterval(c.d); (err == nil) != c.ok {
			t.Errorf("CheckInterval(%v) = %v, want ok %t", c.d, err, c.ok)
		}
	}
}
