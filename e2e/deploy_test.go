//go:build linux

package e2e

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"pagegen/internal/neocities/neocitiestest"
)

// deployKey is the stand-in site's API key: it must appear in no output and no file.
const deployKey = "e2e-neocities-key-7f3a9c1d5b"

// deployEnv is the environment of a make deploy with env added: no key
// of the machine's own, and no config file of the CLI's.
func (b *build) deployEnv(env []string) []string {
	return append([]string{"NEOCITIES_API_KEY=", "HOME=" + b.path("home"), "XDG_CONFIG_HOME="}, env...)
}

// deployMake runs make with extra environment (the key) and returns what
// it said and its exit status.
func (b *build) deployMake(env []string, args ...string) (string, int) {
	b.t.Helper()
	cmd := b.command(args...)
	cmd.Env = append(os.Environ(), b.deployEnv(env)...)
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return string(out), exitErr.ExitCode()
	}
	if err != nil {
		b.t.Fatal(err)
	}
	return string(out), 0
}

// published is the SHA-1 of every file the site publishes (not hidden), by name.
func published(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	for name, data := range siteFiles(t, dir) {
		if strings.HasPrefix(filepath.Base(name), ".") {
			continue
		}
		h := sha1.Sum(data)
		sums[name] = hex.EncodeToString(h[:])
	}
	return sums
}

// stored is the names the host stored, in all.
func stored(s *neocitiestest.Server) []string {
	var names []string
	for _, batch := range s.Stored() {
		names = append(names, batch...)
	}
	return names
}

func sha1Hex(data string) string {
	h := sha1.Sum([]byte(data))
	return hex.EncodeToString(h[:])
}

