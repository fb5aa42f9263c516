package devserver

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
)

// served lists the file types the server hands out; anything else (Go
// sources, tests) is not found.
var served = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".wasm": "application/wasm",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// asset is a file ready to serve: its bytes, gzipped bytes and ETag.
type asset struct {
	body, gz []byte
	etag     string
	ctype    string
	// stamp identifies the file version read (size and modification time),
	// so files on disk are compressed again only when they change.
	stamp string
}

// Handler serves files from an fs.FS.
type Handler struct {
	files fs.FS
	cache bool // keep prepared assets (for immutable file systems)

	mu     sync.Mutex
	assets map[string]*asset
	// Sent counts response body bytes written, for page-weight measurements.
	sent int64
}

// NewHandler serves files. With cache true every file is read and
// compressed once (right for embedded files); with false each request checks
// the file's size and modification time and prepares it again when it
// changed (right while editing files on disk).
func NewHandler(files fs.FS, cache bool) *Handler {
	return &Handler{files: files, cache: cache, assets: make(map[string]*asset)}
}

// Prepare reads and compresses every servable file now, so the first page
// load does not wait for compression (the wasm takes about a second at the
// best gzip level). It returns the first error met; files on disk (cache
// false) that cannot be read, such as a link leading out of an os.Root,
// are skipped, and requests for them refused.
func (h *Handler) Prepare() error {
	return fs.WalkDir(h.files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, err := h.load(name); err != nil && h.cache && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

// BytesSent returns the number of body bytes written so far.
func (h *Handler) BytesSent() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sent
}

func (h *Handler) load(name string) (*asset, error) {
	ctype, ok := served[path.Ext(name)]
	if !ok || strings.HasSuffix(name, ".test.js") || strings.HasSuffix(name, ".test.mjs") {
		return nil, fs.ErrNotExist
	}
	stamp := ""
	if !h.cache {
		fi, err := fs.Stat(h.files, name)
		if err != nil {
			return nil, err
		}
		stamp = fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	}
	h.mu.Lock()
	a, ok := h.assets[name]
	h.mu.Unlock()
	if ok && a.stamp == stamp {
		return a, nil
	}
	body, err := fs.ReadFile(h.files, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	a = &asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, stamp: stamp}
	if ctype != "image/png" {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
	}
	h.mu.Lock()
	h.assets[name] = a
	h.mu.Unlock()
	return a, nil
}

// ServeHTTP serves GET and HEAD for files; "/" is index.html.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	a, err := h.load(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		// Served from an os.Root, a link leading out of the directory
		// fails here ("path escapes from parent").
		http.Error(w, fmt.Sprintf("cannot serve %s: %v", name, err), http.StatusForbidden)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", a.etag)
	// Always revalidate: names are not content-hashed, and a revalidation
	// with a matching ETag costs one small 304.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	hd.Set("Content-Length", itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	n, _ := w.Write(body)
	h.mu.Lock()
	h.sent += int64(n)
	h.mu.Unlock()
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(fields[0]), "gzip") {
			for _, f := range fields[1:] {
				if strings.ReplaceAll(strings.TrimSpace(f), " ", "") == "q=0" {
					return false
				}
			}
			return true
		}
	}
	return false
}

// IsLoopback reports whether a listen address binds only this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
