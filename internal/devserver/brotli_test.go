package devserver

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

func TestEncodingNegotiation(t *testing.T) {
	for _, tt := range []struct {
		accept string
		want   string
	}{
		{"", ""},
		{"identity", ""},
		{"br", "br"},
		{"gzip", "gzip"},
		{"x-gzip", "gzip"},
		{"gzip, deflate, br, zstd", "br"}, // Chromium
		{"br, gzip;q=0.8", "br"},
		{"gzip, br;q=0.5", "gzip"},
		{"gzip;q=0.5, br;q=0.5", "br"},
		{"br;q=0, gzip", "gzip"},
		{"br;q=0.0, gzip;q=0", ""},
		{"gzip;q=0", ""},
		{"br; q=0", ""},
		{"BR", "br"},
		{"GZip", "gzip"},
		{"*", "br"},
		{"*;q=0", ""},
		{"gzip, *;q=0", "gzip"},
		{"br;q=0, *", "gzip"},
		{"br;q=nonsense, gzip", "gzip"},
		{"br;q=2", ""},
		{"deflate", ""},
		{",,;", ""},
	} {
		if got := encoding(tt.accept, true, true); got != tt.want {
			t.Errorf("encoding(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
	if got := encoding("br, gzip;q=0.5", false, true); got != "gzip" {
		t.Errorf("no br form: got %q, want gzip", got)
	}
	if got := encoding("br", false, true); got != "" {
		t.Errorf("no br form, gzip not accepted: got %q, want identity", got)
	}
	if got := encoding("gzip", true, false); got != "" {
		t.Errorf("no gzip form: got %q, want identity", got)
	}
}

// bigFile is size bytes that compress well but not to nothing.
func bigFile(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"raft ", "term ", "leader ", "append ", "commit ", "vote ", "\x00\x01", "node "}
	var b bytes.Buffer
	for b.Len() < size {
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.Bytes()[:size]
}

func brotliOf(t *testing.T, body []byte, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := brotli.NewWriterLevel(&buf, quality)
	zw.Write(body)
	zw.Close()
	return buf.Bytes()
}

// TestServesPrecompressedBrotliOnlyWhenFresh: a file too big to compress
// with brotli on load is sent as its NAME.br copy to clients accepting br,
// with its own length, type and Vary; when the copy does not decompress to
// the file (an older build's, or damaged), it is never sent: br clients get
// gzip. On disk, editing the file or the copy is noticed.
func TestServesPrecompressedBrotliOnlyWhenFresh(t *testing.T) {
	wasm := bigFile(maxBrotliInMemory + 1000)
	br := brotliOf(t, wasm, 1)
	older := bigFile(maxBrotliInMemory + 999)
	for _, cache := range []bool{true, false} {
		for _, tt := range []struct {
			name   string
			br     []byte
			wantBr bool
		}{
			{"fresh", br, true},
			{"stale", brotliOf(t, older, 1), false},
			{"damaged", br[:len(br)/2], false},
			{"garbage", []byte("not brotli at all"), false},
		} {
			t.Run(fmt.Sprintf("cache=%v/%s", cache, tt.name), func(t *testing.T) {
				files := fstest.MapFS{"seshat.wasm": {Data: wasm}, "seshat.wasm.br": {Data: tt.br}}
				h := NewHandler(files, Options{Cache: cache})
				if err := h.Prepare(); err != nil {
					t.Fatal(err)
				}
				r := get(t, h, "/seshat.wasm", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
				want := "gzip"
				if tt.wantBr {
					want = "br"
				}
				if got := r.Header.Get("Content-Encoding"); got != want {
					t.Fatalf("Content-Encoding %q, want %q", got, want)
				}
				raw := rawBody(t, r)
				if tt.wantBr && !bytes.Equal(raw, tt.br) {
					t.Fatal("the brotli answer is not the precompressed file")
				}
				if r.Header.Get("Content-Length") != strconv.Itoa(len(raw)) || r.Header.Get("Content-Type") != "application/wasm" || r.Header.Get("Vary") != "Accept-Encoding" {
					t.Fatalf("headers %v for a %d-byte body", r.Header, len(raw))
				}
				r = get(t, h, "/seshat.wasm", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
				if got := body(t, r); !bytes.Equal(got, wasm) {
					t.Fatal("the body differs from the file after decompression")
				}
				if r := get(t, h, "/seshat.wasm.br", nil); r.StatusCode != http.StatusNotFound {
					t.Fatalf("the .br file itself: %d, want 404", r.StatusCode)
				}
			})
		}
	}

	// On disk: a new build of the file makes its old copy stale, and the
	// copy is used again once it is rebuilt.
	files := fstest.MapFS{"seshat.wasm": {Data: wasm, ModTime: time.Unix(1, 0)}, "seshat.wasm.br": {Data: br, ModTime: time.Unix(1, 0)}}
	h := NewHandler(files, Options{})
	accept := map[string]string{"Accept-Encoding": "br, gzip"}
	if got := get(t, h, "/seshat.wasm", accept).Header.Get("Content-Encoding"); got != "br" {
		t.Fatalf("fresh copy: %q, want br", got)
	}
	files["seshat.wasm"] = &fstest.MapFile{Data: older, ModTime: time.Unix(2, 0)}
	r := get(t, h, "/seshat.wasm", accept)
	if got := r.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("after a rebuild without a new copy: %q, want gzip", got)
	}
	if !bytes.Equal(body(t, r), older) {
		t.Fatal("served the old file")
	}
	files["seshat.wasm.br"] = &fstest.MapFile{Data: brotliOf(t, older, 1), ModTime: time.Unix(2, 0)}
	if got := get(t, h, "/seshat.wasm", accept).Header.Get("Content-Encoding"); got != "br" {
		t.Fatalf("after the copy was rebuilt: %q, want br", got)
	}
}

// rawBody is a response's body as sent, not decompressed.
func rawBody(t *testing.T, r *http.Response) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(r.Body); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// maxPageBytes is what make test holds the page to: the target itself
// (PageBudget), which fails a regression such as a type that drags a
// library's whole API into the engine (+90 KB). TestPageWeight logs the
// margin (1,789,741 bytes when it was set: the engine optimised by
// wasm-opt, the typedefs and test fixtures not served).
const maxPageBytes = PageBudget

// otherModes are the page's files that the page on its in-browser engine
// never loads: ui/engine.js and main.js import them only for another
// engine (?engine=fake, ?engine=native) or to join a native cluster.
var otherModes = []string{"engine/fake-engine.js", "engine/fake-cluster.js", "engine/native-engine.js", "engine/page-member.js"}

// onDemand are the page's files loaded only when the person asks for
// them: the guided tour (main.js imports controls/tour.js when Learn Raft
// is pressed or a #tour= link is opened) and the etcd scripts player
// (controls/etcd-player.js, imported when "etcd's scripts" is pressed,
// links etcd-player.css). The page with them must stay within TourBudget.
var onDemand = []string{"ui/tour.js", "ui/controls/tour.js", "ui/etcd-script.js", "ui/etcd-player.js", "ui/controls/etcd-player.js", "etcd-player.css"}

// TourBudget bounds the page with its tour loaded (issue: the tour adds no
// framework; the page with it under 2.5 MB).
const TourBudget = 2_500_000

// interopFiles are the files of the interop module (wasm/interop: etcd
// raft's script player and the session exports), which the page loads only
// when a person opens the player or picks an export format: its worker,
// the module, and etcd raft's scripts (everything under interopDir). They
// are not part of the page's weight; the module has its own bound,
// InteropBudget. engine/interop.js, the page's client of the worker, is
// small and counted in the page, however the page imports it.
var interopFiles = []string{"engine/interop-worker.js", "interop.wasm"}

// interopDir holds etcd raft's scripts, index and licence
// (scripts/build-interop.sh).
const interopDir = "etcd-raft/"

// InteropBudget bounds the interop module (web/interop.wasm) as a browser
// accepting br gets it: 2,614,365 bytes when it was set (Go 1.26, etcd raft
// v3.7.0, no wasm-opt).
const InteropBudget = 3_000_000

// typesOnly are the page's files that no page loads: JSDoc typedefs that
// an editor reads (import('./schema-types.js').Frame), generated apart
// from ui/schema.js so that the page does not download them.
var typesOnly = []string{"ui/schema-types.js"}

// TestPageWeight sums what the built page (web/, after make wasm) on its
// in-browser engine costs a browser accepting br: every servable file but
// otherModes and typesOnly, engine included, each as sent. The interop
// module (interopFiles, interopDir) is weighed apart, against InteropBudget. make test-web runs it
// (SESHAT_PAGE_WEIGHT=1) right after make wasm; elsewhere web/ may hold an
// engine from an older build, so it is skipped.
func TestPageWeight(t *testing.T) {
	if os.Getenv("SESHAT_PAGE_WEIGHT") != "1" {
		t.Skip("the built page's weight runs with make test-web (SESHAT_PAGE_WEIGHT=1, after make wasm)")
	}
	dir := filepath.Join("..", "..", "web")
	if _, err := os.Stat(filepath.Join(dir, "seshat.wasm")); err != nil {
		t.Fatalf("no built engine (%v): run make wasm", err)
	}
	notLoaded := append(append(append(slices.Clone(otherModes), typesOnly...), onDemand...), interopFiles...)
	for _, name := range notLoaded {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("otherModes, typesOnly or onDemand names %s: %v (update the list)", name, err)
		}
	}
	files := os.DirFS(dir)
	h := NewHandler(files, Options{})
	total, wasm, tour, interop, scripts := 0, 0, 0, 0, 0
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(otherModes, name) || slices.Contains(typesOnly, name) {
			return err
		}
		r := get(t, h, "/"+name, map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"})
		if r.StatusCode == http.StatusNotFound {
			return nil
		}
		n := len(rawBody(t, r))
		if name == "seshat.wasm" || name == "interop.wasm" {
			if enc := r.Header.Get("Content-Encoding"); enc != "br" {
				t.Errorf("%s was sent with %q, not br: is web/%s.br missing or stale? (make wasm)", name, enc, name)
			}
		}
		if name == "seshat.wasm" {
			wasm = n
		}
		if name == "interop.wasm" {
			interop = n
		}
		if slices.Contains(interopFiles, name) || strings.HasPrefix(name, interopDir) {
			if strings.HasPrefix(name, interopDir+"testdata/") {
				scripts++
			}
			return nil
		}
		if slices.Contains(onDemand, name) {
			tour += n
			return nil
		}
		total += n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("page with engine: %d bytes with br (engine %d); target %d, %+d", total, wasm, PageBudget, total-PageBudget)
	if total > maxPageBytes {
		t.Errorf("the page with its engine costs %d bytes with br, over the budget of %d", total, maxPageBytes)
	}
	t.Logf("the interop module, loaded on demand: %d bytes with br; budget %d, %+d", interop, InteropBudget, interop-InteropBudget)
	if interop > InteropBudget {
		t.Errorf("the interop module costs %d bytes with br, over its budget of %d", interop, InteropBudget)
	}
	if scripts != 28 {
		t.Errorf("%d of etcd raft's scripts served from %s, want 28 (make wasm copies them)", scripts, interopDir)
	}
	t.Logf("with the tour loaded: %d bytes with br (the tour %d); budget %d", total+tour, tour, TourBudget)
	if tour == 0 || total+tour > TourBudget {
		t.Errorf("the page with its tour costs %d bytes with br (the tour %d), over the budget of %d or no tour served", total+tour, tour, TourBudget)
	}
}
