package site

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// MakefileMark begins every make fragment of a site, so that pagegen never
// writes one over a file that is not.
const MakefileMark = "# The files of the site, from the packed corpus and the settings; made by pagegen: do not edit.\n"

// Makefile writes the make fragment of a build of seqs: the site's stamp
// (where the page writers read the settings), the files of each kind, and
// one grouped target per sequence, so that one pagegen process writes all
// the chapters of an ordering. A build lists only the sequences it writes
// (the stale ones), and the inner make builds every file listed: make then
// reads and checks as many rules as there are pages to write, not the
// whole site.
// mk/site.mk defines what the rules call: OUT, PAGE_DEPS, and write_seq
// (kind, poem number, and the chapters that may change, when only some may:
// chapters(q), which may be nil).
func (l Layout) Makefile(w io.Writer, seqs []Seq, chapters func(Seq) []int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(MakefileMark)
	fmt.Fprintf(bw, "SITE_STAMP := $(OUT)/%s\n", StampName)
	for _, k := range []Kind{Similar, Different, Chrono, Index} {
		fmt.Fprintf(bw, "%s_FILES :=", [...]string{"SIMILAR", "DIFFERENT", "CHRONO", "INDEX"}[k])
		for _, q := range seqs {
			if q.Kind != k {
				continue
			}
			for _, name := range l.Files(q) {
				fmt.Fprintf(bw, " $(OUT)/%s", name)
			}
		}
		bw.WriteString("\n")
	}
	for _, q := range seqs {
		for _, name := range l.Files(q) {
			fmt.Fprintf(bw, "$(OUT)/%s ", name)
		}
		var some []int
		if chapters != nil {
			some = chapters(q)
		}
		fmt.Fprintf(bw, "&: $(PAGE_DEPS) ; $(call write_seq,%s,%d,%s)\n", kindGoal(q.Kind), q.N, strings.Trim(fmt.Sprint(some), "[]"))
	}
	return bw.Flush()
}
