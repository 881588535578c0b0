// Package kernels keeps the interchangeable implementations ("kernels") of
// a hot loop: the portable code, and vector code for CPU features that
// must give the same bits. The fastest one the CPU runs is in use; tests
// and benchmarks select each one by name, to run every kernel, whatever
// the CPU would pick.
package kernels

import (
	"fmt"
	"slices"
)

// Kernel is one implementation, Fn.
type Kernel[F any] struct {
	Name string
	Fn   F
	// Missing says why this CPU cannot run it (it lacks the feature, or
	// GODEBUG turned it off); "" when it can.
	Missing string
}

// Set is the kernels of one loop: the vector ones in the order of
// preference, the portable one last. The one in use is *inUse.
type Set[F any] struct {
	all   []Kernel[F]
	inUse *F
	name  string
}

// New is a set of the portable kernel alone, fn, which *inUse holds.
func New[F any](inUse *F, fn F) *Set[F] {
	*inUse = fn
	return &Set[F]{all: []Kernel[F]{{Name: "portable", Fn: fn}}, inUse: inUse, name: "portable"}
}

// Add adds a vector kernel, after those added before (which are
// preferred) and before the portable one; with the portable one in use,
// it takes its place if the CPU runs it. missing is as Kernel.Missing.
func (s *Set[F]) Add(name string, fn F, missing string) {
	s.all = slices.Insert(s.all, len(s.all)-1, Kernel[F]{Name: name, Fn: fn, Missing: missing})
	if s.name == "portable" && missing == "" {
		*s.inUse, s.name = fn, name
	}
}

// All is the kernels of this build, the portable one last.
func (s *Set[F]) All() []Kernel[F] { return slices.Clone(s.all) }

// InUse is the name of the kernel in use.
func (s *Set[F]) InUse() string { return s.name }

// Use puts the named kernel in use, and returns a function that puts back
// the one before. It fails for a kernel this build or this CPU lacks. Not
// safe while the loop runs: for tests and benchmarks.
func (s *Set[F]) Use(name string) (restore func(), err error) {
	i := slices.IndexFunc(s.all, func(k Kernel[F]) bool { return k.Name == name })
	switch {
	case i < 0:
		return nil, fmt.Errorf("no kernel %q in this build (it has %v)", name, s.Names())
	case s.all[i].Missing != "":
		return nil, fmt.Errorf("kernel %s: %s", name, s.all[i].Missing)
	}
	fn, was := *s.inUse, s.name
	*s.inUse, s.name = s.all[i].Fn, name
	return func() { *s.inUse, s.name = fn, was }, nil
}

// Names are the names of the kernels of this build, the portable one last.
func (s *Set[F]) Names() []string {
	var names []string
	for _, k := range s.all {
		names = append(names, k.Name)
	}
	return names
}

// Lacks is Kernel.Missing for a kernel that needs features: "" when has.
func Lacks(has bool, features string) string {
	if has {
		return ""
	}
	return "this CPU lacks " + features + " (or GODEBUG turned it off)"
}
