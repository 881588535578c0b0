package input

import (
	"errors"
	"fmt"
	"time"
)

// now is the clock the latest plausible date is taken from (tests set it).
var now = time.Now

// firstYear is the earliest year a creation_date may have: anything before it
// is a placeholder such as 0001-01-01 (Go's and .NET's zero time), never the
// date a poem was written, and it would stretch the timeline into nothing.
const firstYear = 1000

// errNotISO is a creation_date that is not an ISO 8601 date.
var errNotISO = errors.New("not an ISO 8601 date")

// dateRangeError is a well-formed creation_date outside firstYear..next year.
type dateRangeError struct {
	year, last int
	zero       bool // 0000-00-00 and the like
}

func (e *dateRangeError) Error() string {
	switch {
	case e.zero:
		return "a zero date, a placeholder for no date"
	case e.year < firstYear:
		return fmt.Sprintf("before the year %d, a placeholder rather than a date", firstYear)
	}
	return fmt.Sprintf("in the future (after %d)", e.last)
}

// parseDate reads an ISO 8601 date or date and time, in the extended
// (2024-01-02T03:04:05Z) or the basic (20240102T030405Z) format, as a
// calendar, ordinal (2024-002) or week (2024-W01-2) date; the time with or
// without seconds, a fraction (. or ,) of its last part, and a zone (Z, z,
// ±hh:mm, ±hhmm, ±hh) or none, which is UTC; "T", "t" or a space between. The
// year must run from firstYear to next year.
func parseDate(s string) (time.Time, error) {
	p := dateParser{s: s}
	t, ok := p.parse()
	if !ok || p.i != len(s) {
		if p.zero {
			return time.Time{}, &dateRangeError{zero: true}
		}
		return time.Time{}, errNotISO
	}
	last := now().Year() + 1
	if y := t.Year(); y < firstYear || y > last {
		return time.Time{}, &dateRangeError{year: y, last: last}
	}
	return t, nil
}

type dateParser struct {
	s    string
	i    int
	zero bool // the date part is all zeros, e.g. 0000-00-00
}

