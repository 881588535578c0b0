package neocities

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"path"
)

// uploadBody is the multipart/form-data body of an upload, each file read
// from the disk as it is sent rather than held in memory: a batch may hold
// tens of megabytes, and several are in flight. Its length is known before
// it is sent (the part headers are made first), so that the request has a
// Content-Length, which servers and proxies that refuse large bodies read.
type uploadBody struct {
	io.Reader
	files       []*fileReader
	length      int64
	contentType string
}

// newUploadBody is the body that sends files, each as a part named by its
// remote path (the API's field name), with its base name as the file name.
func newUploadBody(files []Upload) (*uploadBody, error) {
	// What the writer writes for a part (the boundary and the part's
	// header) is taken from buf after each part begins; the file's bytes
	// come between, from the disk.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	b := &uploadBody{contentType: w.FormDataContentType()}
	readers := make([]io.Reader, 0, 2*len(files)+1)
	take := func() {
		head := bytes.Clone(buf.Bytes())
		buf.Reset()
		b.length += int64(len(head))
		readers = append(readers, bytes.NewReader(head))
	}
	for _, f := range files {
		if _, err := w.CreateFormFile(f.Remote, path.Base(f.Remote)); err != nil {
			return nil, &Error{Kind: Fatal, Message: fmt.Sprintf("preparing the upload of %s: %v", f.Remote, err)}
		}
		take()
		fr := &fileReader{path: f.Local, size: f.Size}
		b.files = append(b.files, fr)
		readers = append(readers, fr)
		b.length += f.Size
	}
	if err := w.Close(); err != nil {
		return nil, &Error{Kind: Fatal, Message: fmt.Sprintf("preparing an upload: %v", err)}
	}
	take() // the closing boundary
	b.Reader = io.MultiReader(readers...)
	return b, nil
}

// Close closes the file being read, if any: a request cut short leaves one open.
func (b *uploadBody) Close() error {
	for _, f := range b.files {
		f.close()
	}
	return nil
}

// localError is a file of the site that could not be read while it was
// sent: the request's failure, but no fault of the server's.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// fileReader reads a file of size bytes, opened at its first read and
// closed at its end, so that a batch of hundreds of files holds one open.
type fileReader struct {
	path string
	size int64
	f    *os.File
	read int64
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.read == r.size {
		r.close()
		return 0, io.EOF
	}
	if r.f == nil {
		f, err := os.Open(r.path)
		if err != nil {
			return 0, &localError{fmt.Errorf("reading %s: %w", r.path, err)}
		}
		r.f = f
	}
	if int64(len(p)) > r.size-r.read {
		p = p[:r.size-r.read]
	}
	n, err := r.f.Read(p)
	r.read += int64(n)
	if err == io.EOF && r.read < r.size {
		r.close()
		return n, &localError{fmt.Errorf("%s changed while it was being sent (it is shorter): run make deploy again", r.path)}
	}
	if err != nil && err != io.EOF {
		r.close()
		return n, &localError{fmt.Errorf("reading %s: %w", r.path, err)}
	}
	return n, nil
}

func (r *fileReader) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}