// TestDeploy publishes the sample to a stand-in Neocities through the real
// make: the whole site first, among the poet's other files; then, after a
// poem is edited, exactly the files whose bytes changed. The poet's files
// stay, the site's stale pages go, and the key is in no output and no file.
func TestDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and publishes the sample site")
	}
	b := newBuild(t)
	s := neocitiestest.New(t, deployKey)
	poet := map[string]string{
		"index.html":             "the poet's home page",
		"about.html":             "about me",
		"images/cat.png":         "\x89PNG cat",
		"poems/similar/001.html": "the old site's page, named otherwise",
		"similar/12.html":        "a page name, outside DEPLOY_DIR",
	}
	for name, data := range poet {
		s.Put(name, []byte(data))
	}
	s.Put("poems/similar/9999.html", []byte("a poem long gone from the collection"))
	s.Put("poems/different/1-3.html", []byte("a chapter no longer kept"))
	env := []string{"NEOCITIES_API_KEY=" + deployKey}
	vars := []string{"-j2", "deploy", "PER_PAGE=20", "CHAPTERS=2", "HOST=neocities", "NEOCITIES_URL=" + s.URL, "DEPLOY_DIR=poems"}
	var outputs []string

	out, code := b.deployMake(env, vars...)
	outputs = append(outputs, out)
	if code != 0 {
		t.Fatalf("make deploy: exit %d\n%s", code, out)
	}
	site := published(t, b.path("site"))
	if len(site) != 206*2*2+11+1 {
		t.Errorf("the site has %d files, want %d", len(site), 206*2*2+11+1)
	}
	live := s.Files()
	for name, sum := range site {
		if live["poems/"+name] != sum {
			t.Errorf("poems/%s: not published as built", name)
		}
	}
	for name, data := range poet {
		if live[name] != sha1Hex(data) {
			t.Errorf("%s, the poet's, was changed or removed", name)
		}
	}
	if len(live) != len(site)+len(poet) {
		t.Errorf("the host has %d files, want the site's %d and the poet's %d: %v", len(live), len(site), len(poet), slices.Sorted(maps.Keys(live)))
	}
	if got := s.Deleted(); !slices.Equal(got, []string{"poems/different/1-3.html", "poems/similar/9999.html"}) || len(s.DeletedDirs()) > 0 {
		t.Errorf("deleted %v and the folders %v, want the two stale pages alone", got, s.DeletedDirs())
	}
	if !strings.Contains(out, "poet.neocities.org/poems") || !strings.Contains(out, fmt.Sprintf("sent %d files", len(site))) {
		t.Errorf("make deploy does not say where and what it sent:\n%s", out)
	}

	// Nothing changed: the plan alone, and nothing sent.
	uploads := s.Count("upload")
	out, code = b.deployMake(env, append(vars, "DRY_RUN=1")...)
	outputs = append(outputs, out)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("unchanged:   %d files", len(site))) || !strings.Contains(out, "nothing was sent or removed") || s.Count("upload") != uploads {
		t.Errorf("make deploy DRY_RUN=1 on the published site (exit %d):\n%s", code, out)
	}

	// A poem edited: the build rewrites the pages that show it, and the
	// deploy sends exactly those.
	poems, err := os.ReadFile(b.path("poems.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(poems, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc["poems"].([]any)[41].(map[string]any)
	p["content"] = p["content"].(string) + "\nA line the poet added."
	edited, _ := json.Marshal(doc)
	b.write("poems.json", edited)
	out, code = b.deployMake(env, append(vars, "DRY_RUN=1")...)
	outputs = append(outputs, out)
	if code != 0 || s.Count("upload") != uploads {
		t.Fatalf("make deploy DRY_RUN=1 after an edit sent files (exit %d):\n%s", code, out)
	}
	rebuilt := published(t, b.path("site"))
	var changed []string
	for name, sum := range rebuilt {
		if site[name] != sum {
			changed = append(changed, "poems/"+name)
		}
	}
	slices.Sort(changed)
	if len(changed) == 0 || len(changed) > len(site)/4 {
		t.Fatalf("the edit changed %d of the %d files", len(changed), len(site))
	}
	before := len(s.Stored())
	out, code = b.deployMake(env, vars...)
	outputs = append(outputs, out)
	if code != 0 {
		t.Fatalf("make deploy after an edit: exit %d\n%s", code, out)
	}
	var sent []string
	for _, batch := range s.Stored()[before:] {
		sent = append(sent, batch...)
	}
	slices.Sort(sent)
	if !slices.Equal(sent, changed) {
		t.Errorf("sent %d files after the edit, want exactly the %d that changed:\nsent    %v\nchanged %v", len(sent), len(changed), sent, changed)
	}
	live = s.Files()
	for name, data := range poet {
		if live[name] != sha1Hex(data) {
			t.Errorf("%s, the poet's, was changed or removed", name)
		}
	}

	// Ctrl+C while files are on their way to another site: make deploy
	// stops at once, removes nothing, and the next sends only the rest.
	other := neocitiestest.New(t, deployKey)
	other.Put("similar/9999.html", []byte("a page the site no longer has"))
	other.SetFault(neocitiestest.On("upload", func(w http.ResponseWriter, r *http.Request) bool {
		if len(other.Stored()) < 2 {
			return false
		}
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // no reply: the uploads hang until Ctrl+C
		return true
	}))
	otherVars := append(slices.Clone(vars[:len(vars)-2]), "NEOCITIES_URL="+other.URL)
	run := b.startRun(b.deployEnv(env), otherVars...)
	if !run.until(2*time.Minute, func() bool { return len(other.Stored()) >= 2 && other.Count("upload") > 2 }) {
		t.Fatalf("make deploy did not get to its third upload:\n%s", run.out.String())
	}
	run.signal(syscall.SIGINT)
	start := time.Now()
	err = run.wait(t, hangLimit)
	t.Logf("Ctrl+C: make deploy ended in %s", time.Since(start).Round(time.Millisecond))
	out = run.out.String()
	outputs = append(outputs, out)
	if err == nil || !strings.Contains(out, "interrupted: ") || !strings.Contains(out, "Run make deploy again") {
		t.Errorf("make deploy stopped by Ctrl+C (%v):\n%s", err, out)
	}
	first := stored(other)
	if other.Count("delete") > 0 || len(first) == 0 || len(first) == len(site) {
		t.Errorf("after Ctrl+C: %d of %d files stored, %d deletions", len(first), len(site), other.Count("delete"))
	}
	other.SetFault(nil)
	out, code = b.deployMake(env, otherVars...)
	outputs = append(outputs, out)
	if code != 0 {
		t.Fatalf("make deploy after Ctrl+C: exit %d\n%s", code, out)
	}
	if again := stored(other)[len(first):]; len(again)+len(first) != len(site) || slices.ContainsFunc(again, func(n string) bool { return slices.Contains(first, n) }) {
		t.Errorf("after Ctrl+C, the next deploy sent %d files, %d had been: want only the rest", len(again), len(first))
	}
	if other.Files()["similar/9999.html"] != "" {
		t.Error("the stale page was not removed once every file was sent")
	}

	// A wrong key stops at once, naming where the key comes from.
	out, code = b.deployMake([]string{"NEOCITIES_API_KEY=not-" + deployKey}, vars...)
	outputs = append(outputs, out)
	if code == 0 || !strings.Contains(out, "refused the API key from NEOCITIES_API_KEY") || !strings.Contains(out, "https://neocities.org/settings") {
		t.Errorf("make deploy with a wrong key (exit %d):\n%s", code, out)
	}
	// No key at all.
	out, code = b.deployMake(nil, vars...)
	outputs = append(outputs, out)
	if code == 0 || !strings.Contains(out, "no Neocities API key") {
		t.Errorf("make deploy without a key (exit %d):\n%s", code, out)
	}
	// The key on make's command line, where any user sees it, is refused.
	out, code = b.deployMake(nil, append(vars, "NEOCITIES_API_KEY="+deployKey)...)
	if code == 0 || !strings.Contains(out, "make's command line") {
		t.Errorf("make deploy NEOCITIES_API_KEY=... (exit %d):\n%s", code, out)
	}
	if strings.Contains(out, deployKey) {
		t.Errorf("make deploy with the key on its command line shows it:\n%s", out)
	}

	// The key is in no output, and no file of the build's.
	for _, o := range outputs {
		if strings.Contains(o, deployKey) {
			t.Errorf("the key is in make deploy's output:\n%s", o)
		}
	}
	filepath.WalkDir(b.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := os.ReadFile(path); err == nil && bytes.Contains(data, []byte(deployKey)) {
				t.Errorf("the key is in %s", path)
			}
		}
		return nil
	})
	// make clean removes the hash cache with the rest.
	if _, err := os.Stat(b.path("data/.deploy-sha1")); err != nil {
		t.Errorf("no hash cache beside the corpus: %v", err)
	}
	b.mustMake("clean")
	if _, err := os.Stat(b.path("data/.deploy-sha1")); err == nil {
		t.Error("make clean left the hash cache")
	}
}
