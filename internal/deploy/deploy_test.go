package deploy

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pagegen/internal/atomicfile"
	"pagegen/internal/budget"
	"pagegen/internal/corpus"
	"pagegen/internal/neocities"
	"pagegen/internal/neocities/neocitiestest"
	"pagegen/internal/retry"
	"pagegen/internal/site"
)

const key = "test-key-0f1e2d3c"

// testControl is small batches, quick pauses and a quick give-up.
var testControl = Control{Jobs: 2, Bytes: 4000, Files: 8, Retries: 3, GrowFrom: 4, GiveUp: 10 * time.Second,
	Backoff: retry.Backoff{Base: time.Millisecond, Most: 5 * time.Millisecond}, MostWaits: 30}

func init() { racyWindow = 0 } // the tests' files are all just written

// writeSite makes a site of pages (name → content) in a new folder, with
// the build's hidden records and leftovers beside them, which are never
// sent, and returns its path.
func writeSite(t *testing.T, pages map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range pages {
		write(t, filepath.Join(dir, filepath.FromSlash(name)), data)
	}
	write(t, filepath.Join(dir, site.StampName), "pagegen site\n")
	write(t, filepath.Join(dir, site.BuildingName), "building\n")
	write(t, filepath.Join(dir, "similar", ".7.html.pagegen-123.tmp"), "half a page")
	write(t, filepath.Join(dir, ".git", "config"), "[core]\n")
	return dir
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pages is a site of n poems: index, chronology, similar and different pages.
func pages(n, size int) map[string]string {
	m := map[string]string{"index.html": "index of " + fmt.Sprint(n), "chronological.html": strings.Repeat("c", size)}
	for i := 1; i <= n; i++ {
		m[fmt.Sprintf("similar/%d.html", i)] = fmt.Sprintf("%d%s", i, strings.Repeat("s", size))
		m[fmt.Sprintf("different/%d.html", i)] = fmt.Sprintf("%d%s", i, strings.Repeat("d", size))
	}
	return m
}

func sha1Hex(data string) string {
	h := sha1.Sum([]byte(data))
	return hex.EncodeToString(h[:])
}

// newDeploy deploys the site in dir to folder remote of s's site, as the
// site's layout of pages would: a page name it does not have is stale.
func newDeploy(t testing.TB, s *neocitiestest.Server, dir, remote string, pages map[string]string, k string) *Deploy {
	t.Helper()
	c, err := neocities.New(s.URL, k, testControl.Jobs)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 2 * time.Second
	return &Deploy{Client: c, Site: dir, Dir: remote, Hashes: filepath.Join(t.TempDir(), ".deploy-sha1"), Control: testControl,
		Stale: func(name string) bool { _, has := pages[name]; return site.IsPageName(name) && !has }}
}

// deployAll plans and publishes.
func deployAll(t *testing.T, d *Deploy) (*Plan, Result, error) {
	t.Helper()
	p, err := d.Plan(context.Background())
	if err != nil {
		return p, Result{}, err
	}
	r, err := d.Publish(context.Background(), p)
	return p, r, err
}

// checkLive checks that the host has every page under dir with its bytes.
func checkLive(t *testing.T, s *neocitiestest.Server, dir string, pages map[string]string) {
	t.Helper()
	files := s.Files()
	for name, data := range pages {
		if got := files[joinDir(dir, name)]; got != sha1Hex(data) {
			t.Errorf("%s on the host: SHA-1 %q, want %q", joinDir(dir, name), got, sha1Hex(data))
		}
	}
	for name := range files {
		if strings.Contains(name, ".pagegen") || strings.Contains(name, ".git") || strings.HasSuffix(name, ".tmp") {
			t.Errorf("%s was published: a hidden file", name)
		}
	}
}

// poetFiles are the poet's own files on the host, which a deploy never touches.
var poetFiles = map[string]string{
	"index.html":                  "the poet's home page",
	"about.html":                  "about me",
	"images/cat.png":              "\x89PNG...",
	"poems/similar/001.html":      "the old site's page",
	"poems/notes.txt":             "notes",
	"similar/999.html":            "a page name, but outside DEPLOY_DIR",
	"poems/images/similar/1.html": "a page name, but not where the site has its pages",
}

func TestFirstDeployAndAgain(t *testing.T) {
	s := neocitiestest.New(t, key)
	for name, data := range poetFiles {
		s.Put(name, []byte(data))
	}
	s.Put("poems/similar/999.html", []byte("a poem taken out of the collection"))
	s.Put("poems/different/1-3.html", []byte("a chapter no longer kept"))
	s.Mkdir("poems/similar/888.html") // a folder named as a page: never deleted
	site := pages(20, 300)
	dir := writeSite(t, site)
	d := newDeploy(t, s, dir, "poems", site, key)

	p, r, err := deployAll(t, d)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if len(p.New) != len(site) || len(p.Changed) != 0 || p.Same != 0 {
		t.Errorf("plan: %d new, %d changed, %d same; want %d new", len(p.New), len(p.Changed), p.Same, len(site))
	}
	if want := []string{"poems/different/1-3.html", "poems/similar/999.html"}; !slices.Equal(p.Prune, want) {
		t.Errorf("to remove: %v, want %v", p.Prune, want)
	}
	var report strings.Builder
	p.Report(&report, "poet.neocities.org/poems", budget.Budget{MaxFiles: 10})
	for _, want := range []string{
		"pagegen: the plan for poet.neocities.org/poems:\n",
		fmt.Sprintf("  new:         %d files (", len(site)),
		"  to remove:   2 pages: poems/different/1-3.html, poems/similar/999.html\n",
		fmt.Sprintf("  left alone:  %d other files (", len(poetFiles)),
		fmt.Sprintf("  afterwards:  %d files and ", len(site)+len(poetFiles)),
		": does NOT fit 10 files\n",
	} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("the plan does not say %q:\n%s", want, report.String())
		}
	}
	if p.New[len(p.New)-1].Name != "index.html" {
		t.Errorf("index.html is sent before the pages it leads to: %s last", p.New[len(p.New)-1].Name)
	}
	checkLive(t, s, "poems", site)
	checkLive(t, s, "", poetFiles)
	if got := s.Deleted(); !slices.Equal(got, p.Prune) {
		t.Errorf("deleted %v, want %v", got, p.Prune)
	}
	if len(s.DeletedDirs()) > 0 || !slices.Contains(s.Dirs(), "poems/similar/888.html") {
		t.Errorf("a folder was deleted: %v", s.DeletedDirs())
	}
	if r.Sent != len(site) || r.Removed != 2 || r.Requests < 2 || r.Elapsed <= 0 {
		t.Errorf("result: %+v", r)
	}
	if got := r.Summary(p); !strings.HasPrefix(got, fmt.Sprintf("sent %d files (", len(site))) || !strings.Contains(got, "; removed 2 pages the site no longer has; 0 unchanged; 7 other files of yours left as they are") {
		t.Errorf("summary: %s", got)
	}
	if most := s.MostInFlight(); most > testControl.Jobs {
		t.Errorf("%d requests at once, more than %d", most, testControl.Jobs)
	}
	for _, batch := range s.Stored() {
		if len(batch) > testControl.Files {
			t.Errorf("a request of %d files, more than %d", len(batch), testControl.Files)
		}
	}
	// The upload went first, then a check of the list, then the deletion.
	var order []string
	for _, req := range s.Log() {
		if len(order) == 0 || order[len(order)-1] != req.Endpoint {
			order = append(order, req.Endpoint)
		}
	}
	if want := []string{"list", "upload", "list", "delete"}; !slices.Equal(order, want) {
		t.Errorf("requests in the order %v, want %v", order, want)
	}

	// Again: nothing read, nothing sent.
	before := len(s.Log())
	d.Progress = Progress{}
	p, r, err = deployAll(t, d)
	if err != nil || p.Sends() || p.Hashed != 0 || r.Sent != 0 {
		t.Errorf("a deploy of the same site: %v; plan sends %v, read %d files, sent %d", err, p.Sends(), p.Hashed, r.Sent)
	}
	if got := len(s.Log()) - before; got != 1 {
		t.Errorf("a deploy with nothing to do made %d requests, want 1 (the list)", got)
	}

	// One page changed, one new poem: exactly those files are sent.
	site["similar/3.html"] = "changed"
	site["similar/21.html"], site["different/21.html"] = "new", "new too"
	for _, name := range []string{"similar/3.html", "similar/21.html", "different/21.html"} {
		write(t, filepath.Join(dir, filepath.FromSlash(name)), site[name])
	}
	before = len(s.Stored())
	p, _, err = deployAll(t, d)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, batch := range s.Stored()[before:] {
		sent = append(sent, batch...)
	}
	slices.Sort(sent)
	if want := []string{"poems/different/21.html", "poems/similar/21.html", "poems/similar/3.html"}; !slices.Equal(sent, want) || p.Hashed != 3 {
		t.Errorf("sent %v after one change and one new poem (read %d files), want %v", sent, p.Hashed, want)
	}
	checkLive(t, s, "poems", site)
	checkLive(t, s, "", poetFiles)
}

