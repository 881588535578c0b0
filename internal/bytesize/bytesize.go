// Package bytesize writes byte counts for people: MB below 1 GB, GB above.
package bytesize

import "fmt"

// Format is n bytes as "12.3 MB" or "45.6 GB" (decimal units, as disks are sold).
func Format(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
