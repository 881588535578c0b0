// Package deploy publishes a built site to Neocities through its API, as
// the upstream pipeline learnt to: it sends only the files whose SHA-1
// differs from the live site's list, many in a request sized by bytes,
// waiting when the server asks (429) and sending less at once when it
// strains (a 413, a 5xx, no reply, a proxy's page); it uploads first, in
// an order that never has the live site link to a page not there yet, and
// only once every file is in place removes the site's own pages that it no
// longer has: never the poet's other files, never a folder. A deploy that
// stops (Ctrl+C, a failure) leaves the live site whole, and the next one
// sends only what is still missing.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"pagegen/internal/amount"
	"pagegen/internal/neocities"
)

// Deploy publishes the site in Site to the folder Dir of the Neocities
// site that Client's key belongs to.
type Deploy struct {
	Client *neocities.Client
	Site   string // the site on this machine (OUT)
	Dir    string // the folder of the host's site it goes to (CleanDir), "" for its root
	// Stale reports whether a name relative to the site is one of the
	// site's own pages that it no longer has (a poem taken out, a chapter
	// no longer kept): only those are ever removed from the host.
	Stale func(name string) bool
	// Hashes is the hash cache's path (corpus.HashesPath).
	Hashes   string
	Control  Control
	Progress Progress
}

// Plan hashes the site's files (reading only those the cache cannot vouch
// for), lists the host's and compares them. It changes nothing on the host.
func (d *Deploy) Plan(ctx context.Context) (*Plan, error) {
	local, skipped, err := Scan(d.Site)
	if err != nil {
		return nil, err
	}
	site, err := filepath.Abs(d.Site)
	if err != nil {
		return nil, fmt.Errorf("reading the site: %w", err)
	}
	h := loadHashes(d.Hashes, site)
	todo := h.lookup(local)
	var todoBytes int64
	for _, i := range todo {
		todoBytes += local[i].Size
	}
	d.Progress.begin("hashing", len(todo), todoBytes)
	err = hash(ctx, local, todo, max(d.Control.Jobs, 2), func(n int64) { d.Progress.add(1, n) })
	// What was hashed is kept even when the deploy stops here or later:
	// the next one need not read it again.
	if !h.unchanged(local, todo) {
		if serr := h.save(local); err == nil {
			err = serr
		}
	}
	if err != nil {
		return nil, err
	}
	remote, err := d.Client.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the files of the site on Neocities: %w", err)
	}
	p := makePlan(local, remote, d.Dir, d.Stale)
	p.Skipped, p.Hashed, p.HashedBytes = skipped, len(todo), todoBytes
	return p, nil
}

// Result is what a deploy did.
type Result struct {
	Sent      int
	SentBytes int64
	Removed   int
	Requests  int
	Retries   int
	Elapsed   time.Duration
}

// Summary is the report at the end of a deploy.
func (r Result) Summary(p *Plan) string {
	var parts []string
	if r.Sent == 0 && r.Removed == 0 {
		parts = append(parts, fmt.Sprintf("the site on Neocities is up to date: %s unchanged", amount.Of(p.Same, "file")))
	} else {
		s := fmt.Sprintf("sent %s (%s) in %s", amount.Of(r.Sent, "file"), amount.Bytes(r.SentBytes), r.Elapsed.Round(10*time.Millisecond))
		if secs := r.Elapsed.Seconds(); r.SentBytes > 0 && secs > 0 {
			s += fmt.Sprintf(", %.1f MB/s", float64(r.SentBytes)/1e6/secs)
		}
		s += fmt.Sprintf(", in %s", amount.Of(r.Requests, "request"))
		if r.Retries > 0 {
			s += fmt.Sprintf(" (%d sent again)", r.Retries)
		}
		parts = append(parts, s)
		if r.Removed > 0 {
			parts = append(parts, fmt.Sprintf("removed %s the site no longer has", amount.Of(r.Removed, "page")))
		}
		parts = append(parts, fmt.Sprintf("%d unchanged", p.Same))
	}
	if len(p.Others) > 0 {
		parts = append(parts, fmt.Sprintf("%s of yours left as %s", amount.Of(len(p.Others), "other file"), map[bool]string{true: "it is", false: "they are"}[len(p.Others) == 1]))
	}
	return strings.Join(parts, "; ")
}

// ErrFailed is the error of a deploy that the server refused some files
// of (or their removal): they are listed in its message.
var ErrFailed = errors.New("the deploy is not complete")