// stored is the names the host stored, in all.
func stored(s *neocitiestest.Server) []string {
	var names []string
	for _, b := range s.Stored() {
		names = append(names, b...)
	}
	return names
}

func TestRateLimitWaitsWithoutShrinking(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.SetFault(neocitiestest.Times(3, neocitiestest.On("upload", neocitiestest.TooMany("0.3"))))
	site := pages(20, 10) // small files: batches are bounded by their count
	d := newDeploy(t, s, writeSite(t, site), "", site, key)
	d.Control.Jobs = 1
	start := time.Now()
	if _, _, err := deployAll(t, d); err != nil {
		t.Fatal(err)
	}
	checkLive(t, s, "", site)
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("the deploy took %s: it did not wait as the server asked", took)
	}
	// Every 429 was followed by 300 ms of nothing.
	log := s.Log()
	for i, req := range log[:len(log)-1] {
		if next := log[i+1]; req.Status == http.StatusTooManyRequests && next.At.Sub(req.End) < 290*time.Millisecond {
			t.Errorf("a request came %s after a 429 that asked for 300 ms", next.At.Sub(req.End))
		}
	}
	for _, b := range s.Stored()[:len(s.Stored())-1] {
		if len(b) != testControl.Files {
			t.Errorf("a batch of %d files after 429s: the batches shrank (want %d)", len(b), testControl.Files)
		}
	}
	if d.Progress.Retries() != 3 {
		t.Errorf("%d retries, want 3", d.Progress.Retries())
	}
}

