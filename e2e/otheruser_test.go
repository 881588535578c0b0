//go:build linux

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pagegen/internal/embedding/embeddingtest"
)

// nobody is the other local user of these tests: uid and gid 65534.
const nobody = 65534

// TestAnotherLocalUser: another user of the machine, who shares a folder
// such as /tmp with the poet, tries to have the poet's build write or
// remove files where they choose, to block it, or to read its secrets.
// Each case is an input and a fault; the poet's files compared are checked,
// and one changed, removed or written is lost. The other user's commands
// run as uid 65534, which needs root (as the machine and CI run the tests).
func TestAnotherLocalUser(t *testing.T) {
	tl := newTally(t)
	if os.Geteuid() != 0 {
		tl.skip(t, "needs root, to run commands as another user (uid %d)", nobody)
	}
	for _, c := range []struct {
		name string
		test func(t *testing.T, tl *tally)
	}{
		{"a site folder of theirs whose similar/ leads to a private folder", theirSiteLinked},
		{"a site folder of the poet's that every user may write to", worldWritableSite},
		{"the site folder made by them before the poet's build", siteMadeFirst},
		{"their locks on the poet's folders", lockedByThem},
		{"progress faked by another process, of theirs or of the poet's", fakedProgress},
		{"the command lines of make embeddings, with a password in EMBED_URL", commandLines},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl.input()
			tl.fault()
			c.test(t, tl)
		})
	}
}

// shared is a folder every user may write to, sticky, as /tmp is: the
// place the poet and the other user share.
func shared(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pagegen-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return dir
}

// nobodyCmd is a command run as the other user.
func nobodyCmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
	return cmd
}

// asNobody runs a command as the other user, failing the test if it fails.
func asNobody(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := nobodyCmd(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("as uid %d: %s %s: %v\n%s", nobody, name, strings.Join(args, " "), err, out)
	}
}

