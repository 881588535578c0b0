// Package neocities speaks the Neocities API (https://neocities.org/api):
// the site's files with their SHA-1 (GET /api/list), many files uploaded in
// one multipart request (POST /api/upload, the remote path as the field
// name), files deleted (POST /api/delete, filenames[]) and the site's name
// (GET /api/info), with the key as a bearer token. It makes one request per
// call, within a time limit, and classes every failure by what the caller
// can do about it (see Kind); retrying is the caller's.
//
// Its JSON is read with encoding/json, not sonic: the package is linked into
// pagegen, and sonic's initialisation (it assembles its decoders at start)
// would double the cost of every one of the thousands of page processes.
package neocities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// DefaultURL is the API's base.
const DefaultURL = "https://neocities.org"

// Client calls the API of one site, the one its key belongs to.
type Client struct {
	base *url.URL
	key  string // sent as a bearer token; never shown
	http *http.Client
	// Timeout bounds a request that sends little; an upload gets more, at
	// MinRate for its bytes, so that a slow line does not take a large
	// request for a server that does not answer.
	Timeout time.Duration
	MinRate int64 // bytes per second
}

// New is a client of the API at base (NEOCITIES_URL) with key, for up to
// conns requests at once. The key goes over HTTPS only, or plain HTTP to
// this machine (a stand-in server).
func New(base, key string, conns int) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("NEOCITIES_URL=%s is not the address of a Neocities API: give one such as %s", redact(base), DefaultURL)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("NEOCITIES_URL=%s would send the key unencrypted: give an https:// address", u.Redacted())
	}
	if key == "" || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("the Neocities API key is empty or has spaces or control characters in it: copy it again from https://neocities.org/settings (API key)")
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   max(conns, 2),
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &Client{base: u, key: key, Timeout: 2 * time.Minute, MinRate: 50_000,
		http: &http.Client{
			Transport: transport,
			// A redirect would re-send an upload as a GET, or the key elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}, nil
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact is a URL as given without a password in it, when it can be read.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(an address that cannot be read)"
}

// String names the API for messages: its address, without a password.
func (c *Client) String() string { return c.base.Redacted() }

// File is a file or directory of the site, as the list gives it.
type File struct {
	Path        string `json:"path"` // relative to the site's root, slash-separated
	IsDirectory bool   `json:"is_directory"`
	Size        int64  `json:"size"`
	UpdatedAt   string `json:"updated_at"`
	SHA1        string `json:"sha1_hash"` // lower-case hex; empty for a directory
}

// maxList bounds what is read of a list: some 200 bytes a file, for the
// 100,000 files a Supporter site may hold, and far more to spare.
const maxList = 512 << 20

// maxReply bounds what is read of any other reply (a message).
const maxReply = 1 << 20

// List is every file and directory of the site. Without ?path= the API
// lists the whole site, its folders included, each file with its SHA-1;
// with one it lists a single folder, without going down into its own.
func (c *Client) List(ctx context.Context) ([]File, error) {
	req, err := c.request(ctx, http.MethodGet, "list", nil)
	if err != nil {
		return nil, err
	}
	body, err := c.do(req, 0, maxList)
	if err != nil {
		return nil, err
	}
	var reply struct {
		Files *[]File `json:"files"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || reply.Files == nil {
		return nil, &Error{Kind: Overloaded, Status: http.StatusOK, Message: "the list of files is not the API's (no files in it)"}
	}
	files := *reply.Files
	for i := range files {
		files[i].Path = strings.TrimPrefix(files[i].Path, "/")
		files[i].SHA1 = strings.ToLower(files[i].SHA1)
	}
	return files, nil
}

// Info is what the API says of the site.
type Info struct {
	Sitename string `json:"sitename"`
	Domain   string `json:"domain"`
}

// Info asks for the site's name (and its own domain, if it has one).
func (c *Client) Info(ctx context.Context) (Info, error) {
	req, err := c.request(ctx, http.MethodGet, "info", nil)
	if err != nil {
		return Info{}, err
	}
	body, err := c.do(req, 0, maxReply)
	if err != nil {
		return Info{}, err
	}
	var reply struct {
		Info *struct {
			Info
			Domain *string `json:"domain"` // null without one
		} `json:"info"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || reply.Info == nil {
		return Info{}, &Error{Kind: Overloaded, Status: http.StatusOK, Message: "the site's information is not the API's"}
	}
	info := reply.Info.Info
	if reply.Info.Domain != nil {
		info.Domain = *reply.Info.Domain
	}
	return info, nil
}

// Upload is a file to send: its path on the site, and on this machine.
type Upload struct {
	Remote string
	Local  string
	Size   int64
}

// Upload sends files in one request. The API takes them all or none.
func (c *Client) Upload(ctx context.Context, files []Upload) error {
	body, err := newUploadBody(files)
	if err != nil {
		return err
	}
	req, err := c.request(ctx, http.MethodPost, "upload", body)
	if err != nil {
		body.Close()
		return err
	}
	req.ContentLength = body.length
	req.Header.Set("Content-Type", body.contentType)
	_, err = c.do(req, body.length, maxReply)
	return err
}

// Delete deletes files of the site in one request. The API deletes them
// all or none, and a directory with everything in it: callers must name
// files only.
func (c *Client) Delete(ctx context.Context, paths []string) error {
	form := url.Values{"filenames[]": paths}.Encode()
	req, err := c.request(ctx, http.MethodPost, "delete", io.NopCloser(strings.NewReader(form)))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = c.do(req, int64(len(form)), maxReply)
	return err
}

// request is a request to the API's endpoint, with the key.
func (c *Client) request(ctx context.Context, method, endpoint string, body io.ReadCloser) (*http.Request, error) {
	u := c.base.JoinPath("api", endpoint)
	var r io.Reader
	if body != nil {
		r = body
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &Error{Kind: Fatal, Message: err.Error()}
	}
	if body != nil {
		req.Body = body
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "pagegen-deploy")
	return req, nil
}

// do sends req (of sent bytes) within the client's time for it, and
// returns the body of a successful reply, read up to limit bytes. Every
// failure is an *Error; ctx's own end is ctx's error.
func (c *Client) do(req *http.Request, sent, limit int64) ([]byte, error) {
	parent := req.Context()
	wait := c.Timeout
	if c.MinRate > 0 {
		wait += time.Duration(float64(sent) / float64(c.MinRate) * float64(time.Second))
	}
	ctx, cancel := context.WithTimeout(parent, wait)
	defer cancel()
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return nil, c.transportError(parent, ctx, err, wait)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(buf.Len()) > limit {
		err = fmt.Errorf("a reply of more than %d bytes", limit)
	}
	if err != nil && resp.StatusCode == http.StatusOK {
		return nil, c.transportError(parent, ctx, err, wait)
	}
	if e := c.replyError(resp, buf.Bytes()); e != nil {
		return nil, e
	}
	return buf.Bytes(), nil
}

// transportError is a request that got no whole reply.
func (c *Client) transportError(parent, ctx context.Context, err error, wait time.Duration) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	if ctx.Err() != nil {
		return &Error{Kind: Overloaded, Message: fmt.Sprintf("no reply within %s", wait.Round(time.Second))}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the address is said elsewhere
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &Error{Kind: Unreachable, Message: c.clean("cannot connect: " + op.Err.Error())}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &Error{Kind: Unreachable, Message: c.clean("cannot find the server: " + dns.Error())}
	}
	var local *localError
	if errors.As(err, &local) {
		return local // a file of the site could not be read
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return &Error{Kind: Overloaded, Message: "the server dropped the connection before its reply was whole"}
	}
	return &Error{Kind: Overloaded, Message: c.clean("the connection failed: " + err.Error())}
}
