package devserver

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

func TestPrepareCompressesEverythingOnce(t *testing.T) {
	h := NewHandler(files(), Options{Cache: true})
	if err := h.Prepare(); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.assets["seshat.wasm"]; !ok || len(h.assets) != 4 {
		t.Fatalf("prepared %d assets: %v", len(h.assets), h.assets)
	}
}

func files() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                  {Data: []byte(strings.Repeat("<p>hello</p>", 100))},
		"main.js":                     {Data: []byte(strings.Repeat("export const x = 1;\n", 100))},
		"seshat.wasm":                 {Data: append([]byte("\x00asm"), bytes.Repeat([]byte{1, 2, 3, 4}, 500)...)},
		"embed.go":                    {Data: []byte("package web")},
		"model.test.js":               {Data: []byte("test")},
		"engine/testdata/frames.json": {Data: []byte("[]")},
		"engine/worker.js":            {Data: []byte(strings.Repeat("self.x = 1;\n", 50))},
	}
}

func get(t *testing.T, h http.Handler, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	var rd io.Reader = r.Body
	switch r.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	case "br":
		rd = brotli.NewReader(r.Body)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServesTypesCompressionAndCaching(t *testing.T) {
	fs := files()
	for _, cache := range []bool{true, false} {
		h := NewHandler(fs, Options{Cache: cache, Source: true})
		for _, tt := range []struct{ path, ctype, file string }{
			{"/", "text/html; charset=utf-8", "index.html"},
			{"/main.js", "text/javascript; charset=utf-8", "main.js"},
			{"/seshat.wasm", "application/wasm", "seshat.wasm"},
			{"/engine/worker.js", "text/javascript; charset=utf-8", "engine/worker.js"},
		} {
			plain := get(t, h, tt.path, nil)
			if plain.StatusCode != 200 || plain.Header.Get("Content-Type") != tt.ctype || plain.Header.Get("Content-Encoding") != "" {
				t.Fatalf("%s: %d %q %q", tt.path, plain.StatusCode, plain.Header.Get("Content-Type"), plain.Header.Get("Content-Encoding"))
			}
			if got := body(t, plain); !bytes.Equal(got, fs[tt.file].Data) {
				t.Fatalf("%s: plain body differs", tt.path)
			}
			for accept, coding := range map[string]string{"br, gzip;q=0.8": "br", "gzip": "gzip", "br;q=0, gzip": "gzip"} {
				r := get(t, h, tt.path, map[string]string{"Accept-Encoding": accept})
				if r.Header.Get("Content-Encoding") != coding || r.Header.Get("Vary") != "Accept-Encoding" || r.Header.Get("Content-Type") != tt.ctype {
					t.Fatalf("%s: Accept-Encoding %q: want %s, got %v", tt.path, accept, coding, r.Header)
				}
				if got := body(t, r); !bytes.Equal(got, fs[tt.file].Data) {
					t.Fatalf("%s: %s body differs after decompression", tt.path, coding)
				}
			}
			if no := get(t, h, tt.path, map[string]string{"Accept-Encoding": "gzip;q=0, br;q=0"}); no.Header.Get("Content-Encoding") != "" {
				t.Fatalf("%s: compressed though refused", tt.path)
			}
			etag := plain.Header.Get("ETag")
			if etag == "" || plain.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("%s: cache headers %v", tt.path, plain.Header)
			}
			if r := get(t, h, tt.path, map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified {
				t.Fatalf("%s: revalidation gave %d", tt.path, r.StatusCode)
			}
		}
		for _, path := range []string{"/embed.go", "/model.test.js", "/engine/testdata/frames.json", "/nope.js", "/../secret"} {
			if r := get(t, h, path, nil); r.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d, want 404", path, r.StatusCode)
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("POST: %d", rec.Code)
		}
		if h.BytesSent() == 0 {
			t.Fatal("no bytes counted")
		}
	}
}

func TestDiskModeSeesEdits(t *testing.T) {
	fs := files()
	h := NewHandler(fs, Options{})
	first := body(t, get(t, h, "/main.js", nil))
	fs["main.js"] = &fstest.MapFile{Data: []byte("export const y = 2;"), ModTime: time.Unix(99, 0)}
	if second := body(t, get(t, h, "/main.js", nil)); bytes.Equal(first, second) {
		t.Fatal("disk mode served a stale file")
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.1.2.3:1": true,
		"0.0.0.0:8080": false, ":8080": false, "192.168.1.5:8080": false, "example.com:80": false, "nonsense": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestServesEtcdScripts: the interop module and etcd raft's scripts that
// make wasm copies into web/ are served with their types (the scripts'
// testdata directory is the page's content, unlike every other testdata),
// and the interop module goes out as its fresh brotli copy.
func TestServesEtcdScripts(t *testing.T) {
	mod := append([]byte("\x00asm"), bytes.Repeat([]byte("interop "), 200_000)...) // over maxBrotliInMemory
	fs := fstest.MapFS{
		"interop.wasm":                        {Data: mod},
		"interop.wasm.br":                     {Data: brotliOf(t, mod, 5)},
		"etcd-raft/index.json":                {Data: []byte(`{"scripts": [` + strings.Repeat(`{"name": "campaign"},`, 50) + `{}]}`)},
		"etcd-raft/LICENSE.txt":               {Data: []byte(strings.Repeat("Apache License\n", 50))},
		"etcd-raft/testdata/campaign.txt":     {Data: []byte(strings.Repeat("campaign 1\n----\nok\n\n", 50))},
		"etcd-raft/testdata/testdata/x.txt":   {Data: []byte("x")},
		"etcd-raft/other/testdata/x.txt":      {Data: []byte("x")},
		"engine/testdata/notes.txt":           {Data: []byte("x")},
		"etcd-raft/testdata/campaign.test.js": {Data: []byte("x")},
	}
	h := NewHandler(fs, Options{Cache: true})
	if err := h.Prepare(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, ctype string }{
		{"/interop.wasm", "application/wasm"},
		{"/etcd-raft/index.json", "application/json"},
		{"/etcd-raft/LICENSE.txt", "text/plain; charset=utf-8"},
		{"/etcd-raft/testdata/campaign.txt", "text/plain; charset=utf-8"},
	} {
		r := get(t, h, tt.path, map[string]string{"Accept-Encoding": "br"})
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != tt.ctype || r.Header.Get("Content-Encoding") != "br" {
			t.Errorf("%s: %d %q %q", tt.path, r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"))
		}
		if got := body(t, r); !bytes.Equal(got, fs[tt.path[1:]].Data) {
			t.Errorf("%s: body differs", tt.path)
		}
	}
	for _, path := range []string{"/etcd-raft/testdata/testdata/x.txt", "/etcd-raft/other/testdata/x.txt", "/engine/testdata/notes.txt", "/etcd-raft/testdata/campaign.test.js"} {
		if r := get(t, h, path, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.StatusCode)
		}
	}
}
