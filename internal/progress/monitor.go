package progress

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"
	"golang.org/x/sys/unix"

	"pagegen/internal/amount"
	"pagegen/internal/quote"
)

// Stats is what a build did, in files: of the Total its goals cover, those
// UpToDate (not run), Built (run: rewritten, or Same when they already held
// their bytes) and Failed; Bytes rewritten; Removed by the prune; and of
// the similar and different orderings, those run and Skipped.
type Stats struct {
	Total, UpToDate, Built, Failed int
	Same                           int
	Bytes                          int64
	Removed                        int
	Orderings, Skipped             int
	Failures                       []Event
	Elapsed                        time.Duration
	// MakeSaid is the first of make's own words that the monitor did not
	// show (Drop): the summary shows them when make stopped with no page
	// saying why (one killed by a signal reports nothing).
	MakeSaid []string
}

// Monitor shows a build's progress on out: redrawn in place on a terminal,
// a plain line every Interval otherwise (none if Interval <= 0).
type Monitor struct {
	Out      io.Writer
	TTY      bool
	Width    int // terminal columns
	Interval time.Duration
	// Total is the pages (files) the build covers, and Stale those that make
	// will write, by what a page process reports as its Page, with how many
	// files it writes: the rest are up to date.
	Total int
	Stale map[string]int
	// Drop matches the build's output lines not to show: make's own words
	// about what the build already says (kept in Stats.MakeSaid).
	Drop *regexp.Regexp

	stats   Stats
	ended   map[string]bool // the pages done or failed
	running map[string]time.Time
	start   time.Time // of the build
	first   time.Time // first page start: the rate counts from here
	drawn   int       // lines of the live block on screen
}

// Watch runs build with the pages' end of the monitor's socket, which the
// build's processes must inherit, named by EnvSocket (see Env), showing
// progress until it returns. Only events of pages the monitor expects count
// (Stale), each once.
func (m *Monitor) Watch(build func(page *os.File, output io.Writer) error) (Stats, error) {
	l, page, err := listen()
	if err != nil {
		return Stats{}, err
	}
	m.start = time.Now()
	m.running, m.ended = map[string]time.Time{}, map[string]bool{}
	m.stats.Total = m.Total

	// The build's own output goes above the live block, line by line.
	pr, pw := io.Pipe()
	lines := make(chan string)
	go func() {
		defer close(lines)
		r := bufio.NewReader(pr)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				lines <- strings.TrimSuffix(line, "\n")
			}
			if err != nil {
				return
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		err := build(page, pw)
		page.Close() // the processes that report have their own
		pw.Close()
		done <- err
	}()

	var tick <-chan time.Time // none with Interval <= 0: no plain lines
	if d := m.tick(); d > 0 {
		t := time.NewTicker(d)
		defer t.Stop()
		tick = t.C
	}
	var buildErr error
	for finished := false; !finished || lines != nil; {
		select {
		case e := <-l.events:
			m.event(e)
		case l, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			switch {
			case m.Drop == nil || !m.Drop.MatchString(l):
				m.print(l)
			case len(m.stats.MakeSaid) < makeSaidLines:
				m.stats.MakeSaid = append(m.stats.MakeSaid, l)
			}
		case <-tick:
			m.show()
		case buildErr = <-done:
			finished = true
			done = nil
		}
	}
	// Every page process has exited: what they sent is all there.
	for _, e := range l.rest() {
		m.event(e)
	}
	m.clear()
	m.stats.Elapsed = time.Since(m.start)
	m.stats.UpToDate = max(0, m.stats.Total-m.todo())
	return m.stats, buildErr
}

// makeSaidLines is how many of make's dropped lines Stats keeps.
const makeSaidLines = 20

// MinInterval is the least time between two plain progress lines: a line
// every nanosecond filled a log with hundreds of thousands; at this, as
// often as a terminal is redrawn, a build of an hour writes 36,000.
const MinInterval = 100 * time.Millisecond

