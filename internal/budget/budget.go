// Package budget is what a static host allows a site: bytes in all, files
// (and directories, where the host counts them) and the size of one file,
// with the limits of the hosts poets publish on.
package budget

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"pagegen/internal/amount"
	"pagegen/internal/quote"
)

// Budget bounds a site; a zero field is no limit.
type Budget struct {
	Quota       int64 // bytes of files in all
	MaxFiles    int   // entries: files, plus directories when CountDirs
	MaxFileSize int64 // bytes of the largest file
	CountDirs   bool  // the host counts directories as entries
	Host        string
}

// Limited reports whether b bounds anything.
func (b Budget) Limited() bool { return b.Quota > 0 || b.MaxFiles > 0 || b.MaxFileSize > 0 }

// Host is one host's published limits (late 2026).
type Host struct {
	Name   string
	Title  string
	Budget Budget
}

// Hosts are the hosts HOST= knows, as published (Neocities' site model,
// GitHub's and GitLab's docs, Cloudflare Pages' limits page).
var Hosts = []Host{
	{"neocities", "Neocities Supporter", Budget{Quota: 50e9, MaxFiles: 100_000, MaxFileSize: 100e6, CountDirs: true}},
	{"neocities-free", "Neocities free", Budget{Quota: 1e9, MaxFiles: 15_000, MaxFileSize: 100e6, CountDirs: true}},
	{"github-pages", "GitHub Pages", Budget{Quota: 1e9}},
	{"gitlab-pages", "GitLab Pages", Budget{Quota: 1e9, MaxFiles: 200_000, CountDirs: true}},
	{"cloudflare-pages", "Cloudflare Pages free", Budget{MaxFiles: 20_000, MaxFileSize: 25 << 20}},
}

// Settings are the budget's make variables as given (empty: unset).
type Settings struct {
	Host, Quota, MaxFiles, MaxFileSize string
}

// Parse makes the budget: the host's limits, each replaced by an explicit
// QUOTA, MAX_FILES or MAX_FILE_SIZE.
func Parse(s Settings) (Budget, error) {
	var b Budget
	if s.Host != "" {
		i := slices.IndexFunc(Hosts, func(h Host) bool { return h.Name == s.Host })
		if i < 0 {
			names := make([]string, len(Hosts))
			for i, h := range Hosts {
				names[i] = h.Name
			}
			return b, fmt.Errorf("HOST=%s is not a host pagegen knows: use one of %s, or give QUOTA, MAX_FILES and MAX_FILE_SIZE", quote.Name(s.Host), strings.Join(names, ", "))
		}
		b = Hosts[i].Budget
		b.Host = s.Host
	}
	if s.Quota != "" || s.MaxFiles != "" || s.MaxFileSize != "" {
		b.Host = "" // the host's limits no longer: the budget is the user's own
	}
	var err error
	if s.Quota != "" {
		if b.Quota, err = ParseSize(s.Quota); err != nil {
			return b, fmt.Errorf("QUOTA=%s: %w", s.Quota, err)
		}
	}
	if s.MaxFileSize != "" {
		if b.MaxFileSize, err = ParseSize(s.MaxFileSize); err != nil {
			return b, fmt.Errorf("MAX_FILE_SIZE=%s: %w", s.MaxFileSize, err)
		}
	}
	if s.MaxFiles != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(s.MaxFiles, ",", ""))
		if err != nil || n <= 0 {
			return b, fmt.Errorf("MAX_FILES=%s: give a whole number of files, e.g. MAX_FILES=20000", s.MaxFiles)
		}
		b.MaxFiles = n
	}
	return b, nil
}

// ParseSize reads a byte count: 123, 50G, 1.5GB, 25MiB. K, M, G and T are
// powers of 1000, as hosts and disks state them; Ki, Mi, Gi and Ti of 1024.
func ParseSize(s string) (int64, error) {
	num := strings.TrimRightFunc(strings.ToUpper(strings.TrimSpace(s)), func(r rune) bool { return r >= 'A' && r <= 'Z' })
	unit := strings.ToUpper(strings.TrimSpace(s))[len(num):]
	x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	mult, ok := map[string]float64{
		"": 1, "B": 1,
		"K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9, "T": 1e12, "TB": 1e12,
		"KI": 1 << 10, "KIB": 1 << 10, "MI": 1 << 20, "MIB": 1 << 20, "GI": 1 << 30, "GIB": 1 << 30, "TI": 1 << 40, "TIB": 1 << 40,
	}[unit]
	if err != nil || !ok || x <= 0 || math.IsInf(x, 0) || x*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("not a size: give bytes, or a number with K, M, G or T (powers of 1000) or KiB, MiB, GiB (of 1024), e.g. 50G")
	}
	// Less than a byte would be 0 bytes, which is no limit at all.
	if x*mult < 1 {
		return 0, fmt.Errorf("less than one byte: give a size of at least 1 byte, e.g. 50G")
	}
	return int64(x * mult), nil
}

// Need is what a site takes: entries and bytes, and its largest file.
type Need struct {
	Files, Dirs int
	Bytes       int64
	Largest     int64
}

// Entries is what the host counts of n.
func (b Budget) Entries(n Need) int {
	if b.CountDirs {
		return n.Files + n.Dirs
	}
	return n.Files
}

// Over lists the limits n breaks, each with its numbers; none when it fits.
func (b Budget) Over(n Need) []string {
	var over []string
	if b.MaxFiles > 0 && b.Entries(n) > b.MaxFiles {
		what := "files"
		if b.CountDirs {
			what = "entries (files and directories)"
		}
		over = append(over, fmt.Sprintf("%d %s, %d allowed", b.Entries(n), what, b.MaxFiles))
	}
	if b.Quota > 0 && n.Bytes > b.Quota {
		over = append(over, fmt.Sprintf("%s, %s allowed", amount.Bytes(n.Bytes), amount.Bytes(b.Quota)))
	}
	if b.MaxFileSize > 0 && n.Largest > b.MaxFileSize {
		over = append(over, fmt.Sprintf("a file of %s, %s allowed", amount.Bytes(n.Largest), amount.Bytes(b.MaxFileSize)))
	}
	return over
}

// String names the budget for people.
func (b Budget) String() string {
	var parts []string
	if b.Quota > 0 {
		parts = append(parts, amount.Bytes(b.Quota))
	}
	if b.MaxFiles > 0 {
		s := fmt.Sprintf("%d files", b.MaxFiles)
		if b.CountDirs {
			s = fmt.Sprintf("%d entries", b.MaxFiles)
		}
		parts = append(parts, s)
	}
	if b.MaxFileSize > 0 {
		parts = append(parts, amount.Bytes(b.MaxFileSize)+" a file")
	}
	s := strings.Join(parts, ", ")
	if b.Host != "" {
		s = "HOST=" + b.Host + ": " + s
	}
	return s
}
