package kernels

import (
	"slices"
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	var f func() string
	s := New(&f, func() string { return "portable" })
	s.Add("wide", func() string { return "wide" }, "this CPU lacks WIDE")
	if s.InUse() != "portable" {
		t.Errorf("in use: %s, want portable: the CPU lacks wide", s.InUse())
	}
	s.Add("fast", func() string { return "fast" }, "")
	s.Add("faster", func() string { return "faster" }, "") // fast was preferred
	if names, want := s.Names(), []string{"wide", "fast", "faster", "portable"}; !slices.Equal(names, want) {
		t.Errorf("kernels %v, want %v", names, want)
	}
	if all := s.All(); len(all) != 4 || all[0].Missing != "this CPU lacks WIDE" || all[1].Missing != "" {
		t.Errorf("All() = %+v", all)
	}
	if s.InUse() != "fast" || f() != "fast" {
		t.Errorf("in use: %s (%s), want fast: the first the CPU runs", s.InUse(), f())
	}
	restore, err := s.Use("portable")
	if err != nil || s.InUse() != "portable" || f() != "portable" {
		t.Fatalf("Use(portable): %v; in use %s (%s)", err, s.InUse(), f())
	}
	restore()
	if s.InUse() != "fast" || f() != "fast" {
		t.Errorf("after restore: %s (%s), want fast", s.InUse(), f())
	}
	for name, want := range map[string]string{"wide": "lacks WIDE", "none": `no kernel "none"`} {
		if _, err := s.Use(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Use(%s) = %v, want an error saying %q", name, err, want)
		}
		if f() != "fast" {
			t.Errorf("a failed Use(%s) changed the kernel in use to %s", name, f())
		}
	}
}