// Publish carries out the plan: the new files, then the changed ones (so
// that a changed page never links to one not there yet), a check that the
// host lists every file sent with its SHA-1, and only then the removal of
// the site's pages that it no longer has. A failure stops it before the
// next step: nothing is removed unless every file is in place.
func (d *Deploy) Publish(ctx context.Context, p *Plan) (r Result, err error) {
	start := time.Now()
	defer func() {
		r.Requests, r.Retries, r.Elapsed = d.Progress.Requests(), d.Progress.Retries(), time.Since(start)
	}()
	sent := append(append([]Local(nil), p.New...), p.Changed...)
	d.Progress.begin("sending", len(sent), sum(sent))
	for _, files := range [][]Local{p.New, p.Changed} {
		b := d.uploads(files)
		failed, err := b.run(ctx)
		r.Sent += b.passedFiles
		r.SentBytes += b.passedBytes
		if err != nil {
			return r, err
		}
		if len(failed) > 0 {
			return r, failures(failed, "sent", p)
		}
	}
	if len(sent) > 0 {
		if err := d.verify(ctx, p, sent); err != nil {
			return r, err
		}
	}
	if len(p.Prune) == 0 {
		return r, nil
	}
	d.Progress.begin("removing", len(p.Prune), 0)
	b := d.removals(p.Prune)
	failed, err := b.run(ctx)
	r.Removed = b.passedFiles
	if err != nil {
		return r, err
	}
	if len(failed) > 0 {
		return r, failures(failed, "removed", p)
	}
	return r, nil
}

// uploads are the batches that send files.
func (d *Deploy) uploads(files []Local) *batches {
	sizes := make([]int64, len(files))
	for i, f := range files {
		sizes[i] = f.Size
	}
	return &batches{Control: d.Control, sizes: sizes, progress: &d.Progress,
		name: func(i int) string { return files[i].Name },
		send: func(ctx context.Context, batch []int) error {
			ups := make([]neocities.Upload, len(batch))
			for k, i := range batch {
				ups[k] = neocities.Upload{Remote: joinDir(d.Dir, files[i].Name), Local: files[i].Path, Size: files[i].Size}
			}
			return d.Client.Upload(ctx, ups)
		}}
}

// removals are the batches that delete the host's files paths. A file
// already gone is as good as deleted (the API refuses a request that names
// one).
func (d *Deploy) removals(paths []string) *batches {
	sizes := make([]int64, len(paths))
	for i := range sizes {
		sizes[i] = 1
	}
	c := d.Control
	c.Bytes = int64(c.Files) // a name counts as one
	return &batches{Control: c, sizes: sizes, progress: &d.Progress,
		name: func(i int) string { return paths[i] },
		send: func(ctx context.Context, batch []int) error {
			names := make([]string, len(batch))
			for k, i := range batch {
				names[k] = paths[i]
			}
			err := d.Client.Delete(ctx, names)
			var e *neocities.Error
			if len(batch) == 1 && errors.As(err, &e) && e.Kind == neocities.Refused && e.Type == "missing_files" {
				return nil
			}
			return err
		}}
}

// verify lists the host's files again and checks that every file sent is
// there with its SHA-1: a proxy may have answered for a server that did
// not store it. Nothing is removed unless it passes.
func (d *Deploy) verify(ctx context.Context, p *Plan, sent []Local) error {
	remote, err := d.Client.List(ctx)
	if err != nil {
		return fmt.Errorf("listing the site's files again to check what was sent (nothing was removed; run make deploy again): %w", err)
	}
	have := make(map[string]string, len(remote))
	for _, f := range remote {
		if !f.IsDirectory {
			have[f.Path] = f.SHA1
		}
	}
	var wrong []string
	for _, f := range sent {
		if have[joinDir(d.Dir, f.Name)] != f.SHA1 {
			wrong = append(wrong, f.Name)
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("the server took %s but does not list them with the bytes sent: %s. Nothing was removed; run make deploy again to send them again",
			amount.Of(len(wrong), "file"), strings.Join(few(wrong, func(s string) string { return s }), ", "))
	}
	return nil
}

// failures is the error for files that could not be sent (or removed).
func failures(failed []Failure, what string, p *Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s could not be %s:", amount.Of(len(failed), "file"), what)
	const shown = 20
	for i, f := range failed {
		if i == shown {
			fmt.Fprintf(&b, "\n  … and %d more", len(failed)-shown)
			break
		}
		fmt.Fprintf(&b, "\n  %s: %v", f.Name, f.Err)
	}
	if what == "sent" {
		b.WriteString("\nNothing was removed from the site on Neocities. Move a file the server does not take out of the site's folder, and run make deploy again: it sends only what is still missing")
	} else {
		b.WriteString("\nEvery file was sent; run make deploy again to remove the rest")
	}
	return fmt.Errorf("%w: %s", ErrFailed, b.String())
}

// joinDir is the host's path of name in dir.
func joinDir(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
