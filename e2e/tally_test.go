package e2e

// The robustness table (make check-robustness, docs/robustness.md): each
// fault test keeps a tally of what it tried and found, and with
// ROBUSTNESS_TABLE=1 TestMain prints the tallies side by side once the tests
// have run. The run fails if a page or file was lost or corrupted, if a Go
// panic reached the user, if a build hung, if a case of the table was
// skipped (a fault class not tried is not robust), or if a test of the
// table that -run asks for did not run.

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// tableColumns are the table's columns: the tallied tests, in order.
var tableColumns = []struct{ test, label string }{
	{"TestBadInputsThroughMake", "bad inputs"},
	{"TestKillNine", "kill -9"},
	{"TestDiskFull", "disk full"},
	{"TestConcurrentMakes", "two makes"},
	{"TestUserFilesUntouched", "the user's files"},
	{"TestHangs", "hangs"},
	{"TestAnotherLocalUser", "another local user"},
}

// tally counts what one test tried and found.
type tally struct {
	mu                                                   sync.Mutex
	inputs, faults, checked, lost, panics, hung, skipped int
	notes                                                []string
	failed                                               bool
	took                                                 time.Duration
}

// tableRows are the table's rows but the time; a row that must be 0 fails
// the run when it is not, and its name says so.
var tableRows = []struct {
	name       string
	mustBeZero bool
	value      func(*tally) int
}{
	{"inputs tried", false, func(tl *tally) int { return tl.inputs }},
	{"faults injected", false, func(tl *tally) int { return tl.faults }},
	{"pages and files checked", false, func(tl *tally) int { return tl.checked }},
	{"lost or corrupted", true, func(tl *tally) int { return tl.lost }},
	{"panics", true, func(tl *tally) int { return tl.panics }},
	{"hung", true, func(tl *tally) int { return tl.hung }},
	{"cases skipped", true, func(tl *tally) int { return tl.skipped }},
}

// tallies holds the tallies of the tests that ran, by test name.
var tallies struct {
	sync.Mutex
	byTest map[string]*tally
}

// newTally starts the tally of a test of the table, which registers it
// under its column when the test ends.
func newTally(t *testing.T) *tally {
	t.Helper()
	label := ""
	for _, c := range tableColumns {
		if c.test == t.Name() {
			label = c.label
		}
	}
	if label == "" {
		t.Fatalf("%s has no column in the robustness table", t.Name())
	}
	tl, start := &tally{}, time.Now()
	t.Cleanup(func() {
		tl.mu.Lock()
		tl.failed, tl.took = t.Failed(), time.Since(start)
		t.Logf("tally (%s): inputs=%d faults=%d checked=%d lost=%d panics=%d hung=%d skipped=%d took=%.1fs %q",
			label, tl.inputs, tl.faults, tl.checked, tl.lost, tl.panics, tl.hung, tl.skipped, tl.took.Seconds(), tl.notes)
		tl.mu.Unlock()
		tallies.Lock()
		defer tallies.Unlock()
		if tallies.byTest == nil {
			tallies.byTest = map[string]*tally{}
		}
		tallies.byTest[t.Name()] = tl
	})
	return tl
}

func (tl *tally) add(p *int, n int) {
	tl.mu.Lock()
	*p += n
	tl.mu.Unlock()
}

func (tl *tally) input()         { tl.add(&tl.inputs, 1) }
func (tl *tally) fault()         { tl.add(&tl.faults, 1) }
func (tl *tally) checkedN(n int) { tl.add(&tl.checked, n) }

// skip skips the test, a case of the table, and counts it with its reason:
// the table shows it, and the robustness check fails.
func (tl *tally) skip(t *testing.T, format string, args ...any) {
	t.Helper()
	tl.add(&tl.skipped, 1)
	why := fmt.Sprintf(format, args...)
	tl.note("%s skipped: %s", t.Name(), why)
	t.Skip(why)
}

func (tl *tally) note(format string, args ...any) {
	tl.mu.Lock()
	tl.notes = append(tl.notes, fmt.Sprintf(format, args...))
	tl.mu.Unlock()
}

// lose records a page or file lost or corrupted.
func (tl *tally) lose(t *testing.T, format string, args ...any) {
	t.Helper()
	tl.add(&tl.lost, 1)
	t.Errorf(format, args...)
}

// hang records something that did not end within its limit.
func (tl *tally) hang(t *testing.T, format string, args ...any) {
	t.Helper()
	tl.add(&tl.hung, 1)
	t.Errorf(format, args...)
}

// traceRE finds what a Go panic or stack trace shows.
var traceRE = regexp.MustCompile(`panic|goroutine |\S\.go:\d+|runtime error`)

// noTrace checks that a command's output shows no Go panic or stack trace.
func (tl *tally) noTrace(t *testing.T, what, out string) {
	t.Helper()
	if m := traceRE.FindString(out); m != "" {
		tl.add(&tl.panics, 1)
		t.Errorf("%s: a Go panic or stack trace reached the user (%q):\n%s", what, m, out)
	}
}

