package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"pagegen/internal/packed"
)

// memPeak is the most memory one pagegen process was seen to hold, in kB.
type memPeak struct {
	private, shared, anon, hwm int64 // whole process: Private_*, Shared_* (smaps), RssAnon, VmHWM
	corpus, corpusShared       int64 // the corpus mapping: resident, and of it shared
}

func (m *memPeak) merge(o memPeak) {
	m.private, m.shared, m.anon, m.hwm = max(m.private, o.private), max(m.shared, o.shared), max(m.anon, o.anon), max(m.hwm, o.hwm)
	m.corpus, m.corpusShared = max(m.corpus, o.corpus), max(m.corpusShared, o.corpusShared)
}

// pagegenMemory is the line pagegen prints with PAGEGEN_MEMORY=1, at its end.
var pagegenMemory = regexp.MustCompile(`pagegen: memory: rss (\d+) kB \(peak (\d+) kB\): private (\d+) kB, shared (\d+) kB`)

// memory runs pagegen for a few pages of each kind while sampling
// /proc/PID/status and /proc/PID/smaps as fast as it can, and keeps the
// peaks; pagegen's own account (PAGEGEN_MEMORY=1) comes at its very end.
//
// Meanwhile the bench keeps the whole corpus mapped and resident, as the
// other pagegen processes of a make -j build do: the kernel counts a page of
// the corpus as shared only while another process maps it too.
func (b *bench) memory() error {
	c, err := b.openCorpus()
	if err != nil {
		return err
	}
	defer c.Close()
	touchAll(c)
	anchors := spread(c.Len(), 3)
	fi, err := os.Stat(b.corpus)
	if err != nil {
		return err
	}
	dir := b.scratch("pages")
	defer os.RemoveAll(dir)

	b.t.section(fmt.Sprintf("Memory of one `pagegen` (peaks over %d pages per kind, sampling /proc/PID/smaps while it runs)", len(anchors)))
	for _, k := range kinds {
		var peak memPeak
		var own []string
		var ownPrivate int64
		for _, i := range anchors {
			n := strconv.Itoa(c.N(i))
			cmd := b.command(b.pagegen, "--corpus", b.corpus, k.Name(), n, "--out", dir)
			cmd.Env = append(os.Environ(), "PAGEGEN_MEMORY=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				return err
			}
			stop := make(chan struct{})
			var p memPeak
			var wg sync.WaitGroup
			wg.Go(func() { p = sample(cmd.Process.Pid, b.corpus, stop) })
			err := cmd.Wait()
			close(stop)
			wg.Wait()
			if err != nil {
				return fmt.Errorf("%s: %w\n%s", shortArgs(cmd.Args), err, out.String())
			}
			peak.merge(p)
			m := pagegenMemory.FindStringSubmatch(out.String())
			if m == nil {
				return fmt.Errorf("pagegen printed no memory line with PAGEGEN_MEMORY=1:\n%s", out.String())
			}
			own = append(own, m[0])
			priv, _ := strconv.ParseInt(m[3], 10, 64)
			ownPrivate = max(ownPrivate, priv)
			os.RemoveAll(dir)
		}
		private := max(peak.private, ownPrivate)
		b.t.check(fmt.Sprintf("%s page: private memory, peak", k.Name()),
			fmt.Sprintf("%.1f MB (of it anonymous: %.1f MB)", kb(private), kb(peak.anon)),
			"≤ 32 MB", private <= 32*1024)
		b.t.add(fmt.Sprintf("%s page: peak RSS; of it the mapped corpus, shared", k.Name()),
			"%.1f MB; %.1f MB of the %s corpus file, %.1f MB of it shared", kb(peak.hwm), kb(peak.corpus), mb(fi.Size()), kb(peak.corpusShared))
		b.t.add(fmt.Sprintf("%s page: pagegen's own account at exit (PAGEGEN_MEMORY=1)", k.Name()), "`%s`", own[len(own)-1])
	}
	return nil
}

// touchAll reads a byte of every page of the corpus mapping, so that all of
// it is resident and mapped here.
func touchAll(c *packed.Corpus) {
	var x byte
	g := c.Gram()
	for j := 0; j < len(g); j += 1024 {
		x ^= byte(g[j])
	}
	for i := range c.Len() {
		v := c.Vector(i)
		x ^= byte(v[0]) ^ byte(c.Norms()[i])
		for _, b := range [][]byte{c.Label(i), c.Entry(i), c.IndexLine(i)} {
			for j := 0; j < len(b); j += 4096 {
				x ^= b[j]
			}
		}
	}
	runtime.KeepAlive(x) // so that the reads are not optimized away
}

func kb(x int64) float64 { return float64(x) / 1024 }

// sample reads the process's memory until stop is closed and returns the peaks.
func sample(pid int, corpus string, stop <-chan struct{}) memPeak {
	var p memPeak
	status := fmt.Sprintf("/proc/%d/status", pid)
	smaps := fmt.Sprintf("/proc/%d/smaps", pid)
	for {
		select {
		case <-stop:
			return p
		default:
		}
		var s memPeak
		if b, err := os.ReadFile(status); err == nil {
			s.anon, s.hwm = field(b, "RssAnon:"), field(b, "VmHWM:")
		}
		if b, err := os.ReadFile(smaps); err == nil {
			readSmaps(b, corpus, &s)
		}
		p.merge(s)
	}
}

// field is the kB value of a /proc status line.
func field(b []byte, name string) int64 {
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// readSmaps adds up a smaps file: private and shared memory in all, and the
// resident and shared parts of the mapping of path.
func readSmaps(b []byte, path string, m *memPeak) {
	in := false
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		line := s.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // a mapping's header: address range, perms, ..., path
			in = strings.HasSuffix(line, " "+path)
			continue
		}
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Private_Clean:", "Private_Dirty:":
			m.private += v
		case "Shared_Clean:", "Shared_Dirty:":
			m.shared += v
			if in {
				m.corpusShared += v
			}
		case "Rss:":
			if in {
				m.corpus += v
			}
		}
	}
}