// CheckInterval refuses an Interval (PROGRESS_INTERVAL) below MinInterval,
// but 0, which turns the plain lines off.
func CheckInterval(d time.Duration) error {
	if d < 0 || d > 0 && d < MinInterval {
		return fmt.Errorf("PROGRESS_INTERVAL=%s: give %s or more between two progress lines (the default is 10s), or 0 for none", d, MinInterval)
	}
	return nil
}

func (m *Monitor) tick() time.Duration {
	if m.TTY {
		return 200 * time.Millisecond
	}
	return m.Interval
}

// event takes a page process's report: only of a page the build runs,
// once it has ended, and within what that page can be (its files, and
// bytes that are not negative).
func (m *Monitor) event(e Event) {
	files, planned := m.Stale[e.Page]
	if !planned || m.ended[e.Page] || e.Bytes < 0 {
		return
	}
	now := time.Now()
	switch e.Kind {
	case Start:
		if m.first.IsZero() {
			m.first = now
		}
		m.running[e.Page] = now
	case Done:
		delete(m.running, e.Page)
		m.ended[e.Page] = true
		built := min(max(e.Files, 1), max(files, 1))
		m.stats.Built += built
		m.stats.Same += min(max(e.Same, 0), built)
		m.stats.Bytes += e.Bytes
	case Fail:
		delete(m.running, e.Page)
		m.ended[e.Page] = true
		m.stats.Failed += max(files, 1)
		e.Err = quote.Lines(e.Err) // a poem's label may be in it
		m.stats.Failures = append(m.stats.Failures, e)
	}
}

// todo is the number of files the build writes.
func (m *Monitor) todo() int {
	n := 0
	for _, files := range m.Stale {
		n += files
	}
	return n
}

// show draws the live block (terminal) or a plain line when one is due.
func (m *Monitor) show() {
	if !m.TTY {
		if m.first.IsZero() {
			return
		}
		fmt.Fprintf(m.Out, "pagegen: %s\n", m.status(false))
		return
	}
	m.clear()
	bold := color.New(color.Bold).SprintFunc()
	status := m.status(true)
	run := m.runningList()
	fmt.Fprintf(m.Out, "%s\n", bold(status))
	m.drawn = m.rows(status)
	if run != "" {
		fmt.Fprintf(m.Out, "%s\n", color.New(color.Faint).Sprint(run))
		m.drawn += m.rows(run)
	}
}

// rows is how many terminal rows line takes once the terminal wraps it at
// Width columns: clear must erase them all.
func (m *Monitor) rows(line string) int {
	if m.Width <= 0 {
		return 1
	}
	return max(1, (utf8.RuneCountInString(sgr().ReplaceAllString(line, ""))+m.Width-1)/m.Width)
}

// sgr matches the colour and style escapes, which take no room on screen.
// Compiled when first needed, not at every start of pagegen.
var sgr = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("\x1b\\[[0-9;]*m") })

// clear erases the live block.
func (m *Monitor) clear() {
	if m.TTY && m.drawn > 0 {
		fmt.Fprintf(m.Out, "\x1b[%dA\x1b[J", m.drawn)
		m.drawn = 0
	}
}

// print shows a line of the build's output above the live block.
func (m *Monitor) print(line string) {
	m.clear()
	fmt.Fprintln(m.Out, line)
	if m.TTY {
		m.show()
	}
}

// status is the progress line: pages done of the total, rate, bandwidth, ETA.
func (m *Monitor) status(tty bool) string {
	s := &m.stats
	todo := m.todo()
	var b strings.Builder
	if tty {
		b.WriteString(bar(s.Built+s.Failed, todo, 24) + " ")
	}
	fmt.Fprintf(&b, "%d/%d pages", s.Built+s.Failed, todo)
	if s.Total > todo {
		fmt.Fprintf(&b, " (%d up to date)", s.Total-todo)
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", s.Failed)
	}
	if !m.first.IsZero() {
		secs := time.Since(m.first).Seconds()
		rate := float64(s.Built+s.Failed) / secs
		fmt.Fprintf(&b, ", %.1f pages/s, %.1f MB/s", rate, float64(s.Bytes)/1e6/secs)
		if left := todo - s.Built - s.Failed; rate > 0 && left > 0 {
			fmt.Fprintf(&b, ", ETA %s", (time.Duration(float64(left) / rate * float64(time.Second))).Round(time.Second))
		}
	}
	if !tty {
		if run := m.runningList(); run != "" {
			b.WriteString("; " + run)
		}
	}
	return b.String()
}

