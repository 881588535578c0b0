package pack

import (
	"slices"
	"strings"
	"testing"
	"time"

	"pagegen/internal/input"
)

// day reads a date, or a date and time in RFC 3339.
func day(s string) time.Time {
	layout := "2006-01-02"
	if len(s) > len(layout) {
		layout = time.RFC3339
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTimeline(t *testing.T) {
	tests := []struct {
		name  string
		dates []string // "" is undated
		want  []int
	}{
		{"one undated poem", []string{""}, []int{80}},
		{"undated: by position", []string{"", "", "", "", ""}, []int{0, 20, 40, 60, 80}},
		{"a year, from its first day to its last", []string{"2021-01-01", "2021-07-02T12:00:00Z", "2021-12-31T23:59:59Z"}, []int{0, 40, 80}},
		{"out of order", []string{"2021-12-31", "2021-01-01", "2021-07-02T12:00:00Z"}, []int{80, 0, 40}},
		{"undated in a dated corpus: 0", []string{"2020-01-01", "", "2021-01-01"}, []int{0, 0, 40}},
		{"centuries apart", []string{"1609-01-01", "1750-01-01", "1900-01-01", "2024-01-01"}, []int{0, 27, 56, 80}},
		{"all on one day: the day's place in its year", []string{"2021-07-02T12:00:00Z", "2021-07-02T12:00:00Z"}, []int{40, 40}},
		// The newest poem's year runs to its end: a poem added in it moves no other bar.
		{"before a poem of the newest year", []string{"2020-03-01", "2021-05-01"}, []int{7, 53}},
		{"after it", []string{"2020-03-01", "2021-05-01", "2021-12-01"}, []int{7, 53, 77}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			poems := make([]input.Poem, len(tt.dates))
			for i, d := range tt.dates {
				if d != "" {
					poems[i].Date = day(d)
				}
			}
			if got := Timeline(poems); !slices.Equal(got, tt.want) {
				t.Errorf("Timeline = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestColors(t *testing.T) {
	c := &input.Corpus{Dimension: 2, Poems: []input.Poem{
		{Vector: []float32{1, 0}}, {Vector: []float32{0, 1}}, {Vector: []float32{1, 1}}, {Vector: []float32{-1, -1}},
	}}
	norms := []float64{1, 1, 1.4142135623730951, 1.4142135623730951}
	if got := Colors(c, norms); got[0] != input.Gray || got[3] != input.Gray {
		t.Errorf("without colours every poem is gray, got %v", got)
	}
	c.Colors = make([][]float32, len(input.Palette))
	for i := range c.Colors {
		c.Colors[i] = []float32{-1, -1} // far from everything but poem 4
	}
	c.Colors[0] = []float32{1, 0}   // red: poem 1
	c.Colors[1] = []float32{0, 2}   // blue: poem 2 (norm does not matter)
	c.Colors[2] = []float32{1, 0.5} // green
	c.Colors[3] = []float32{0.5, 1} // purple: ties with green for poem 3
	want := []int{0, 1, 2, 4}       // poem 3: green and purple tie, the earlier wins; poem 4: orange, the first of the equal rest
	if got := Colors(c, norms); !slices.Equal(got, want) {
		t.Errorf("Colors = %v, want %v", got, want)
	}
}

func TestCheckMemory(t *testing.T) {
	if err := CheckMemory(7800, 768, 1<<30); err != nil {
		t.Errorf("7,800 poems in 1 GiB: %v", err)
	}
	err := CheckMemory(20000, 768, 1<<30)
	if err == nil {
		t.Fatal("20,000 poems fit in 1 GiB, which cannot be: the matrix alone is 1.6 GB")
	}
	for _, want := range []string{"20000 poems", "1.8 GB", "1.6 GB", "1.1 GB", "split the collection"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

func TestChronology(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dates []string // by N = position+1; "" is undated
		want  []uint32 // indices, oldest first
	}{
		{"in order", []string{"2020-01-01", "2020-01-02", "2020-01-03"}, []uint32{0, 1, 2}},
		{"reversed", []string{"2020-01-03", "2020-01-02", "2020-01-01"}, []uint32{2, 1, 0}},
		{"undated last, by N", []string{"", "2021-01-01", "", "2020-01-01"}, []uint32{3, 1, 0, 2}},
		{"same date: by N", []string{"2020-01-01", "2019-01-01", "2020-01-01"}, []uint32{1, 0, 2}},
		{"no dates: by N", []string{"", "", ""}, []uint32{0, 1, 2}},
	} {
		poems := make([]input.Poem, len(tc.dates))
		for i, d := range tc.dates {
			poems[i].N = i + 1
			if d != "" {
				poems[i].Date = day(d)
			}
		}
		if got := Chronology(poems); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Chronology = %v, want %v", tc.name, got, tc.want)
		}
	}
}
