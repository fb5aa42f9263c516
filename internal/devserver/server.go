package devserver

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// served lists the file types the server hands out; anything else (Go
// sources) is not found, and neither are tests (*.test.js) and their
// fixtures (anything under a testdata directory), which no page loads,
// except etcd raft's scripts under etcd-raft/ (see hidden).
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
	".txt":  "text/plain; charset=utf-8",
}

// etcdScripts is where make wasm copies etcd raft's datadriven scripts
// (scripts/build-interop.sh): etcd-raft/testdata/*.txt, its LICENSE.txt and
// index.json, which the page's script player loads.
const etcdScripts = "etcd-raft/"

// hidden reports whether file name is never served, whatever its type:
// tests and their fixtures (a testdata directory), but for etcd raft's
// own testdata, which is the page's content.
func hidden(name string) bool {
	if strings.HasSuffix(name, ".test.js") || strings.HasSuffix(name, ".test.mjs") {
		return true
	}
	rest, _ := strings.CutPrefix(name, etcdScripts+"testdata/")
	return slices.Contains(strings.Split(rest, "/"), "testdata")
}

// asset is a file ready to serve: its bytes, gzipped and brotli bytes
// (nil when not smaller) and ETag.
type asset struct {
	body, gz, br []byte
	etag         string
	ctype        string
	// sourceMap is the source map of a minified file, nil for a file
	// served as written.
	sourceMap []byte
	// stamp identifies the file version read (size and modification time),
	// so files on disk are compressed again only when they change.
	stamp string
}

// Brotli: a file NAME may come with NAME.br, its brotli copy made when it
// was built (make wasm runs cmd/precompress on the engine: brotli's best
// quality takes about a minute on it). The copy is used only if it
// decompresses to exactly NAME's bytes, so a copy left from an older build
// is never served; other files up to maxBrotliInMemory bytes are compressed
// with brotli when loaded.
const (
	precompressedExt  = ".br"
	maxBrotliInMemory = 1 << 20
)

// Options say how a Handler serves its files.
type Options struct {
	// Cache keeps every file once read and compressed (right for embedded
	// files); without it each request checks the file's size and
	// modification time and prepares it again when it changed (right while
	// editing files on disk).
	Cache bool
	// Source serves JavaScript and CSS as written instead of minified
	// (see minify).
	Source bool
}

// Handler serves files from an fs.FS.
type Handler struct {
	files  fs.FS
	cache  bool // keep prepared assets (for immutable file systems)
	source bool // serve JavaScript and CSS as written

	mu     sync.Mutex
	assets map[string]*asset
	// Sent counts response body bytes written, for page-weight measurements.
	sent int64
}

// NewHandler serves files as opts say.
func NewHandler(files fs.FS, opts Options) *Handler {
	return &Handler{files: files, cache: opts.Cache, source: opts.Source, assets: make(map[string]*asset)}
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

// HasBrotli reports whether file name has a brotli form to send: for a
// large file such as the engine, a fresh NAME.br copy.
func (h *Handler) HasBrotli(name string) bool {
	a, err := h.load(name)
	return err == nil && a.br != nil
}

// BytesSent returns the number of body bytes written so far.
func (h *Handler) BytesSent() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sent
}

func (h *Handler) load(name string) (*asset, error) {
	ctype, ok := served[path.Ext(name)]
	if !ok || hidden(name) {
		return nil, fs.ErrNotExist
	}
	stamp := ""
	if !h.cache {
		fi, err := fs.Stat(h.files, name)
		if err != nil {
			return nil, err
		}
		stamp = fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
		if bi, err := fs.Stat(h.files, name+precompressedExt); err == nil {
			stamp += fmt.Sprint(" br ", bi.Size(), bi.ModTime().UnixNano())
		}
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
	var sourceMap []byte
	if !h.source {
		if code, m, ok := minify(name, body); ok {
			body, sourceMap = code, m
		}
	}
	sum := sha256.Sum256(body)
	a = &asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, stamp: stamp, sourceMap: sourceMap}
	if ctype != "image/png" {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
		a.br = h.brotli(name, body)
	}
	h.mu.Lock()
	h.assets[name] = a
	h.mu.Unlock()
	return a, nil
}

// brotli returns the brotli form of file name (whose bytes are body): its
// precompressed copy if that is fresh, else, for a small file, body
// compressed now; nil when there is none or it is not smaller.
func (h *Handler) brotli(name string, body []byte) []byte {
	if br, err := fs.ReadFile(h.files, name+precompressedExt); err == nil && len(br) < len(body) {
		if freshBrotli(br, body) {
			return br
		}
	}
	if len(body) > maxBrotliInMemory {
		return nil
	}
	var buf bytes.Buffer
	zw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// freshBrotli reports whether br decompresses to exactly body (reading at
// most one byte more than body, so a hostile copy cannot expand without
// bound).
func freshBrotli(br, body []byte) bool {
	got, err := io.ReadAll(io.LimitReader(brotli.NewReader(bytes.NewReader(br)), int64(len(body))+1))
	return err == nil && bytes.Equal(got, body)
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
	if base, ok := strings.CutSuffix(name, sourceMapExt); ok {
		h.serveSourceMap(w, r, base)
		return
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
	if a.sourceMap != nil {
		hd.Set("SourceMap", path.Base(name)+sourceMapExt)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	switch encoding(r.Header.Get("Accept-Encoding"), a.br != nil, a.gz != nil) {
	case "br":
		hd.Set("Content-Encoding", "br")
		body = a.br
	case "gzip":
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

// serveSourceMap serves the source map of file name, minified; a file
// served as written has none.
func (h *Handler) serveSourceMap(w http.ResponseWriter, r *http.Request, name string) {
	a, err := h.load(name)
	if err != nil || a.sourceMap == nil {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Length", itoa(len(a.sourceMap)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(a.sourceMap)
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

// encoding picks the content coding for an Accept-Encoding header among
// those available: "br" or "gzip", whichever the client weighs higher
// (br on a tie), or "" for the file as it is. A coding with q=0, or not
// named and not covered by "*", is not acceptable.
func encoding(accept string, br, gz bool) string {
	qBr, qGz, qAny := -1.0, -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		coding := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && x >= 0 && x <= 1 {
					q = x
				} else {
					q = 0 // a malformed weight accepts nothing
				}
			}
		}
		switch coding {
		case "br":
			qBr = q
		case "gzip", "x-gzip":
			qGz = q
		case "*":
			qAny = q
		}
	}
	if qBr < 0 {
		qBr = qAny
	}
	if qGz < 0 {
		qGz = qAny
	}
	if !br {
		qBr = 0
	}
	if !gz {
		qGz = 0
	}
	switch {
	case qBr > 0 && qBr >= qGz:
		return "br"
	case qGz > 0:
		return "gzip"
	}
	return ""
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

// PageBudget is the most the page may cost a browser that accepts brotli,
// in bytes transferred: every file the page on its in-browser engine loads,
// the engine included. The page-weight test (make test-web) and the browser
// benchmark (make bench-browser) both hold the page to it.
const PageBudget = 1_800_000