// asked reports whether go test's -run and -skip leave the test to run. The
// patterns are matched whole: one that names subtests (TestKillNine/site)
// asks for no whole test, and its test only shows if it ran.
func asked(test string) bool {
	matches := func(name string) bool {
		f := flag.Lookup(name)
		if f == nil || f.Value.String() == "" {
			return false
		}
		ok, _ := regexp.MatchString(f.Value.String(), test)
		return ok
	}
	run := flag.Lookup("test.run")
	return (run == nil || run.Value.String() == "" || matches("test.run")) && !matches("test.skip")
}

// printTable writes the robustness table of the tests that ran, its notes
// and its verdict, given the exit code of the tests; it reports whether the
// robustness check passed.
func printTable(w io.Writer, code int) bool {
	tallies.Lock()
	defer tallies.Unlock()
	header := []string{""}
	cells := make([][]string, len(tableRows)+1)
	for i, r := range tableRows {
		cells[i] = []string{r.name}
		if r.mustBeZero {
			cells[i][0] += " (must be 0)"
		}
	}
	cells[len(tableRows)] = []string{"time (s)"}
	totals := make([]int, len(tableRows))
	var took time.Duration
	var notes []string
	failed, notRun := 0, 0
	for _, c := range tableColumns {
		header = append(header, c.label)
		tl, ran := tallies.byTest[c.test]
		if !ran {
			if asked(c.test) {
				notRun++
			}
			for i := range cells {
				cells[i] = append(cells[i], "not run")
			}
			continue
		}
		for i, r := range tableRows {
			totals[i] += r.value(tl)
			cells[i] = append(cells[i], strconv.Itoa(r.value(tl)))
		}
		cells[len(tableRows)] = append(cells[len(tableRows)], fmt.Sprintf("%.1f", tl.took.Seconds()))
		took += tl.took
		if tl.failed {
			failed++
		}
		if len(tl.notes) > 0 {
			notes = append(notes, fmt.Sprintf("- %s: %s", c.label, strings.Join(tl.notes, "; ")))
		}
	}
	header = append(header, "total")
	for i := range tableRows {
		cells[i] = append(cells[i], strconv.Itoa(totals[i]))
	}
	cells[len(tableRows)] = append(cells[len(tableRows)], fmt.Sprintf("%.0f", took.Seconds()))

	fmt.Fprintln(w)
	writeMarkdown(w, header, cells)
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	why := []string{fmt.Sprintf("go test exit %d", code), fmt.Sprintf("%d tests failed", failed), fmt.Sprintf("%d not run", notRun)}
	ok := code == 0 && failed == 0 && notRun == 0
	for i, r := range tableRows {
		if r.mustBeZero {
			why = append(why, fmt.Sprintf("%d %s", totals[i], r.name))
			ok = ok && totals[i] == 0
		}
	}
	if !ok {
		fmt.Fprintf(w, "check-robustness: FAILED (%s)\n", strings.Join(why, ", "))
		return false
	}
	fmt.Fprintln(w, "check-robustness: ok")
	return true
}

// writeMarkdown writes a Markdown table, its first column to the left and
// the others, numbers, to the right, each as wide as its widest cell.
func writeMarkdown(w io.Writer, header []string, rows [][]string) {
	width := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, cell := range row {
			width[i] = max(width[i], len(cell))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, cell := range row {
			if i == 0 {
				fmt.Fprintf(&b, " %-*s |", width[i], cell)
			} else {
				fmt.Fprintf(&b, " %*s |", width[i], cell)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	rule := "|" + strings.Repeat("-", width[0]+2) + "|"
	for _, wd := range width[1:] {
		rule += strings.Repeat("-", wd+1) + ":|"
	}
	fmt.Fprintln(w, rule)
	for _, row := range rows {
		line(row)
	}
}

// TestPrintTable: a fault class skipped shows in the table and fails the
// robustness check; the same table without it passes.
func TestPrintTable(t *testing.T) {
	tallies.Lock()
	saved := tallies.byTest
	tallies.Unlock()
	t.Cleanup(func() {
		tallies.Lock()
		tallies.byTest = saved
		tallies.Unlock()
	})
	for _, tt := range []struct {
		name    string
		skipped int
		ok      bool
		verdict string
	}{
		{"nothing skipped", 0, true, "check-robustness: ok"},
		{"the disk-full cases skipped", 3, false, "check-robustness: FAILED (go test exit 0, 0 tests failed, 0 not run, 0 lost or corrupted, 0 panics, 0 hung, 3 cases skipped)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Every column ran (whatever -run asks for), disk full with its skips.
			tallies.Lock()
			tallies.byTest = map[string]*tally{}
			for _, c := range tableColumns {
				tallies.byTest[c.test] = &tally{inputs: 1, faults: 1, checked: 1}
			}
			tallies.byTest["TestDiskFull"].skipped = tt.skipped
			tallies.Unlock()
			var out strings.Builder
			if ok := printTable(&out, 0); ok != tt.ok || !strings.Contains(out.String(), tt.verdict+"\n") {
				t.Errorf("printTable = %t, want %t and %q:\n%s", ok, tt.ok, tt.verdict, out.String())
			}
			if row := regexp.MustCompile(`(?m)^\| cases skipped \(must be 0\) +\| +0 \| +0 \| +(\d+) \|`).FindStringSubmatch(out.String()); row == nil || row[1] != strconv.Itoa(tt.skipped) {
				t.Errorf("the table's row of cases skipped does not show %d under disk full:\n%s", tt.skipped, out.String())
			}
		})
	}
}