func TestStrainHalvesTheBatches(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault neocitiestest.Fault
	}{
		{"500 with an HTML page", neocitiestest.ServerError()},
		{"a dropped connection", neocitiestest.Drop()},
		{"200 that is not JSON", neocitiestest.NotJSON()},
		{"no reply", neocitiestest.Stall()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := neocitiestest.New(t, key)
			s.SetFault(neocitiestest.Times(2, neocitiestest.On("upload", tc.fault)))
			site := pages(40, 10)
			d := newDeploy(t, s, writeSite(t, site), "", site, key)
			d.Client.Timeout = 300 * time.Millisecond
			d.Control.Jobs = 1
			if _, _, err := deployAll(t, d); err != nil {
				t.Fatal(err)
			}
			checkLive(t, s, "", site)
			batches := s.Stored()
			if len(batches[0]) > testControl.Files/4 {
				t.Errorf("the first batch that passed after two failures has %d files, want at most %d (halved twice)", len(batches[0]), testControl.Files/4)
			}
			if got := slices.MaxFunc(batches, func(a, b []string) int { return len(a) - len(b) }); len(got) != testControl.Files {
				t.Errorf("the batches never grew back to %d files: the largest has %d", testControl.Files, len(got))
			}
		})
	}
}

func TestTooLargeFindsTheLimit(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.SetMaxBody(2500)
	site := pages(20, 300) // 8 files of 300 bytes: 2,400 bytes and the parts' headers
	d := newDeploy(t, s, writeSite(t, site), "", site, key)
	if _, _, err := deployAll(t, d); err != nil {
		t.Fatal(err)
	}
	checkLive(t, s, "", site)
	refused := 0
	for _, req := range s.Log() {
		if req.Status == http.StatusRequestEntityTooLarge {
			refused++
		}
	}
	if refused == 0 || refused > 4 {
		t.Errorf("%d requests refused for their size, want a few: the batches should stay below what a 413 refused", refused)
	}
}

func TestFileAloneTooLarge(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.SetMaxBody(2500)
	site := pages(3, 10)
	site["similar/2.html"] = strings.Repeat("x", 3000)
	d := newDeploy(t, s, writeSite(t, site), "", site, key)
	_, _, err := deployAll(t, d)
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "similar/2.html: HTTP 413") || !strings.Contains(err.Error(), "alone is more than the server takes") {
		t.Fatalf("a file larger than the server takes: %v", err)
	}
	if n := s.Count("delete"); n > 0 {
		t.Errorf("%d deletions after a failed upload", n)
	}
}

