package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// send makes one request with the headers given ("Host" sets the Host) and
// returns the status and body. Redirects are not followed.
func send(t *testing.T, method, u, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// nodeUp reads /api/view and reports whether node id is up.
func nodeUp(t *testing.T, base string, id int, header map[string]string) bool {
	t.Helper()
	code, _, b := send(t, http.MethodGet, base+"/api/view?max_events=1", "", header)
	var f struct {
		View struct {
			Nodes []struct {
				ID int  `json:"id"`
				Up bool `json:"up"`
			} `json:"nodes"`
		} `json:"view"`
	}
	if code != 200 || json.Unmarshal([]byte(b), &f) != nil {
		t.Fatalf("GET /api/view: %d %s", code, b)
	}
	for _, n := range f.View.Nodes {
		if n.ID == id {
			return n.Up
		}
	}
	t.Fatalf("no node %d in the view: %s", id, b)
	return false
}

// dialWS opens the websocket with header, returning the status of the
// handshake's answer (101 when it succeeded).
func dialWS(t *testing.T, base string, header http.Header) (int, string) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", header)
	if err == nil {
		conn.Close()
		return http.StatusSwitchingProtocols, ""
	}
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A plain HTML form on another site can POST text/plain to the API with no
// JavaScript and no preflight; it used to crash a node.
func TestForeignFormCannotDriveTheCluster(t *testing.T) {
	base, stop := start(t, "-native", "3")
	defer stop()
	host := strings.TrimPrefix(base, "http://")
	crash := `{"kind":"crash","node":1}`
	for _, tt := range []struct {
		name  string
		hdr   map[string]string
		wcode int
	}{
		{"a form from another site", map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"}, 403},
		{"JSON from another site", map[string]string{"Origin": "http://evil.example", "Content-Type": "application/json"}, 403},
		{"the same host by https", map[string]string{"Origin": "https://" + host, "Content-Type": "application/json"}, 403},
		{"the same host at another port", map[string]string{"Origin": "http://127.0.0.1:1", "Content-Type": "application/json"}, 403},
		{"another name for this host", map[string]string{"Origin": "http://localhost:" + strings.Split(host, ":")[1], "Content-Type": "application/json"}, 403},
		{"a sandboxed frame", map[string]string{"Origin": "null", "Content-Type": "application/json"}, 403},
		{"text/plain without an Origin", map[string]string{"Content-Type": "text/plain"}, 415},
		{"a urlencoded form without an Origin", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
	} {
		code, _, body := send(t, http.MethodPost, base+"/api/command", crash, tt.hdr)
		if code != tt.wcode || !strings.Contains(body, `"error":"bridge: `) {
			t.Errorf("%s: %d %s, want %d with an error", tt.name, code, body, tt.wcode)
		}
		if !nodeUp(t, base, 1, nil) {
			t.Fatalf("%s crashed n1", tt.name)
		}
	}
	// A PUT or DELETE from another site, and the preflight a browser sends
	// before either, are refused too.
	for _, m := range []string{http.MethodPut, http.MethodDelete} {
		if code, _, body := send(t, m, base+"/api/kv/k", "v", map[string]string{"Origin": "http://evil.example"}); code != 403 {
			t.Errorf("%s from another origin: %d %s, want 403", m, code, body)
		}
	}
	if code, _, body := send(t, http.MethodOptions, base+"/api/kv/k", "", map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"}); code != 403 || strings.Contains(body, "Access-Control") {
		t.Errorf("a preflight: %d %s, want 403", code, body)
	}
	// The page's own origin, and tools without one, still work.
	if code, _, body := send(t, http.MethodPost, base+"/api/command", crash, map[string]string{"Origin": base, "Content-Type": "application/json; charset=utf-8"}); code != 200 {
		t.Fatalf("same origin: %d %s", code, body)
	}
	if nodeUp(t, base, 1, nil) {
		t.Fatal("the same-origin crash did not crash n1")
	}
	if code, _, body := send(t, http.MethodPost, base+"/api/command", `{"kind":"restart","node":1}`, map[string]string{"Content-Type": "application/json"}); code != 200 {
		t.Fatalf("no origin: %d %s", code, body)
	}
}

// A page on a foreign name that resolves to this machine (DNS rebinding)
// used to get the page, the API and a websocket.
func TestForeignHostIsRefused(t *testing.T) {
	base, stop := start(t, "-native", "3")
	defer stop()
	evil := map[string]string{"Host": "evil.example"}
	for _, path := range []string{"/", "/index.html", "/api/view", "/api/kv/k"} {
		if code, _, body := send(t, http.MethodGet, base+path, "", evil); code != 403 || !strings.Contains(body, "evil.example") {
			t.Errorf("GET %s with Host evil.example: %d %s, want 403 naming the host", path, code, body)
		}
	}
	if code, _, body := send(t, http.MethodPut, base+"/api/kv/k", "v", evil); code != 403 {
		t.Errorf("PUT with Host evil.example: %d %s, want 403", code, body)
	}
	if code, body := dialWS(t, base, http.Header{"Host": {"evil.example"}}); code != 403 {
		t.Errorf("websocket with Host evil.example: %d %s, want 403", code, body)
	}
	if code, body := dialWS(t, base, http.Header{"Host": {"evil.example"}, "Origin": {"http://evil.example"}}); code != 403 {
		t.Errorf("websocket from a rebound page: %d %s, want 403", code, body)
	}
	// The names of loopback at the right port pass; at another port not.
	port := base[strings.LastIndex(base, ":")+1:]
	for _, h := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port} {
		if code, _, body := send(t, http.MethodGet, base+"/", "", map[string]string{"Host": h}); code != 200 {
			t.Errorf("Host %s: %d %s", h, code, body)
		}
	}
	if code, _, _ := send(t, http.MethodGet, base+"/", "", map[string]string{"Host": "localhost:1"}); code != 403 {
		t.Errorf("Host localhost:1: %d, want 403", code)
	}
	if code, body := dialWS(t, base, nil); code != 101 {
		t.Errorf("websocket on loopback: %d %s", code, body)
	}
}

func TestAllowHost(t *testing.T) {
	base, stop := start(t, "-allow-host", "seshat.lan,other.lan:9999")
	defer stop()
	port := base[strings.LastIndex(base, ":")+1:]
	for _, tt := range []struct {
		host  string
		wcode int
	}{{"seshat.lan:" + port, 200}, {"other.lan:9999", 200}, {"other.lan:" + port, 403}, {"evil.example:" + port, 403}} {
		if code, _, _ := send(t, http.MethodGet, base+"/", "", map[string]string{"Host": tt.host}); code != tt.wcode {
			t.Errorf("Host %s: %d, want %d", tt.host, code, tt.wcode)
		}
	}
}

var tokenRE = regexp.MustCompile(`\?token=([0-9a-f]+)`)

func TestTokenIsRequiredWhenAsked(t *testing.T) {
	base, said, stop := startSaying(t, "-native", "3", "-require-token")
	defer stop()
	m := tokenRE.FindStringSubmatch(said)
	if m == nil || len(m[1]) != 48 {
		t.Fatalf("the first line gives no 48-digit token link: %q", said)
	}
	token := m[1]
	port := base[strings.LastIndex(base, ":")+1:]
	// A token one digit off. (It was "00" + token[2:], which is the token
	// itself when the drawn one starts with "00": one run in 256 failed.)
	wrong := "1" + token[1:]
	if token[0] == '1' {
		wrong = "0" + token[1:]
	}

	for _, tt := range []struct {
		name  string
		path  string
		hdr   map[string]string
		wcode int
	}{
		{"no token", "/", nil, 401},
		{"no token, API", "/api/view", nil, 401},
		{"a wrong link", "/?token=" + wrong, nil, 401},
		{"a wrong header", "/api/view", map[string]string{"Authorization": "Bearer x" + token}, 401},
		{"Basic auth", "/api/view", map[string]string{"Authorization": "Basic " + token}, 401},
		{"a wrong cookie", "/", map[string]string{"Cookie": "seshat-token-" + port + "=nope"}, 401},
		{"another port's cookie", "/", map[string]string{"Cookie": "seshat-token-1=" + token}, 401},
		{"Bearer", "/api/view", map[string]string{"Authorization": "Bearer " + token}, 200},
		{"X-Seshat-Token", "/api/view", map[string]string{"X-Seshat-Token": token}, 200},
		{"the cookie", "/", map[string]string{"Cookie": "seshat-token-" + port + "=" + token}, 200},
	} {
		code, _, body := send(t, http.MethodGet, base+tt.path, "", tt.hdr)
		if code != tt.wcode {
			t.Errorf("%s: %d %s, want %d", tt.name, code, body, tt.wcode)
		}
		if code == 401 && !strings.Contains(body, "token") {
			t.Errorf("%s: the refusal does not say a token is needed: %s", tt.name, body)
		}
	}

	// The link sets the cookie and sends the browser to the same page
	// without the token.
	code, h, body := send(t, http.MethodGet, base+"/?engine=native&token="+token, "", nil)
	if code != http.StatusSeeOther || h.Get("Location") != "/?engine=native" {
		t.Fatalf("the link: %d, Location %q, %s; want 303 to /?engine=native", code, h.Get("Location"), body)
	}
	resp := http.Response{Header: h}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "seshat-token-"+port {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("the link's cookie: %+v (Set-Cookie %q)", cookie, h.Values("Set-Cookie"))
	}

	// The websocket: refused without the token, accepted with the header
	// or with the cookie a page sends.
	if code, body := dialWS(t, base, nil); code != 401 {
		t.Errorf("websocket without the token: %d %s, want 401", code, body)
	}
	if code, body := dialWS(t, base, http.Header{"X-Seshat-Token": {"wrong"}}); code != 401 {
		t.Errorf("websocket with a wrong token: %d %s, want 401", code, body)
	}
	if code, body := dialWS(t, base, http.Header{"Authorization": {"Bearer " + token}}); code != 101 {
		t.Errorf("websocket with the token: %d %s", code, body)
	}
	if code, body := dialWS(t, base, http.Header{"Cookie": {cookie.String()}, "Origin": {base}}); code != 101 {
		t.Errorf("websocket from the page (cookie, same origin): %d %s", code, body)
	}
	if code, _, body := send(t, http.MethodPut, base+"/api/kv/k", "v", map[string]string{"Authorization": "Bearer " + token}); code != 200 && code != 503 {
		t.Errorf("PUT with the token: %d %s", code, body)
	}

	// A -join process presents the token: refused without, joins with
	// -token or the link.
	host := strings.TrimPrefix(base, "http://")
	if err := run(context.Background(), []string{"-join", host}, io.Discard, log.New(io.Discard, "", 0)); err == nil || !strings.Contains(err.Error(), "needs its access token") {
		t.Fatalf("-join without the token: %v", err)
	}
	if err := run(context.Background(), []string{"-join", host, "-token", "x" + token}, io.Discard, log.New(io.Discard, "", 0)); err == nil || !strings.Contains(err.Error(), "refused the token") {
		t.Fatalf("-join with a wrong token: %v", err)
	}
	for _, args := range [][]string{{"-join", host, "-token", token}, {"-join", base + "/?token=" + token}} {
		joinAndLeave(t, args)
	}
}

// joinAndLeave runs a -join process in this one until it says it joined,
// then stops it.
func joinAndLeave(t *testing.T, args []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out, log.New(io.Discard, "", 0)) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "joined the native cluster") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("%q ended before joining: %v; said %q", args, err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("%q did not join: said %q", args, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("%q: %v", args, err)
	}
}

// syncBuffer is a bytes.Buffer for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTokenIsRequiredBeyondLoopback(t *testing.T) {
	base, said, stop := startSaying(t, "-addr", "0.0.0.0:0")
	defer stop()
	m := tokenRE.FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("bound to every address, the server printed no token link: %q", said)
	}
	if u, err := url.Parse(base); err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("the link names %q, want loopback", base)
	}
	if code, _, _ := send(t, http.MethodGet, base+"/", "", nil); code != 401 {
		t.Errorf("GET / without the token: %d, want 401", code)
	}
	if code, _, _ := send(t, http.MethodGet, base+"/", "", map[string]string{"Authorization": "Bearer " + m[1]}); code != 200 {
		t.Errorf("GET / with the token: %d, want 200", code)
	}
	if err := run(context.Background(), []string{"-token", "short"}, io.Discard, log.New(io.Discard, "", 0)); err == nil || !strings.Contains(err.Error(), "16 characters") {
		t.Errorf("-token short: %v", err)
	}
}

// -web used to follow a link out of the directory (it served /etc/passwd).
func TestWebDirKeepsLinksInside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, []byte("root:x:0:0:secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>Seshat</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "style.css"), []byte("body{color:red}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"passwd.html": outside, "up.css": "../" + filepath.Base(filepath.Dir(outside)) + "/passwd", "inside.css": "style.css"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}
	base, stop := start(t, "-web", dir)
	defer stop()
	for _, path := range []string{"/passwd.html", "/up.css", "/..%2f" + filepath.Base(filepath.Dir(outside)) + "%2fpasswd"} {
		code, _, body := send(t, http.MethodGet, base+path, "", nil)
		if code == 200 || strings.Contains(body, "secret") {
			t.Errorf("GET %s: %d %q: a file outside the directory was served", path, code, body)
		}
	}
	if code, _, body := send(t, http.MethodGet, base+"/inside.css", "", nil); code != 200 || !strings.Contains(body, "body{color:red}") {
		t.Errorf("a link inside the directory: %d %q", code, body)
	}
}