// digits reads exactly n digits.
func (p *dateParser) digits(n int) (int, bool) {
	if p.i+n > len(p.s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(p.s[p.i : p.i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}

// eat skips c when it comes next.
func (p *dateParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// runDigits counts the digits from the current position on.
func (p *dateParser) runDigits() int {
	n := 0
	for p.i+n < len(p.s) && p.s[p.i+n] >= '0' && p.s[p.i+n] <= '9' {
		n++
	}
	return n
}

func (p *dateParser) parse() (time.Time, bool) {
	y, m, d, ok := p.date()
	if !ok {
		return time.Time{}, false
	}
	var h, mi, sec, ns int
	loc := time.UTC
	if p.eat('T') || p.eat('t') || p.eat(' ') {
		if h, mi, sec, ns, ok = p.clock(); !ok {
			return time.Time{}, false
		}
	}
	// A zone after a bare date is not ISO 8601, but its meaning is plain.
	if loc, ok = p.zone(); !ok {
		return time.Time{}, false
	}
	// 24:00 is the end of the day, which time.Date takes as the next midnight.
	return time.Date(y, time.Month(m), d, h, mi, sec, ns, loc), true
}

// date reads the date part and returns it as a calendar date.
func (p *dateParser) date() (y, m, d int, ok bool) {
	if y, ok = p.digits(4); !ok {
		return 0, 0, 0, false
	}
	extended := p.eat('-')
	switch {
	case p.eat('W'): // week date: YYYY-Www-D or YYYYWwwD
		w, ok := p.digits(2)
		if !ok || extended && !p.eat('-') {
			return 0, 0, 0, false
		}
		wd, ok := p.digits(1)
		if !ok || w < 1 || w > isoWeeks(y) || wd < 1 || wd > 7 {
			return 0, 0, 0, false
		}
		// Week 1 holds 4 January; its Monday starts the ISO year.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
		t := monday.AddDate(0, 0, (w-1)*7+wd-1)
		return t.Year(), int(t.Month()), t.Day(), true
	case p.runDigits() == 3: // ordinal date: YYYY-DDD or YYYYDDD
		yd, _ := p.digits(3)
		if yd < 1 || yd > time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC).YearDay() {
			p.zero = y == 0 && yd == 0
			return 0, 0, 0, false
		}
		t := time.Date(y, 1, yd, 0, 0, 0, 0, time.UTC)
		return y, int(t.Month()), t.Day(), true
	}
	if m, ok = p.digits(2); !ok || extended && !p.eat('-') {
		return 0, 0, 0, false
	}
	if d, ok = p.digits(2); !ok {
		return 0, 0, 0, false
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		p.zero = y == 0 && m == 0 && d == 0
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// clock reads hh[:mm[:ss]] or hh[mm[ss]], with an optional fraction of the last part.
func (p *dateParser) clock() (h, m, s, ns int, ok bool) {
	if h, ok = p.digits(2); !ok {
		return
	}
	frac := time.Hour // what the last part counts
	extended := p.eat(':')
	if extended || p.runDigits() >= 2 {
		if m, ok = p.digits(2); !ok {
			return
		}
		frac = time.Minute
		if extended && p.eat(':') || !extended && p.runDigits() >= 2 {
			if s, ok = p.digits(2); !ok {
				return
			}
			frac = time.Second
		}
	}
	if p.eat('.') || p.eat(',') {
		n := p.runDigits()
		if n == 0 {
			return 0, 0, 0, 0, false
		}
		// A fraction of the last part, to the nanosecond (further digits are
		// dropped); a nanosecond of fraction is worth frac/1e9, a whole number.
		extra := time.Duration(fracNanos(p.s[p.i:p.i+n])) * (frac / time.Second)
		p.i += n
		m += int(extra / time.Minute)
		s += int(extra % time.Minute / time.Second)
		ns = int(extra % time.Second)
	}
	// 60 seconds is a leap second (RFC 3339), 24:00 the end of the day.
	if h > 24 || m > 59 || s > 60 || h == 24 && (m != 0 || s != 0 || ns != 0) {
		return 0, 0, 0, 0, false
	}
	return h, m, s, ns, true
}

// fracNanos turns the digits of a fraction of a second into nanoseconds, exactly.
func fracNanos(digits string) int {
	ns := 0
	for i := range 9 {
		ns *= 10
		if i < len(digits) {
			ns += int(digits[i] - '0')
		}
	}
	return ns
}

// zone reads Z, z, ±hh:mm, ±hhmm or ±hh, or nothing (UTC).
func (p *dateParser) zone() (*time.Location, bool) {
	if p.i == len(p.s) || p.eat('Z') || p.eat('z') {
		return time.UTC, true
	}
	sign := 1
	switch {
	case p.eat('+'):
	case p.eat('-'):
		sign = -1
	default:
		return nil, false
	}
	h, ok := p.digits(2)
	if !ok {
		return nil, false
	}
	m := 0
	if p.eat(':') || p.runDigits() == 2 {
		if m, ok = p.digits(2); !ok {
			return nil, false
		}
	}
	if h > 23 || m > 59 {
		return nil, false
	}
	return time.FixedZone("", sign*(h*3600+m*60)), true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isoWeeks is the number of ISO weeks in year y (52 or 53).
func isoWeeks(y int) int {
	_, w := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// dateProblem says what is wrong with a creation_date and how to fix it.
func dateProblem(value string, err error) string {
	var r *dateRangeError
	if errors.As(err, &r) {
		return fmt.Sprintf("creation_date %q is %s: write the poem's real date, or remove creation_date (or set it to \"\") to leave the poem undated", value, r)
	}
	return fmt.Sprintf("creation_date %q is not an ISO 8601 date (such as 2024-01-31 or 2024-01-31T12:00:00Z): write it so, or remove creation_date to leave the poem undated", value)
}
