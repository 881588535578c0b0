package input

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, m, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// Extended format, as upstream writes it.
		{"2024-01-01", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"2024-01-01T12:00:00Z", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01T12:00:00", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01 12:00:00", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01T12:00", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01T12:00Z", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01T12", utc(2024, 1, 1, 12, 0, 0, 0)},
		// Lower-case separators (RFC 3339 allows them).
		{"2024-01-01t12:00:00z", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01t12:00:00", utc(2024, 1, 1, 12, 0, 0, 0)},
		// Basic format.
		{"20240101", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"20240101T120000Z", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"20240101T1200", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"20240101T120000+0200", utc(2024, 1, 1, 10, 0, 0, 0)},
		{"20240101t120000.25z", utc(2024, 1, 1, 12, 0, 0, 250000000)},
		// Offsets.
		{"2024-01-01T12:00:00+02:00", utc(2024, 1, 1, 10, 0, 0, 0)},
		{"2024-01-01T12:00:00+0200", utc(2024, 1, 1, 10, 0, 0, 0)},
		{"2024-01-01T12:00:00+02", utc(2024, 1, 1, 10, 0, 0, 0)},
		{"2024-01-01T12:00:00-05:30", utc(2024, 1, 1, 17, 30, 0, 0)},
		{"2024-01-01T00:30:00+01:00", utc(2023, 12, 31, 23, 30, 0, 0)},
		{"2024-01-01T12:00:00-00:00", utc(2024, 1, 1, 12, 0, 0, 0)},
		{"2024-01-01Z", utc(2024, 1, 1, 0, 0, 0, 0)},
		// Fractions, of the second and of the last part written.
		{"2024-01-01T12:00:00.5Z", utc(2024, 1, 1, 12, 0, 0, 500000000)},
		{"2024-01-01T12:00:00,5Z", utc(2024, 1, 1, 12, 0, 0, 500000000)},
		{"2024-01-01T12:00:00.123456789Z", utc(2024, 1, 1, 12, 0, 0, 123456789)},
		{"2024-01-01T12:00:00.1234567891234", utc(2024, 1, 1, 12, 0, 0, 123456789)},
		{"2024-01-01T12:00:00.000001+01:00", utc(2024, 1, 1, 11, 0, 0, 1000)},
		{"2024-01-01T12:30.5", utc(2024, 1, 1, 12, 30, 30, 0)},
		{"2024-01-01T12.25", utc(2024, 1, 1, 12, 15, 0, 0)},
		// Ordinal and week dates.
		{"2024-032", utc(2024, 2, 1, 0, 0, 0, 0)},
		{"2024366", utc(2024, 12, 31, 0, 0, 0, 0)},
		{"2024-W01-1", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"2020-W53-7T10:00Z", utc(2021, 1, 3, 10, 0, 0, 0)},
		{"2025W011", utc(2024, 12, 30, 0, 0, 0, 0)},
		// The end of a day, a leap second, the edges of the range.
		{"2024-01-01T24:00:00Z", utc(2024, 1, 2, 0, 0, 0, 0)},
		{"2016-12-31T23:59:60Z", utc(2017, 1, 1, 0, 0, 0, 0)},
		{"1000-01-01", utc(1000, 1, 1, 0, 0, 0, 0)},
		{"1850-06-15T08:00:00Z", utc(1850, 6, 15, 8, 0, 0, 0)},
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0)},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in)
		if err != nil {
			t.Errorf("parseDate(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// The written offset is kept, so that the date shown is the writer's.
	if got, _ := parseDate("2024-01-01T00:30:00+01:00"); got.Format("2006-01-02") != "2024-01-01" {
		t.Errorf("date with +01:00 shows as %s, want 2024-01-01", got.Format("2006-01-02"))
	}
}

func TestParseDateErrors(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in       string
		outRange bool // well formed, outside firstYear..next year
	}{
		{"yesterday", false}, {"05/01/2023", false}, {"2023-13-01", false}, {"2023-02-29", false},
		{"2023-01-32", false}, {"2023-1-1", false}, {"2023-01-01T", false}, {"2023-01-01T25:00", false},
		{"2023-01-01T24:30", false}, {"2023-01-01T12:60", false}, {"2023-01-01T12:00:61", false},
		{"2023-01-01T12:00:00.Z", false}, {"2023-01-01T12:00:00+24:00", false}, {"2023-01-01T12:00:00+2", false},
		{"2023-01-01T12:00:00Zjunk", false}, {"2023-01-01x", false}, {" 2023-01-01", false}, {"2023-01-01 ", false},
		{"2023-000", false}, {"2023-366", false}, {"2023-W54-1", false}, {"2020-W01-8", false}, {"2024-W53-1", false},
		{"+2023-01-01", false}, {"202301", false}, {"２０２３-01-01", false}, {"", false},
		{"0001-01-01", true}, {"0001-01-01T00:00:00Z", true}, {"0000-00-00", true}, {"00000000", true},
		{"0000-00-00T00:00:00", true}, {"0000-000", true}, {"0000-01-01", true}, {"0999-12-31T23:59:59Z", true},
		{"2027-01-01", true}, {"9999-12-31T23:59:59Z", true},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in)
		if err == nil {
			t.Errorf("parseDate(%q) = %v, want an error", tt.in, got)
			continue
		}
		var r *dateRangeError
		if errors.As(err, &r) != tt.outRange {
			t.Errorf("parseDate(%q): %v; want out of range %t", tt.in, err, tt.outRange)
		}
	}
	// Next year is allowed (clocks and time zones differ), the year after is not.
	if _, err := parseDate("2026-12-31T23:59:59Z"); err != nil {
		t.Errorf("next year: %v", err)
	}
}