func TestRefusedFileIsNamed(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.Refuse(func(p string) bool { return strings.HasSuffix(p, ".exe") })
	s.Put("similar/99.html", []byte("a page the site no longer has"))
	site := pages(10, 50)
	dir := writeSite(t, site)
	write(t, filepath.Join(dir, "tool.exe"), "MZ")
	d := newDeploy(t, s, dir, "", site, key)
	_, r, err := deployAll(t, d)
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "tool.exe: HTTP 400 invalid_file_type: tool.exe is not a valid file type") {
		t.Fatalf("deploy with a file the server refuses: %v", err)
	}
	if !strings.Contains(err.Error(), "Nothing was removed") || s.Files()["similar/99.html"] == "" || s.Count("delete") > 0 {
		t.Errorf("a page was removed although a file was not sent: %v", s.Deleted())
	}
	checkLive(t, s, "", site) // the others went
	if r.Sent != len(site) {
		t.Errorf("sent %d, want %d", r.Sent, len(site))
	}
}

func TestStopsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		key   string
		setup func(s *neocitiestest.Server)
		says  string
		kind  neocities.Kind
	}{
		{"wrong key", "wrong-key", nil, "invalid_auth", neocities.Unauthorized},
		{"full site", key, func(s *neocitiestest.Server) { s.SetLimits(100, 0) }, "too_large", neocities.Full},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := neocitiestest.New(t, key)
			if tc.setup != nil {
				tc.setup(s)
			}
			site := pages(10, 50)
			d := newDeploy(t, s, writeSite(t, site), "", site, tc.key)
			_, _, err := deployAll(t, d)
			var e *neocities.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("deploy: %v, want a failure of kind %d saying %q", err, tc.kind, tc.says)
			}
			if n := s.Count("upload"); n > testControl.Jobs {
				t.Errorf("%d uploads tried: the deploy went on", n)
			}
			if len(s.Files()) > 0 {
				t.Errorf("files stored: %v", s.Files())
			}
		})
	}
}

func TestServerDownGivesUp(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.SetFault(neocitiestest.On("upload", neocitiestest.ServerError()))
	site := pages(4, 10)
	d := newDeploy(t, s, writeSite(t, site), "", site, key)
	d.Control.GiveUp = 300 * time.Millisecond
	d.Control.Retries = 1000
	d.Control.Backoff = retry.Backoff{Base: 20 * time.Millisecond, Most: 50 * time.Millisecond}
	start := time.Now()
	_, _, err := deployAll(t, d)
	if err == nil || !strings.Contains(err.Error(), "no request has passed") {
		t.Fatalf("a server down: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %s", took)
	}
}

func TestInterruptedThenResumed(t *testing.T) {
	s := neocitiestest.New(t, key)
	site := pages(30, 100)
	dir := writeSite(t, site)
	d := newDeploy(t, s, dir, "poems", site, key)
	d.Control.Jobs = 1
	s.Put("poems/similar/99.html", []byte("a page the site no longer has"))
	ctx, cancel := context.WithCancel(context.Background())
	// Ctrl+C while the third upload is on its way.
	s.SetFault(neocitiestest.On("upload", func(w http.ResponseWriter, r *http.Request) bool {
		if len(s.Stored()) == 2 {
			io.Copy(io.Discard, r.Body) // then the server sees the client go
			cancel()
			<-r.Context().Done()
			return true
		}
		return false
	}))
	p, err := d.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := d.Publish(ctx, p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish stopped: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("stopping took %s", took)
	}
	first := stored(s)
	if r.Sent != len(first) || len(first) != 2*testControl.Files || s.Count("delete") > 0 {
		t.Fatalf("interrupted: sent %d (stored %d), %d deletions", r.Sent, len(first), s.Count("delete"))
	}

	s.SetFault(nil)
	d.Progress = Progress{}
	p, _, err = deployAll(t, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.New)+len(first) != len(site) || p.Same != len(first) {
		t.Errorf("the next deploy plans %d new and %d unchanged, after %d sent of %d", len(p.New), p.Same, len(first), len(site))
	}
	again := stored(s)[len(first):]
	for _, name := range again {
		if slices.Contains(first, name) {
			t.Errorf("%s sent twice", name)
		}
	}
	checkLive(t, s, "poems", site)
	if s.Files()["poems/similar/99.html"] != "" {
		t.Error("the stale page was not removed once every file was in place")
	}
}

