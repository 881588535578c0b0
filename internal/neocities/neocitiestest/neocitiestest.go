// Package neocitiestest is a stand-in for the Neocities API in tests, as
// net/http/httptest is for servers. It keeps a site in memory (each file's
// SHA-1 and size, and its folders), answers GET /api/list, POST
// /api/upload, POST /api/delete and GET /api/info in the API's shapes and
// with its rules (an upload or a deletion is all or nothing; a deleted
// folder goes with everything in it), logs every request, and lets a test
// inject the faults a real server and the proxies before it show: 429 with
// Retry-After, 500 with an HTML page, 413 for a body over a limit, a
// dropped connection, a 200 whose body is not JSON, no reply at all.
package neocitiestest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a stand-in Neocities site and its API.
type Server struct {
	*httptest.Server
	Key      string // the site's API key: any other is refused (403)
	Sitename string

	mu       sync.Mutex
	files    map[string]File
	dirs     map[string]bool
	fault    Fault
	maxBody  int64
	refuse   func(path string) bool
	quota    int64
	maxFiles int
	log      []Request
	inFlight int
	most     int      // the most requests in flight at once
	dirsGone []string // folders deleted
}

// File is a file of the stand-in site.
type File struct {
	SHA1    string
	Size    int64
	Updated time.Time
}

// Request is what the server saw of one request, and what it answered.
type Request struct {
	Method   string
	Endpoint string // "list", "upload", "delete", "info", or the path
	Names    []string
	Bytes    int64 // the body's length as sent (Content-Length)
	Status   int
	Fault    bool      // answered by a fault, not the API
	At, End  time.Time // when it came, and when its handling ended
}

// New starts a server for a site with key, closed when the test ends.
func New(t testing.TB, key string) *Server {
	s := &Server{Key: key, Sitename: "poet", files: map[string]File{}, dirs: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Put stores a file on the site, as its owner uploaded it some other way.
func (s *Server) Put(name string, data []byte) {
	sum := sha1.Sum(data)
	s.PutHash(name, hex.EncodeToString(sum[:]), int64(len(data)))
}

// PutHash stores a file by its SHA-1 and size alone.
func (s *Server) PutHash(name, sha1Hex string, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(scrub(name), File{SHA1: sha1Hex, Size: size, Updated: time.Now()})
}

// Mkdir makes a folder of the site.
func (s *Server) Mkdir(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mkdirs(scrub(name))
}

// SetFault has f answer requests instead of the API (nil: none).
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// SetMaxBody has requests with a body over n bytes answered 413, as a
// proxy before the API does (0: no limit).
func (s *Server) SetMaxBody(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxBody = n
}

// Refuse has uploads of the files that refuse reports refused, as the API
// refuses a file type: the whole request, naming the file.
func (s *Server) Refuse(refuse func(path string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = refuse
}

// SetLimits bounds the site: bytes of files and number of files (0: no limit).
func (s *Server) SetLimits(quota int64, files int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota, s.maxFiles = quota, files
}

// Files is the site's files by path, with their SHA-1.
func (s *Server) Files() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]string, len(s.files))
	for p, f := range s.files {
		m[p] = f.SHA1
	}
	return m
}

// Dirs is the site's folders, sorted.
func (s *Server) Dirs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dirs []string
	for d := range s.dirs {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}

// Log is every request so far, in the order they ended.
func (s *Server) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count is the number of requests to endpoint so far, answered or not.
func (s *Server) Count(endpoint string) int {
	n := 0
	for _, r := range s.Log() {
		if r.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// Stored is the names of the files the API stored, request by request.
func (s *Server) Stored() [][]string {
	var batches [][]string
	for _, r := range s.Log() {
		if r.Endpoint == "upload" && r.Status == http.StatusOK && !r.Fault {
			batches = append(batches, r.Names)
		}
	}
	return batches
}

// Deleted is the names the API deleted, in order.
func (s *Server) Deleted() []string {
	var names []string
	for _, r := range s.Log() {
		if r.Endpoint == "delete" && r.Status == http.StatusOK && !r.Fault {
			names = append(names, r.Names...)
		}
	}
	return names
}

// DeletedDirs is the folders deleted (with everything in them), in order.
func (s *Server) DeletedDirs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dirsGone)
}

