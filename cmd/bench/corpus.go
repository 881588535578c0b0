package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"time"

	"pagegen/internal/input"
	"pagegen/internal/pack"
	"pagegen/internal/packed"
	"pagegen/internal/synth"
)

// synthOptions are the synthetic corpus's settings: corpus-synth's defaults at
// the requested size.
func (b *bench) synthOptions() synth.Options {
	return synth.Options{Poems: b.cli.Poems, Dim: b.cli.Dim, TextBytes: 1100, Clusters: 40, Seed: 1}
}

// synthesize writes the synthetic inputs, unless a previous run left them
// with the same settings.
func (b *bench) synthesize() error {
	opt := b.synthOptions()
	b.inputs = b.scratch(fmt.Sprintf("corpus-n%d-d%d", opt.Poems, opt.Dim))
	b.corpus = filepath.Join(b.inputs, "corpus.bin")
	stamp := filepath.Join(b.inputs, "synth.done")
	want := fmt.Sprintf("%+v\n", opt)
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		progressf("reusing the synthetic corpus in %s", b.inputs)
	} else {
		os.RemoveAll(b.inputs)
		start := time.Now()
		if err := synth.Write(b.inputs, opt); err != nil {
			return err
		}
		if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
			return err
		}
		progressf("wrote the synthetic corpus to %s in %s", b.inputs, dur(time.Since(start)))
	}
	var size int64
	for _, f := range b.inputFiles() {
		fi, err := os.Stat(f)
		if err != nil {
			return err
		}
		size += fi.Size()
	}
	b.t.header = append(b.t.header, fmt.Sprintf("Corpus: synthetic (internal/synth, seed %d, %d clusters): %d poems, %d-d, ~%.1f KB of text per poem; %s of JSON",
		opt.Seed, opt.Clusters, opt.Poems, opt.Dim, float64(opt.TextBytes)/1000, mb(size)))
	return nil
}

func (b *bench) inputFiles() []string {
	return []string{filepath.Join(b.inputs, "poems.json"), filepath.Join(b.inputs, "embeddings.json"), filepath.Join(b.inputs, "color_embeddings.json")}
}

// describeCorpus adds the packed corpus's size to the report.
func (b *bench) describeCorpus() {
	if fi, err := os.Stat(b.corpus); err == nil {
		n := int64(b.cli.Poems)
		b.t.header = append(b.t.header, fmt.Sprintf("Packed corpus: %s, of which the Gram matrix %s", mb(fi.Size()), mb(n*n*4)))
	}
}

// ensureCorpus packs the corpus, untimed, for a run that skips the
// corpus-pack measurement; corpus-pack leaves an up-to-date corpus alone.
func (b *bench) ensureCorpus() error {
	in := b.inputFiles()
	_, err := b.runCmd(b.command(b.pack, "--poems", in[0], "--embeddings", in[1], "--colors", in[2], "-o", b.corpus))
	return err
}

// packTiming is corpus-pack's own account of its time.
var packTiming = regexp.MustCompile(`\(([0-9.]+) MB\) in ([0-9.]+)s: read ([0-9.]+)s, gram ([0-9.]+)s, render ([0-9.]+)s`)

// packCorpus times packing twice: in process, split into reading the JSON,
// the Gram matrix and rendering; then the real corpus-pack, from scratch (the
// packed file removed first), which also leaves the corpus for the rest.
func (b *bench) packCorpus() error {
	in := b.inputFiles()
	start := time.Now()
	c, err := input.Read(input.Options{Poems: in[0], Embeddings: in[1], Colors: in[2]})
	if err != nil {
		return err
	}
	read := time.Since(start)
	_, t := pack.Contents(c, packed.Fingerprint{})
	c = nil
	inProcess := time.Since(start)
	runtime.GC()
	debug.FreeOSMemory()

	if err := os.Remove(b.corpus); err != nil && !os.IsNotExist(err) {
		return err
	}
	// The same arguments as make gives it, so that make finds the corpus up to date.
	cmd := b.command(b.pack, "--poems", in[0], "--embeddings", in[1], "--colors", in[2], "-o", b.corpus)
	start = time.Now()
	out, err := b.runCmd(cmd)
	wall := time.Since(start)
	if err != nil {
		return err
	}

	b.t.section("corpus-pack")
	b.t.atMost("`corpus-pack` from scratch, wall (to the fsync'd, renamed file)", wall, 4*time.Second)
	if m := packTiming.FindStringSubmatch(out); m != nil {
		b.t.add("… its own split", "read %ss, Gram %ss, render %ss, rest (hash, write, fsync) %.2fs",
			m[3], m[4], m[5], wall.Seconds()-atof(m[3])-atof(m[4])-atof(m[5]))
	}
	b.t.add("reading the JSON (`input.Read`, in process)", "%s", dur(read))
	b.t.add("building the Gram matrix (`pack.Contents`, in process)", "%s", dur(t.Gram))
	b.t.add("rendering the entries (`pack.Contents`, in process)", "%s", dur(t.Render))
	b.t.add("read + Gram + render, in process", "%s", dur(inProcess))
	return nil
}

func atof(s string) float64 {
	var f float64
	fmt.Sscan(s, &f)
	return f
}
