package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// table is the report: rows of measurements, each with its target if it has
// one, and notes on how they were taken.
type table struct {
	header []string // lines about the corpus, printed above the table
	rows   []row
	notes  []string
}

type row struct {
	what, value, target, mark string
}

// section starts a group of rows.
func (t *table) section(title string) {
	t.rows = append(t.rows, row{what: "**" + title + "**"})
}

// add is a measurement without a target.
func (t *table) add(what, format string, args ...any) {
	t.rows = append(t.rows, row{what: what, value: fmt.Sprintf(format, args...)})
}

// check is a measurement beside its target.
func (t *table) check(what, value, target string, ok bool) {
	mark := "✗"
	if ok {
		mark = "✓"
	}
	t.rows = append(t.rows, row{what: what, value: value, target: target, mark: mark})
}

// atMost checks a duration against its limit.
func (t *table) atMost(what string, d, limit time.Duration) {
	t.check(what, dur(d), "≤ "+dur(limit), d <= limit)
}

// atMostRange checks the median of durations against its limit, and gives
// their range.
func (t *table) atMostRange(what string, ds []time.Duration, limit time.Duration) {
	m := median(ds)
	t.check(what, fmt.Sprintf("%s (%s)", dur(m), spreadOf(ds)), "≤ "+dur(limit), m <= limit)
}

// addRange is the median of durations and their range, without a target.
func (t *table) addRange(what string, ds []time.Duration) {
	t.add(what, "%s (%s)", dur(median(ds)), spreadOf(ds))
}

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

func (t *table) markdown(m machine, command string) string {
	var b strings.Builder
	simd := "GOEXPERIMENT=simd"
	if !m.simd {
		simd = "without GOEXPERIMENT=simd"
	}
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s, %s, %s (%s), %s, scratch on %s  \n", m.cpu, m.cores, m.memory, m.kernel, m.goVersion, simd, m.make, m.fs)
	fmt.Fprintf(&b, "Date: %s; load average %s at the start, %s at the end; the run took %s  \n",
		m.date.Format("2006-01-02 15:04 MST"), m.loadStart, m.loadEnd, m.elapsed.Round(time.Second))
	fmt.Fprintf(&b, "Command: `%s`; code: %s  \n", command, m.code)
	if m.partial != "" {
		fmt.Fprintf(&b, "Partial run: only %s  \n", m.partial)
	}
	for _, h := range t.header {
		fmt.Fprintf(&b, "%s  \n", h)
	}
	b.WriteString("\n| measurement | result | target | |\n|---|---|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.what, r.value, r.target, r.mark)
	}
	if len(t.notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

// dur formats a duration for the table: ms below a second, else s.
func dur(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d < 100*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func mb(bytes int64) string { return fmt.Sprintf("%.1f MB", float64(bytes)/1e6) }

// gb formats a large size: GB from 1 GB up, else MB.
func gb(bytes int64) string {
	if bytes < 1e9 {
		return mb(bytes)
	}
	return fmt.Sprintf("%.1f GB", float64(bytes)/1e9)
}

func mbps(bytes int64, d time.Duration) float64 { return float64(bytes) / 1e6 / d.Seconds() }

// median of durations (the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// spreadOf is the range of durations, for judging the noise of a median.
func spreadOf(ds []time.Duration) string {
	return fmt.Sprintf("%s–%s", dur(slices.Min(ds)), dur(slices.Max(ds)))
}