func TestFileGoneBeforeItsRemoval(t *testing.T) {
	s := neocitiestest.New(t, key)
	site := pages(3, 10)
	for _, name := range []string{"similar/7.html", "similar/8.html", "similar/9.html"} {
		s.Put(name, []byte("stale"))
	}
	d := newDeploy(t, s, writeSite(t, site), "", site, key)
	p, err := d.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Removed by the poet by hand in the meantime: the API refuses a
	// deletion that names a missing file, all of it.
	if err := d.Client.Delete(context.Background(), []string{"similar/8.html"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Publish(context.Background(), p); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for _, name := range p.Prune {
		if s.Files()[name] != "" {
			t.Errorf("%s is still there", name)
		}
	}
}

func TestVerifyCatchesWhatTheServerDidNotKeep(t *testing.T) {
	s := neocitiestest.New(t, key)
	site := pages(3, 10)
	s.Put("similar/9.html", []byte("stale"))
	// A proxy that answers the API's success without passing the upload on.
	s.SetFault(neocitiestest.On("upload", func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":"success","message":"your file(s) have been successfully uploaded"}`))
		return true
	}))
	d := newDeploy(t, s, writeSite(t, site), "", site, key)
	_, _, err := deployAll(t, d)
	if err == nil || !strings.Contains(err.Error(), "does not list them") || s.Count("delete") > 0 {
		t.Fatalf("uploads the server did not keep: %v, %d deletions", err, s.Count("delete"))
	}
}

func TestBudget(t *testing.T) {
	s := neocitiestest.New(t, key)
	for name, data := range poetFiles {
		s.Put(name, []byte(data))
	}
	site := pages(5, 10)
	d := newDeploy(t, s, writeSite(t, site), "poems", site, key)
	p, err := d.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	files := len(site) + len(poetFiles)
	if p.After.Files != files {
		t.Errorf("afterwards %d files, want %d", p.After.Files, files)
	}
	// poems, poems/similar, poems/different, poems/images, poems/images/similar, images, similar
	if p.After.Dirs != 7 {
		t.Errorf("afterwards %d folders, want 7", p.After.Dirs)
	}
	b := budget.Budget{MaxFiles: files + 7 - 1, CountDirs: true}
	err = p.Fit(b)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d entries (files and directories), %d allowed", files+7, files+6)) {
		t.Errorf("Fit over the budget by one: %v", err)
	}
	b.MaxFiles++
	if err := p.Fit(b); err != nil {
		t.Errorf("Fit within the budget: %v", err)
	}
	if s.Count("upload") > 0 {
		t.Error("a plan sent files")
	}
}

func TestHashCache(t *testing.T) {
	s := neocitiestest.New(t, key)
	site := pages(5, 10)
	dir := writeSite(t, site)
	d := newDeploy(t, s, dir, "", site, key)
	p, err := d.Plan(context.Background())
	if err != nil || p.Hashed != len(site) {
		t.Fatalf("first plan: read %d files, %v", p.Hashed, err)
	}
	b, _ := os.ReadFile(d.Hashes)
	if !strings.HasPrefix(string(b), corpus.HashesMark) || strings.Count(string(b), "\n") != len(site)+2 {
		t.Errorf("the cache:\n%s", b)
	}
	if p, _ = d.Plan(context.Background()); p.Hashed != 0 {
		t.Errorf("second plan read %d files", p.Hashed)
	}
	write(t, filepath.Join(dir, "index.html"), "other")
	if p, _ = d.Plan(context.Background()); p.Hashed != 1 || len(p.New) != len(site) {
		t.Errorf("after one change: read %d files, want 1", p.Hashed)
	}
	// Another site's cache is no help.
	other := writeSite(t, site)
	d2 := newDeploy(t, s, other, "", site, key)
	d2.Hashes = d.Hashes
	if p, _ = d2.Plan(context.Background()); p.Hashed != len(site) {
		t.Errorf("another site read %d files", p.Hashed)
	}
	// A file in the way that is not a cache is left alone.
	write(t, d.Hashes, "my notes")
	if _, err := d.Plan(context.Background()); !errors.Is(err, atomicfile.ErrNotOurs) {
		t.Errorf("a file of the user's in the cache's place: %v", err)
	}
}

func TestCleanDir(t *testing.T) {
	for in, want := range map[string]string{"": "", "/": "", "poems": "poems", "/poems/": "poems", "a/b": "a/b"} {
		if got, err := CleanDir(in); got != want || err != nil {
			t.Errorf("CleanDir(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"..", "a/../b", "a//b", ".hidden", "a/./b", "a\nb", `a\b`} {
		if _, err := CleanDir(bad); err == nil || !strings.Contains(err.Error(), "DEPLOY_DIR") {
			t.Errorf("CleanDir(%q): %v", bad, err)
		}
	}
}