// MostInFlight is the most requests the server had at once.
func (s *Server) MostInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most
}

// scrub is a path as the API reads it: relative, without empty, . or .. parts.
func scrub(p string) string {
	var parts []string
	for _, part := range strings.Split(p, "/") {
		if part != "" && part != "." && part != ".." {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, "/")
}

// store puts a file, and the folders it is in.
func (s *Server) store(name string, f File) {
	s.files[name] = f
	s.mkdirs(path.Dir(name))
}

func (s *Server) mkdirs(dir string) {
	for ; dir != "." && dir != "" && dir != "/"; dir = path.Dir(dir) {
		s.dirs[dir] = true
	}
}

// serve answers one request: a fault's answer, or the API's.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &Request{Method: r.Method, Endpoint: strings.TrimPrefix(r.URL.Path, "/api/"), Bytes: r.ContentLength, At: time.Now()}
	s.mu.Lock()
	s.inFlight++
	s.most = max(s.most, s.inFlight)
	fault, maxBody := s.fault, s.maxBody
	s.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		s.inFlight--
		rec.Status, rec.End = sw.status, time.Now()
		s.log = append(s.log, *rec)
		s.mu.Unlock()
	}()
	if fault != nil && fault(sw, r) {
		rec.Fault = true
		return
	}
	if maxBody > 0 && r.ContentLength > maxBody {
		sw.Header().Set("Content-Type", "text/html")
		sw.Header().Set("Connection", "close")
		sw.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(sw, "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
		return
	}
	endpoint := map[string]func(http.ResponseWriter, *http.Request, *Request){
		"GET /api/list": s.list, "GET /api/info": s.info, "POST /api/upload": s.upload, "POST /api/delete": s.delete,
	}[r.Method+" "+r.URL.Path]
	if endpoint == nil {
		apiError(sw, http.StatusNotFound, "not_found", "the requested api call does not exist")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Key {
		apiError(sw, http.StatusForbidden, "invalid_auth", "invalid credentials - please check your username and password (or your api key)")
		return
	}
	endpoint(sw, r, rec)
}

// statusWriter remembers the status a reply was given.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Drop).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// reply writes the API's JSON with status.
func reply(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.MarshalIndent(body, "", "  ")
	w.Write(append(b, '\n'))
}

func success(w http.ResponseWriter, body map[string]any) {
	body["result"] = "success"
	reply(w, http.StatusOK, body)
}

func apiError(w http.ResponseWriter, status int, errorType, message string) {
	reply(w, status, map[string]any{"result": "error", "error_type": errorType, "message": message})
}

// updated is a time as the API writes it (RFC 2822).
func updated(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0000") }

// entry is a file or folder as the list gives it.
type entry struct {
	Path        string `json:"path"`
	IsDirectory bool   `json:"is_directory"`
	Size        *int64 `json:"size,omitempty"`
	UpdatedAt   string `json:"updated_at"`
	SHA1        string `json:"sha1_hash,omitempty"`
}

// list is GET /api/list: the whole site, or with ?path= one folder's entries.
func (s *Server) list(w http.ResponseWriter, r *http.Request, rec *Request) {
	dir := scrub(r.URL.Query().Get("path"))
	in := func(p string) bool { return dir == "" || path.Dir(p) == dir }
	now := updated(time.Now())
	s.mu.Lock()
	entries := make([]entry, 0, len(s.files)+len(s.dirs))
	for d := range s.dirs {
		if in(d) {
			entries = append(entries, entry{Path: d, IsDirectory: true, UpdatedAt: now})
		}
	}
	for p, f := range s.files {
		if in(p) {
			entries = append(entries, entry{Path: p, Size: &f.Size, UpdatedAt: updated(f.Updated), SHA1: f.SHA1})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.Path, b.Path) })
	b, _ := json.Marshal(map[string]any{"result": "success", "files": entries})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// info is GET /api/info.
func (s *Server) info(w http.ResponseWriter, r *http.Request, rec *Request) {
	success(w, map[string]any{"info": map[string]any{
		"sitename": s.Sitename, "views": 0, "hits": 0, "created_at": updated(time.Unix(1e9, 0)),
		"last_updated": nil, "domain": nil, "tags": []string{},
	}})
}

// upload is POST /api/upload: every part is a file, named by its path.
// Like the API, it stores all the files or none.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, rec *Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		apiError(w, http.StatusBadRequest, "missing_files", "you must provide files to upload")
		return
	}
	type upload struct {
		name string
		file File
	}
	var got []upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			apiError(w, http.StatusBadRequest, "missing_files", "the request's files could not be read")
			return
		}
		h := sha1.New()
		n, err := io.Copy(h, part)
		if err != nil {
			apiError(w, http.StatusBadRequest, "missing_files", "the request's files could not be read")
			return
		}
		if part.FileName() == "" {
			continue // a form value, not a file
		}
		got = append(got, upload{scrub(part.FormName()), File{SHA1: hex.EncodeToString(h.Sum(nil)), Size: n, Updated: time.Now()}})
	}
	for _, u := range got {
		rec.Names = append(rec.Names, u.name)
	}
	if len(got) == 0 {
		apiError(w, http.StatusBadRequest, "missing_files", "you must provide files to upload")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var size int64
	added := 0
	for _, u := range got {
		size += u.file.Size
		if _, ok := s.files[u.name]; !ok {
			added++
		}
	}
	for _, f := range s.files {
		size += f.Size
	}
	if s.quota > 0 && size > s.quota {
		apiError(w, http.StatusBadRequest, "too_large", "files are too large to fit in your space, try uploading smaller (or less) files")
		return
	}
	if s.maxFiles > 0 && len(s.files)+len(s.dirs)+added > s.maxFiles {
		apiError(w, http.StatusBadRequest, "too_many_files", fmt.Sprintf("cannot exceed the maximum site files limit (%d), please contact support", s.maxFiles))
		return
	}
	for _, u := range got {
		if u.name == "" || s.refuse != nil && s.refuse(u.name) {
			apiError(w, http.StatusBadRequest, "invalid_file_type", u.name+" is not a valid file type (or contains not allowed content) for this site, files have not been uploaded")
			return
		}
		if s.dirs[u.name] {
			apiError(w, http.StatusBadRequest, "directory_exists", "this name is being used by a directory, cannot continue")
			return
		}
	}
	for _, u := range got {
		s.store(u.name, u.file)
	}
	success(w, map[string]any{"message": "your file(s) have been successfully uploaded"})
}