// bar draws done of total as a bar of width cells.
func bar(done, total, width int) string {
	full := width
	if total > 0 {
		full = min(width, done*width/total)
	}
	return color.GreenString(strings.Repeat("█", full)) + strings.Repeat("░", width-full)
}

// runningList names the pages being built now, with how long each has run.
func (m *Monitor) runningList() string {
	pages := make([]string, 0, len(m.running))
	for p := range m.running {
		pages = append(pages, p)
	}
	slices.SortFunc(pages, func(a, b string) int { return m.running[a].Compare(m.running[b]) })
	var b strings.Builder
	for i, p := range pages {
		item := fmt.Sprintf("%s %.1fs", p, time.Since(m.running[p]).Seconds())
		if m.Width > 0 && b.Len()+len(item)+20 > m.Width {
			fmt.Fprintf(&b, " +%d more", len(pages)-i)
			break
		}
		if i == 0 {
			b.WriteString("building: ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(item)
	}
	return b.String()
}

// Summary is the report at the end of a build.
func (s Stats) Summary() string {
	left := s.Total - s.UpToDate - s.Built - s.Failed // make stopped before them
	var b strings.Builder
	if s.Built == 0 && s.Failed == 0 && left <= 0 {
		fmt.Fprintf(&b, "nothing to build: %s up to date", amount.Of(s.UpToDate, "file"))
	} else {
		fmt.Fprintf(&b, "updated %s of %s (%s)", amount.Count(s.Built-s.Same), amount.Of(s.Total, "file"), amount.Bytes(s.Bytes))
		if s.Same > 0 {
			fmt.Fprintf(&b, ", %s checked and unchanged", amount.Count(s.Same))
		}
	}
	if s.Removed > 0 {
		fmt.Fprintf(&b, ", %s removed", amount.Count(s.Removed))
	}
	if s.Orderings > 0 && s.Skipped < s.Orderings {
		fmt.Fprintf(&b, "; %s run, %s skipped", amount.Of(s.Orderings-s.Skipped, "ordering"), amount.Count(s.Skipped))
	}
	if s.Built > 0 || s.Failed > 0 || left > 0 {
		fmt.Fprintf(&b, "; in %s", s.Elapsed.Round(10*time.Millisecond))
		if secs := s.Elapsed.Seconds(); s.Built > 0 && secs > 0 {
			fmt.Fprintf(&b, ", %.1f files/s, %.1f MB/s", float64(s.Built)/secs, float64(s.Bytes)/1e6/secs)
		}
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, "; %s failed", amount.Count(s.Failed))
	}
	if left > 0 {
		fmt.Fprintf(&b, "; %s not built", amount.Count(left))
	}
	const shown = 20
	for i, f := range s.Failures {
		if i == shown {
			fmt.Fprintf(&b, "\n  … and %d more", len(s.Failures)-shown)
			break
		}
		fmt.Fprintf(&b, "\n  %s: %s", f.Page, f.Err)
	}
	if len(s.Failures) == 0 && left > 0 && len(s.MakeSaid) > 0 {
		b.WriteString("\n  no page said why make stopped; make said:")
		for _, l := range s.MakeSaid {
			fmt.Fprintf(&b, "\n  %s", quote.Lines(l))
		}
	}
	return b.String()
}

// TermWidth is the columns of the terminal on standard output, 100 when it
// cannot tell (a log, a pipe).
func TermWidth() int {
	ws, err := unix.IoctlGetWinsize(int(os.Stdout.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 100
	}
	return int(ws.Col)
}