// TestReadDateErrors: a date out of range stops the read with a message naming
// the file and the poem and saying how to fix it; it never reads as undated.
func TestReadDateErrors(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, date string
		want       []string
	}{
		{"zero time", "0001-01-01T00:00:00Z", []string{"poems[1] (2 fediverse/2)", `creation_date "0001-01-01T00:00:00Z" is before the year 1000`, "write the poem's real date", "remove creation_date"}},
		{"zero date", "0001-01-01", []string{"2 fediverse/2", "before the year 1000"}},
		{"all zeros", "0000-00-00", []string{"2 fediverse/2", `"0000-00-00" is a zero date`, "remove creation_date"}},
		{"year 999", "0999-05-01", []string{"2 fediverse/2", "before the year 1000"}},
		{"far future", "2999-01-01", []string{"2 fediverse/2", `"2999-01-01" is in the future (after 2026)`, "write the poem's real date"}},
		{"the year after next", "2027-01-01T00:00:00Z", []string{"2 fediverse/2", "in the future"}},
		{"not a date", "someday", []string{"2 fediverse/2", `"someday" is not an ISO 8601 date`, "2024-01-31T12:00:00Z", "remove creation_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inputs{poemsDoc(poem("fediverse", 1, ""), poem("fediverse", 2, `, "creation_date": "`+tt.date+`"`), poem("notes", 1, ""), poem("messages", 7, "")), stdEmb, ""}
			c, err, opt := read(t, in, false)
			if err == nil {
				t.Fatalf("Read succeeded (poem 2 dated %v); want an error", c.Poems[1].Date)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, opt.Poems+": ") {
				t.Errorf("error does not start with the poems file:\n%s", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

// TestReadDates: every accepted form comes through Read; no creation_date, an
// empty one or null leave the poem undated, as before.
func TestReadDates(t *testing.T) {
	tests := []struct {
		extra string
		want  time.Time
	}{
		{`, "creation_date": "20240101T120000Z"`, time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)},
		{`, "creation_date": "2024-01-01t12:00:00z"`, time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)},
		{`, "creation_date": "2024-01-01T12:00:00+0200"`, time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)},
		{`, "creation_date": "20240101"`, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"", time.Time{}},
		{`, "creation_date": ""`, time.Time{}},
		{`, "creation_date": null`, time.Time{}},
	}
	for _, tt := range tests {
		c := mustRead(t, inputs{poemsDoc(poem("notes", 1, tt.extra)), embDoc(entry(1, "1, 2, 3")), ""}, false)
		if got := c.Poems[0].Date; !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
			t.Errorf("%s: date %v, want %v", tt.extra, got, tt.want)
		}
	}
}