// delete is POST /api/delete with filenames[]: all of them or none. A
// folder goes with everything in it, as on the real site.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, rec *Request) {
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "missing_filenames", "you must provide files to delete")
		return
	}
	names := r.PostForm["filenames[]"]
	if len(names) == 0 {
		apiError(w, http.StatusBadRequest, "missing_filenames", "you must provide files to delete")
		return
	}
	rec.Names = names
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		p := scrub(n)
		_, isFile := s.files[p]
		switch {
		case p == "":
			apiError(w, http.StatusBadRequest, "cannot_delete_site_directory", "cannot delete the root directory of the site")
			return
		case !isFile && !s.dirs[p]:
			apiError(w, http.StatusBadRequest, "missing_files", n+" was not found on your site, canceled deleting")
			return
		case p == "index.html":
			apiError(w, http.StatusBadRequest, "cannot_delete_index", "you cannot delete your index.html file, canceled deleting")
			return
		}
	}
	for _, n := range names {
		p := scrub(n)
		delete(s.files, p)
		if s.dirs[p] {
			s.dirsGone = append(s.dirsGone, p)
			for f := range s.files {
				if strings.HasPrefix(f, p+"/") {
					delete(s.files, f)
				}
			}
			for d := range s.dirs {
				if d == p || strings.HasPrefix(d, p+"/") {
					delete(s.dirs, d)
				}
			}
		}
	}
	success(w, map[string]any{"message": "file(s) have been deleted"})
}
