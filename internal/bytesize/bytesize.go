// Package bytesize writes byte counts for people: kB below 1 MB, MB below 1 GB, GB above.
package bytesize

import "fmt"

// Format is n bytes as "12.3 kB", "12.3 MB" or "45.6 GB" (decimal units, as
// disks are sold and hosts state their limits).
func Format(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1e3)
}
