package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// table is the report: rows of measurements, each beside its floor or
// reference, and notes on how the run went.
type table struct {
	rows  []row
	notes []string
}

// row is one measurement: what, its result, its floor or reference, and the
// ratio of the two (the result over the reference).
type row struct{ what, value, ref, ratio string }

// section starts a group of rows.
func (t *table) section(format string, args ...any) {
	t.rows = append(t.rows, row{what: "**" + fmt.Sprintf(format, args...) + "**"})
}

func (t *table) add(what, value, ref, ratio string) {
	t.rows = append(t.rows, row{what, value, ref, ratio})
}

// against is the median and range of durations beside the median of a
// reference's.
func (t *table) against(what string, ds []time.Duration, refWhat string, ref []time.Duration) {
	t.add(what, medianRange(ds), refWhat+": "+dur(median(ref)), ratio(median(ds).Seconds(), median(ref).Seconds()))
}

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

func (t *table) markdown(header []string) string {
	var b strings.Builder
	for _, h := range header {
		fmt.Fprintf(&b, "%s  \n", h)
	}
	b.WriteString("\n| measurement | result | floor or reference | ratio |\n|---|---|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.what, r.value, r.ref, r.ratio)
	}
	if len(t.notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func ratio(x, ref float64) string { return fmt.Sprintf("**%.2f**", x/ref) }

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

// median of durations (the mean of the middle two for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mean(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t / time.Duration(len(ds))
}

// medianRange is the median of durations and their range, for judging the
// noise of a median.
func medianRange(ds []time.Duration) string {
	return fmt.Sprintf("%s (%s–%s)", dur(median(ds)), dur(slices.Min(ds)), dur(slices.Max(ds)))
}
