package site

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"pagegen/internal/atomicfile"
	"pagegen/internal/quote"
)

// The build writes and removes files in the site's folders by their names.
// Another user of the machine who could change those folders under it, or
// plant a link where the site has a folder, could have it write pages into,
// or delete files from, a folder of the user's (a private one, say). So a
// site's folders must be the user's own and writable by no one else, no
// link inside the site is ever followed, and the site must not be in a
// folder where anyone may replace it.

// checkFolders refuses a site in out (which exists) whose folders another
// user could change: out, or the folder its link names, not the user's or
// writable by others; a link made by another user for out; a link or a file
// where the site has a folder (similar/, different/); a folder above out
// that every user may write to and that is not sticky (as /tmp is).
func checkFolders(out string) error {
	if err := checkAbove(out); err != nil {
		return err
	}
	li, err := os.Lstat(out)
	if err != nil {
		return fmt.Errorf("OUT=%s: %w", quote.Name(out), err)
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		if uid := owner(li); uid != os.Geteuid() && uid != 0 {
			return fmt.Errorf("OUT=%s is a symbolic link made by another user (%s): the build follows only your own links to a site folder: give OUT the folder itself, or a link of your own", quote.Name(out), userName(uid))
		}
	}
	fi, err := os.Stat(out)
	if err != nil {
		return fmt.Errorf("OUT=%s: %w", quote.Name(out), err)
	}
	if err := checkFolder("OUT="+out, fi); err != nil {
		return err
	}
	for _, d := range Dirs[1:] {
		path := filepath.Join(out, d)
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("checking the site's folder: %w", err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: the build never follows a link inside the site (it would write and remove pages wherever it leads): remove the link, and the build makes the folder", quote.Name(path))
		case !fi.IsDir():
			return fmt.Errorf("%s is %s where the site has a folder: move it away", quote.Name(path), atomicfile.Kind(fi.Mode()))
		}
		if err := checkFolder(path, fi); err != nil {
			return err
		}
	}
	return nil
}

// checkFolder refuses a folder of the site that is not the user's, or that
// others may write to: anyone, or a group other than the user's own.
func checkFolder(name string, fi fs.FileInfo) error {
	if uid := owner(fi); uid != os.Geteuid() {
		return fmt.Errorf("%s belongs to another user (%s): a site's folders must be your own, or another user could have the build write and remove files where they choose: give OUT a folder of your own", quote.Name(name), userName(uid))
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode().Perm()&0o002 != 0:
		return fmt.Errorf("%s may be written by every user (mode %v): another user could put a link there that the build would follow: chmod o-w it, or give OUT a folder of your own", quote.Name(name), fi.Mode().Perm())
	case fi.Mode().Perm()&0o020 != 0 && st != nil && int(st.Gid) != os.Getegid():
		return fmt.Errorf("%s may be written by the group %s (mode %v), not yours alone: chmod g-w it, or give OUT a folder of your own", quote.Name(name), groupName(int(st.Gid)), fi.Mode().Perm())
	}
	return nil
}

// checkAbove refuses a site in a folder that every user may write to and
// that is not sticky: anyone could rename the site away and put a link to
// another folder in its place. A sticky folder (/tmp) lets only the owner
// of an entry rename or remove it.
func checkAbove(out string) error {
	abs, err := realPath(out)
	if err != nil {
		return fmt.Errorf("OUT=%s: %w", quote.Name(out), err)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil {
			if m := fi.Mode(); m.Perm()&0o002 != 0 && m&fs.ModeSticky == 0 {
				return fmt.Errorf("OUT=%s is in %s, which every user may write to (mode %v, not sticky): another user could put a folder of their choosing in the site's place: give OUT a folder elsewhere", quote.Name(out), quote.Name(dir), m.Perm())
			}
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// owner is the user id that owns fi.
func owner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// userName names user id uid for messages: its name and number.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return fmt.Sprintf("%s, uid %d", quote.Name(u.Username), uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

// groupName names group id gid for messages.
func groupName(gid int) string {
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		return fmt.Sprintf("%s (gid %d)", quote.Name(g.Name), gid)
	}
	return fmt.Sprintf("gid %d", gid)
}
