package bridge

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestGuardHosts(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, tt := range []struct {
		addr    string
		hosts   []string
		allowed []string
		refused []string
	}{
		{
			addr:    "127.0.0.1:8080",
			allowed: []string{"127.0.0.1:8080", "localhost:8080", "LocalHost:8080", "[::1]:8080"},
			refused: []string{"", "evil.example", "evil.example:8080", "127.0.0.1:8081", "localhost", "localhost.:8080", "192.168.1.5:8080", "127.0.0.2:8080", "user@localhost:8080", "localhost:8080/x"},
		},
		{
			addr:    "127.0.0.1:80",
			allowed: []string{"localhost", "127.0.0.1", "localhost:80"},
			refused: []string{"localhost:8080"},
		},
		{
			addr:    "192.168.1.5:8080",
			hosts:   []string{"seshat.lan", "proxy.lan:443"},
			allowed: []string{"192.168.1.5:8080", "localhost:8080", "seshat.lan:8080", "SESHAT.LAN:8080", "proxy.lan:443"},
			refused: []string{"192.168.1.6:8080", "seshat.lan:9090", "proxy.lan:8080", "evil.example:8080"},
		},
		{
			addr:    "0.0.0.0:8080",
			allowed: []string{"10.0.0.7:8080", "[fe80::1]:8080", "localhost:8080"},
			refused: []string{"10.0.0.7:8081", "evil.example:8080", "myhost:8080"},
		},
		{
			addr:    "[::]:8080",
			hosts:   []string{"myhost"},
			allowed: []string{"10.0.0.7:8080", "myhost:8080"},
			refused: []string{"evil.example:8080"},
		},
	} {
		g, err := NewGuard(GuardOptions{Addr: tt.addr, Hosts: tt.hosts})
		if err != nil {
			t.Fatalf("%s: %v", tt.addr, err)
		}
		h := g.Wrap(ok)
		for _, host := range tt.allowed {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Host = host
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusTeapot {
				t.Errorf("%s: Host %q refused: %d %s", tt.addr, host, w.Code, w.Body)
			}
		}
		for _, host := range tt.refused {
			r := httptest.NewRequest(http.MethodGet, "/api/view", nil)
			r.Host = host
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), `"kind":"forbidden"`) {
				t.Errorf("%s: Host %q: %d %s, want 403 kind forbidden", tt.addr, host, w.Code, w.Body)
			}
		}
	}
	for _, o := range []GuardOptions{{Addr: "localhost"}, {Addr: "127.0.0.1:0"}, {Addr: "127.0.0.1:8080", Hosts: []string{"http://x"}}, {Addr: "127.0.0.1:8080", Hosts: []string{"x/y"}}} {
		if _, err := NewGuard(o); err == nil {
			t.Errorf("NewGuard(%+v) accepted", o)
		}
	}
}

func TestGuardRefusesPreflights(t *testing.T) {
	g, err := NewGuard(GuardOptions{Addr: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Errorf("%s reached the handler", r.Method) }))
	for _, path := range []string{"/", "/api/kv/k", "/api/command", "/ws"} {
		r := httptest.NewRequest(http.MethodOptions, path, nil)
		r.Host = "localhost:8080"
		r.Header.Set("Origin", "http://evil.example")
		r.Header.Set("Access-Control-Request-Method", "PUT")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" || !strings.Contains(w.Body.String(), "preflight") {
			t.Errorf("OPTIONS %s: %d %v %s", path, w.Code, w.Header(), w.Body)
		}
	}
}

// A browser can send text/plain, urlencoded or multipart POSTs to any
// origin without a preflight: the API takes JSON bodies only as
// application/json, and state changes only from its own origin.
func TestAPIAcceptsOnlyItsOwnOriginAndJSON(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{})
	for _, tt := range []struct {
		method, path, ctype, origin string
		wcode                       int
	}{
		{"POST", "/api/command", "text/plain", "", 415},
		{"POST", "/api/command", "", "", 415},
		{"POST", "/api/command", "multipart/form-data; boundary=x", "", 415},
		{"POST", "/api/command", "application/json", "http://evil.example", 403},
		{"POST", "/api/command", "application/json", "https://" + strings.TrimPrefix(srv.URL, "http://"), 403},
		{"PUT", "/api/kv/k", "text/plain", "http://evil.example", 403},
		{"DELETE", "/api/kv/k", "", "http://evil.example", 403},
		{"POST", "/api/command", "application/json;charset=UTF-8", srv.URL, 200},
		{"PUT", "/api/kv/k", "application/x-www-form-urlencoded", "", 200}, // curl --data
		{"PUT", "/api/kv/k", "text/plain", srv.URL, 200},
		{"GET", "/api/kv/k", "", "http://evil.example", 200}, // reads change nothing; the browser hides the answer
	} {
		before := fe.state()
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(`{"kind":"crash","node":1}`))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wcode {
			t.Errorf("%s %s (%q, origin %q): %d, want %d", tt.method, tt.path, tt.ctype, tt.origin, resp.StatusCode, tt.wcode)
		}
		if after := fe.state(); tt.wcode != 200 && !reflect.DeepEqual(after, before) {
			t.Fatalf("%s %s (%q, origin %q) changed the engine: %+v, then %+v", tt.method, tt.path, tt.ctype, tt.origin, before, after)
		}
	}
}

func TestConnectionCap(t *testing.T) {
	b, srv := serve(t, newFake(), Options{MaxConns: 2})
	var open []*websocket.Conn
	for range 2 {
		c, _, err := websocket.DefaultDialer.Dial(wsURL(srv), nil)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	_, resp, err := websocket.DefaultDialer.Dial(wsURL(srv), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a third connection: %v %v, want 503", err, resp)
	}
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	if !strings.Contains(string(buf[:n]), "2 websocket connections are open") {
		t.Errorf("the refusal says %q", buf[:n])
	}
	// Once one closes, another may open.
	open[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _, err := websocket.DefaultDialer.Dial(wsURL(srv), nil)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection after one closed: %v (%d open)", err, len(b.Stats().Clients))
		}
		time.Sleep(5 * time.Millisecond)
	}
	open[1].Close()
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 48 || seen[tok] || strings.Trim(tok, "0123456789abcdef") != "" {
			t.Fatalf("token %q (seen before: %v)", tok, seen[tok])
		}
		seen[tok] = true
	}
}