// readable lets every user into the build's folder, as a poet's home and
// repository usually are: the test's temporary folders are the test's alone.
func readable(t *testing.T, b *build) {
	t.Helper()
	for _, d := range []string{b.dir, filepath.Dir(b.dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// private is a folder of the poet's that only they may read, with pages
// of their own in it.
func private(t *testing.T, b *build) string {
	t.Helper()
	dir := b.path("private")
	b.write("private/7.html", []byte("the poet's own page"))
	b.write("private/1234.html", []byte("another"))
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// refusedUntouched runs make with args, which must fail saying want, and
// checks that the poet's folder dir is as it was.
func refusedUntouched(t *testing.T, tl *tally, b *build, dir, want string, args ...string) {
	t.Helper()
	before := sums(t, dir)
	out, err := b.make(append([]string{"-j2"}, args...)...)
	tl.noTrace(t, "make", out)
	if err == nil {
		t.Errorf("make %s succeeded:\n%s", strings.Join(args, " "), out)
	} else if !strings.Contains(out, want) {
		t.Errorf("make %s does not say %q:\n%s", strings.Join(args, " "), want, out)
	}
	after := sums(t, dir)
	tl.checkedN(len(before))
	for name, sum := range before {
		if got, ok := after[name]; !ok || got != sum {
			tl.lose(t, "%s, in the poet's folder, was changed or removed by make %s", name, strings.Join(args, " "))
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			tl.lose(t, "%s was written in the poet's folder by make %s", name, strings.Join(args, " "))
		}
	}
}

// theirSiteLinked: the other user makes a site folder, with a stamp, in
// the shared place, its similar/ a link to a private folder of the poet's;
// the poet's build, clean-similar and clean are pointed at it.
func theirSiteLinked(t *testing.T, tl *tally) {
	b := newBuild(t)
	mine := private(t, b)
	site := filepath.Join(shared(t), "site")
	asNobody(t, "sh", "-c", `mkdir "$1" && printf 'pagegen site\n' > "$1/.pagegen-site" && ln -s "$2" "$1/similar"`, "sh", site, mine)
	for _, goal := range []string{"all", "clean-similar", "clean"} {
		refusedUntouched(t, tl, b, mine, "belongs to another user", goal, "OUT="+site)
	}
}

// worldWritableSite: the poet's site folder may be written by every user
// (made under umask 0); the other user puts a link for similar/ in it.
func worldWritableSite(t *testing.T, tl *tally) {
	b := newBuild(t)
	mine := private(t, b)
	site := filepath.Join(shared(t), "site")
	b.mustMake("-j2", "index", "OUT="+site)
	if err := os.Chmod(site, 0o777); err != nil {
		t.Fatal(err)
	}
	asNobody(t, "ln", "-s", mine, filepath.Join(site, "similar"))
	for _, goal := range []string{"all", "clean-similar", "clean"} {
		refusedUntouched(t, tl, b, mine, "may be written by every user", goal, "OUT="+site)
	}
}

// siteMadeFirst: the other user makes the folder the poet's site is to go
// to in the shared place, before the poet's first build.
func siteMadeFirst(t *testing.T, tl *tally) {
	b := newBuild(t)
	mine := private(t, b)
	site := filepath.Join(shared(t), "site")
	asNobody(t, "sh", "-c", `mkdir -m 777 "$1" && ln -s "$2" "$1/similar"`, "sh", site, mine)
	refusedUntouched(t, tl, b, mine, "belongs to another user", "all", "OUT="+site)
}

// lockedByThem: the other user, who may read the poet's folders, holds
// locks on them (flock -s data), and tries to take the build's own lock
// files. The poet's build must neither wait for them nor fail.
func lockedByThem(t *testing.T, tl *tally) {
	want := reference(t)
	b := newBuild(t)
	b.mustMake("-j2", "all")
	readable(t, b)
	for _, dir := range []string{"data", "site"} {
		if out, err := nobodyCmd("flock", "-n", b.path(dir+"/"+lockFile), "true").CombinedOutput(); err == nil {
			t.Errorf("the other user took the lock file of %s:\n%s", dir, out)
		}
		hold := nobodyCmd("flock", "-s", b.path(dir), "sleep", "600")
		if err := hold.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { hold.Process.Kill(); hold.Wait() })
		for deadline := time.Now().Add(hangLimit); !strings.Contains(readFile(t, "/proc/locks"), fmt.Sprintf(" %d ", hold.Process.Pid)); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("flock -s %s as the other user took no lock", dir)
			}
		}
	}
	if err := os.RemoveAll(b.path("site/different")); err != nil {
		t.Fatal(err)
	}
	r := b.startRun(nil, "-j2", "all")
	if r.until(hangLimit, func() bool { return strings.Contains(r.out.String(), "waiting for it to finish") }) {
		tl.hang(t, "the poet's build waits for the other user's lock:\n%s", r.out.String())
	}
	if err := r.wait(t, hangLimit); err != nil {
		t.Errorf("make: %v\n%s", err, r.out.String())
	}
	tl.noTrace(t, "make", r.out.String())
	checkSite(t, tl, want, b, true)
}

// readFile is a file's contents, "" if it cannot be read.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

// fakedProgress: while the poet's build writes pages, another process looks
// for its progress socket, as anyone can in /proc/net/unix, and sends it a
// page's failure with escape sequences, and bytes beyond belief. The build
// must show none of it and succeed. (The socket has no name now, so none
// is found; another user's datagrams were dropped before already, so the
// process here is of the poet's own user, which is the harder case.)
func fakedProgress(t *testing.T, tl *tally) {
	want := reference(t)
	b := newBuild(t)
	r := b.startRun(nil, "-j2", "all")
	if !r.pauseWhen(hangLimit, func() bool { return r.has("page") }) {
		t.Fatalf("the build wrote no page:\n%s", r.out.String())
	}
	fake := "fail\tsimilar/1\t0\t0\t0\t\x1b[2JFAKED \x1b]0;owned\x07"
	huge := "done\tsimilar/2\t1\t0\t1000000000000000000\t"
	for _, name := range progressSockets(t) {
		c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
		if err != nil {
			continue
		}
		c.Write([]byte(fake))
		c.Write([]byte(huge))
		c.Close()
	}
	r.resume()
	if err := r.wait(t, hangLimit); err != nil {
		t.Errorf("make: %v\n%s", err, r.out.String())
	}
	out := r.out.String()
	tl.noTrace(t, "make", out)
	tl.checkedN(1)
	if strings.Contains(out, "FAKED") || strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "GB") {
		tl.lose(t, "the build's output shows what another process sent its progress socket:\n%q", out)
	}
	checkSite(t, tl, want, b, true)
}

// progressSockets lists the names of the Unix sockets of pagegen's
// progress that /proc/net/unix shows (abstract ones begin with @).
func progressSockets(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(readFile(t, "/proc/net/unix"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && strings.Contains(f[len(f)-1], "pagegen") {
			names = append(names, f[len(f)-1])
		}
	}
	return names
}

// commandLines: while make embeddings waits for its server, the other user
// reads the command line of each of its processes, as any user may in
// /proc: the password in EMBED_URL, which the poet exported, is in none.
func commandLines(t *testing.T, tl *tally) {
	b := newBuild(t)
	release := make(chan struct{})
	var once sync.Once
	asked := make(chan struct{})
	srv := embeddingtest.New(t, "ollama", "gemma", func(w http.ResponseWriter, r *http.Request, n int, texts []string) bool {
		once.Do(func() { close(asked) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return false
	})
	r := b.startRun([]string{"EMBED_URL=" + withPassword(srv.URL)}, "embeddings", "EMBED_MODEL=gemma")
	defer close(release)
	select {
	case <-asked:
	case <-time.After(hangLimit):
		t.Fatalf("make embeddings sent no request:\n%s", r.out.String())
	}
	var paths []string
	for _, p := range alive(group(r.pgid)) {
		paths = append(paths, fmt.Sprintf("/proc/%d/cmdline", p.pid))
	}
	if len(paths) < 2 {
		t.Fatalf("make embeddings runs %d processes, want make and embed", len(paths))
	}
	out, err := nobodyCmd("cat", paths...).CombinedOutput()
	if err != nil {
		t.Fatalf("the other user cannot read the command lines: %v\n%s", err, out)
	}
	noSecret(t, tl, "a command line of make embeddings", string(out))
	tl.checkedN(len(paths) - 1)
}
