package budget

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"123": 123, "50G": 50e9, "50GB": 50e9, "50 gb": 50e9, "1.5G": 1.5e9, "25MiB": 25 << 20, "25mi": 25 << 20,
		"100M": 100e6, "2k": 2000, "1TiB": 1 << 40, "7B": 7,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "-5G", "0", "5X", "5 G B", "1e30", "NaN", "Inf"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d; want an error", in, got)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want Budget
		err  string
	}{
		{Settings{}, Budget{}, ""},
		{Settings{Host: "neocities"}, Budget{Quota: 50e9, MaxFiles: 100000, MaxFileSize: 100e6, CountDirs: true, Host: "neocities"}, ""},
		{Settings{Host: "cloudflare-pages"}, Budget{MaxFiles: 20000, MaxFileSize: 25 << 20, Host: "cloudflare-pages"}, ""},
		{Settings{Host: "neocities-free", Quota: "2G"}, Budget{Quota: 2e9, MaxFiles: 15000, MaxFileSize: 100e6, CountDirs: true}, ""}, // the host's limits, one overridden
		{Settings{MaxFiles: "20,000", MaxFileSize: "1M"}, Budget{MaxFiles: 20000, MaxFileSize: 1e6}, ""},
		{Settings{Host: "geocities"}, Budget{}, "HOST=geocities is not a host pagegen knows: use one of neocities, "},
		{Settings{Quota: "lots"}, Budget{}, "QUOTA=lots: not a size"},
		{Settings{MaxFiles: "-3"}, Budget{}, "MAX_FILES=-3: give a whole number"},
		{Settings{MaxFileSize: "1.2.3M"}, Budget{}, "MAX_FILE_SIZE=1.2.3M: not a size"},
	} {
		got, err := Parse(tc.s)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%+v) = %v; want an error saying %q", tc.s, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%+v) = %+v, %v; want %+v", tc.s, got, err, tc.want)
		}
	}
}

func TestOver(t *testing.T) {
	b := Budget{Quota: 1000, MaxFiles: 10, MaxFileSize: 100, CountDirs: true}
	for _, tc := range []struct {
		n    Need
		over int
	}{
		{Need{Files: 8, Dirs: 2, Bytes: 1000, Largest: 100}, 0},
		{Need{Files: 9, Dirs: 2, Bytes: 1000, Largest: 100}, 1},
		{Need{Files: 8, Dirs: 2, Bytes: 1001, Largest: 101}, 2},
	} {
		if got := b.Over(tc.n); len(got) != tc.over {
			t.Errorf("Over(%+v) = %q; want %d limits broken", tc.n, got, tc.over)
		}
	}
	if got := (Budget{MaxFiles: 10}).Over(Need{Files: 10, Dirs: 5}); len(got) != 0 {
		t.Errorf("directories counted where the host does not count them: %q", got)
	}
}
