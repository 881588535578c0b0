package amount

import "testing"

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 pages"}, {1, "1 page"}, {2, "2 pages"}, {999, "999 pages"}, {1000, "1,000 pages"},
		{15600, "15,600 pages"}, {93693, "93,693 pages"}, {1234567, "1,234,567 pages"}, {-1234, "-1,234 pages"}} {
		if got := Of(tc.n, "page"); got != tc.want {
			t.Errorf("Of(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0.0 kB"}, {1234, "1.2 kB"}, {999_949, "999.9 kB"}, {1e6, "1.0 MB"}, {12_345_678, "12.3 MB"}, {45_600_000_000, "45.6 GB"}} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
