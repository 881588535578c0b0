package neocities_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pagegen/internal/neocities"
	"pagegen/internal/neocities/neocitiestest"
)

const key = "k3y-s3cr3t-0123456789"

func client(t *testing.T, s *neocitiestest.Server, k string) *neocities.Client {
	t.Helper()
	c, err := neocities.New(s.URL, k, 2)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// local writes files (name → content) under a folder and returns them as uploads.
func local(t *testing.T, files map[string]string) []neocities.Upload {
	t.Helper()
	dir := t.TempDir()
	var ups []neocities.Upload
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		ups = append(ups, neocities.Upload{Remote: "poems/" + name, Local: p, Size: int64(len(data))})
	}
	return ups
}

func sum(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestRoundTrip(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.Put("about.html", []byte("about me"))
	c := client(t, s, key)
	ctx := context.Background()
	files := map[string]string{"index.html": "<html>index</html>", "similar/1.html": "one", "similar/2.html": "", "a b/ü \"q\".html": "odd name"}
	if err := c.Upload(ctx, local(t, files)); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if got := s.Stored(); len(got) != 1 || len(got[0]) != len(files) {
		t.Fatalf("stored %v: want one request with %d files", got, len(files))
	}
	list, err := c.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	got := map[string]string{}
	dirs := map[string]bool{}
	for _, f := range list {
		if f.IsDirectory {
			dirs[f.Path] = true
		} else {
			got[f.Path] = f.SHA1
		}
	}
	for name, data := range files {
		if got["poems/"+name] != sum(data) {
			t.Errorf("poems/%s: listed with SHA-1 %q, want %q", name, got["poems/"+name], sum(data))
		}
	}
	if got["about.html"] != sum("about me") || !dirs["poems"] || !dirs["poems/similar"] {
		t.Errorf("the list lacks the site's own file or the folders: %v %v", got, dirs)
	}
	if err := c.Delete(ctx, []string{"poems/similar/1.html", "poems/similar/2.html"}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if f := s.Files(); f["poems/similar/1.html"] != "" || f["poems/index.html"] == "" {
		t.Errorf("after the deletion: %v", f)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Sitename != "poet" {
		t.Errorf("Info = %+v, %v", info, err)
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   neocitiestest.Fault
		maxBody int64
		refuse  bool
		key     string
		want    neocities.Kind
		says    string
	}{
		{name: "429", fault: neocitiestest.TooMany("7"), want: neocities.RateLimited, says: "HTTP 429"},
		{name: "500 HTML", fault: neocitiestest.ServerError(), want: neocities.Overloaded, says: "500 Internal Server Error"},
		{name: "413", maxBody: 100, want: neocities.Overloaded, says: "HTTP 413"},
		{name: "dropped", fault: neocitiestest.Drop(), want: neocities.Overloaded, says: "dropped the connection"},
		{name: "200 not JSON", fault: neocitiestest.NotJSON(), want: neocities.Overloaded, says: "an HTML page instead of the API's reply: Neocities is down for maintenance"},
		{name: "wrong key", key: "wrong-" + key, want: neocities.Unauthorized, says: "invalid_auth"},
		{name: "refused file", refuse: true, want: neocities.Refused, says: "poems/x.exe is not a valid file type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := neocitiestest.New(t, key)
			s.SetFault(tc.fault)
			s.SetMaxBody(tc.maxBody)
			if tc.refuse {
				s.Refuse(func(p string) bool { return strings.HasSuffix(p, ".exe") })
			}
			k := key
			if tc.key != "" {
				k = tc.key
			}
			err := client(t, s, k).Upload(context.Background(), local(t, map[string]string{"x.exe": strings.Repeat("x", 1000), "y.html": "y"}))
			var e *neocities.Error
			if !errors.As(err, &e) {
				t.Fatalf("Upload: %v, want a *neocities.Error", err)
			}
			if e.Kind != tc.want || !strings.Contains(e.Error(), tc.says) {
				t.Errorf("Upload: kind %d, %q; want kind %d saying %q", e.Kind, e.Error(), tc.want, tc.says)
			}
			if tc.want == neocities.RateLimited && e.RetryAfter != 7*time.Second {
				t.Errorf("Retry-After: %s, want 7s", e.RetryAfter)
			}
			if strings.Contains(e.Error(), key) || strings.Contains(e.Error(), "<html") {
				t.Errorf("the message shows the key or the page: %q", e.Error())
			}
			if len(s.Files()) != 0 {
				t.Errorf("a failed upload stored files: %v", s.Files())
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.SetFault(neocitiestest.Stall())
	c := client(t, s, key)
	c.Timeout, c.MinRate = 200*time.Millisecond, 0
	start := time.Now()
	_, err := c.List(context.Background())
	var e *neocities.Error
	if !errors.As(err, &e) || e.Kind != neocities.Overloaded || !strings.Contains(err.Error(), "no reply within") {
		t.Fatalf("List from a server that does not answer: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %s", took)
	}
	// Ctrl+C is the caller's end, not a failure of the server's.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	c.Timeout = time.Minute
	if _, err := c.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("List cancelled: %v, want context.Canceled", err)
	}
}

func TestUnreachableAndWrongAddress(t *testing.T) {
	s := neocitiestest.New(t, key)
	url := s.URL
	s.Close()
	c, err := neocities.New(url, key, 1)
	if err != nil {
		t.Fatal(err)
	}
	var e *neocities.Error
	if _, err := c.List(context.Background()); !errors.As(err, &e) || e.Kind != neocities.Unreachable {
		t.Errorf("List from a closed server: %v, want Unreachable", err)
	}

	s = neocitiestest.New(t, key)
	c, _ = neocities.New(s.URL+"/somewhere", key, 1)
	if _, err := c.List(context.Background()); !errors.As(err, &e) || e.Kind != neocities.Fatal || !strings.Contains(err.Error(), "NEOCITIES_URL") {
		t.Errorf("List at a path without the API: %v, want Fatal naming NEOCITIES_URL", err)
	}

	for _, bad := range []string{"neocities.org", "ftp://neocities.org", "http://neocities.org", "https://"} {
		if _, err := neocities.New(bad, key, 1); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	if _, err := neocities.New("https://user:secret@neocities.org?x", key, 1); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("New with a password in the address: %v", err)
	}
	for _, k := range []string{"", "two words", "line\nbreak"} {
		if _, err := neocities.New("https://neocities.org", k, 1); err == nil {
			t.Errorf("New accepted the key %q", k)
		}
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	s := neocitiestest.New(t, key)
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, "https://elsewhere.example/api/list", http.StatusMovedPermanently)
		return true
	})
	_, err := client(t, s, key).List(context.Background())
	var e *neocities.Error
	if !errors.As(err, &e) || e.Kind != neocities.Fatal || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Errorf("List redirected: %v, want Fatal naming the new address", err)
	}
}

func TestFindKey(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	if _, _, err := neocities.FindKey(getenv); err == nil || !strings.Contains(err.Error(), "NEOCITIES_API_KEY") || !strings.Contains(err.Error(), "https://neocities.org/settings") {
		t.Errorf("no key anywhere: %v", err)
	}
	config := filepath.Join(home, ".config", "neocities", "config.json")
	os.MkdirAll(filepath.Dir(config), 0o700)
	os.WriteFile(config, []byte(`{"API_KEY":"from-the-cli","SITENAME":"poet"}`), 0o600)
	if k, from, err := neocities.FindKey(getenv); k != "from-the-cli" || from != config || err != nil {
		t.Errorf("the CLI's key: %q from %q, %v", k, from, err)
	}
	env["NEOCITIES_API_KEY"] = " from-the-env\n"
	if k, from, err := neocities.FindKey(getenv); k != "from-the-env" || from != "NEOCITIES_API_KEY" || err != nil {
		t.Errorf("the environment's key: %q from %q, %v", k, from, err)
	}
	delete(env, "NEOCITIES_API_KEY")
	os.WriteFile(config, []byte(`{"API_KEY": 12345678}`), 0o600)
	if _, _, err := neocities.FindKey(getenv); err == nil || strings.Contains(err.Error(), "12345678") {
		t.Errorf("a config file that is not the CLI's: %v", err)
	}
}

// The stand-in lists one folder, without going down, with ?path=, as the API does.
func TestStandInListsOneFolder(t *testing.T) {
	s := neocitiestest.New(t, key)
	for _, name := range []string{"index.html", "poems/index.html", "poems/similar/1.html"} {
		s.Put(name, []byte(name))
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/list?path=poems", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply struct {
		Result string
		Files  []neocities.File
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range reply.Files {
		got = append(got, fmt.Sprintf("%s %v %s", f.Path, f.IsDirectory, f.SHA1))
	}
	want := []string{"poems/index.html false " + sum("poems/index.html"), "poems/similar true "}
	if reply.Result != "success" || !slices.Equal(got, want) {
		t.Errorf("list?path=poems: %q %q, want %q", reply.Result, got, want)
	}
}

// A file of the site that cannot be read is said as such, not as the server's failure.
func TestUploadUnreadableFile(t *testing.T) {
	s := neocitiestest.New(t, key)
	ups := local(t, map[string]string{"a.html": "aaa", "b.html": "bbb"})
	os.Remove(ups[1].Local)
	err := client(t, s, key).Upload(context.Background(), ups)
	var e *neocities.Error
	if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), ups[1].Local) {
		t.Errorf("Upload of a file gone: %v, want a local error naming it", err)
	}
	if len(s.Files()) != 0 {
		t.Errorf("stored %v", s.Files())
	}
}
