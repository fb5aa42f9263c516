package bridge

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seshat-raft/seshat/wire"
)

// GuardOptions say which requests a Guard lets through.
type GuardOptions struct {
	// Addr is the address the server listens on, host:port with the real
	// port (a listener's Addr().String()). A specific host (127.0.0.1,
	// 192.168.1.5, [::1], a name) is allowed as it is; an unspecified one
	// (0.0.0.0, [::]) allows every IP address literal at that port (an IP
	// literal cannot be rebound to another machine by DNS).
	Addr string
	// Hosts are more names the server may be addressed by, as "name" (at
	// Addr's port) or "name:port" (e.g. behind a port forward).
	Hosts []string
	// Token, when not empty, is the access token every request must
	// present (see Guard). Empty: none is needed, and tokens presented are
	// ignored.
	Token string
	// Logger receives a line for each refused request (default: none).
	Logger *log.Logger
}

// Guard checks every request before the page, /ws or /api/ see it:
//
//   - Host must be one the server answers to: localhost, 127.0.0.1 and
//     [::1] at the listening port, the listening address itself, and
//     GuardOptions.Hosts. Others get 403 kind forbidden, which stops DNS
//     rebinding (a foreign name resolved to this machine).
//   - OPTIONS is refused with 403: the server takes no cross-origin
//     requests, so a CORS preflight never succeeds, and a browser never
//     sends the request it announces (a cross-origin PUT, DELETE, or POST
//     with a JSON body).
//   - With a token set, each request presents it as "Authorization: Bearer
//     TOKEN", "X-Seshat-Token: TOKEN" or the cookie the server sets when a
//     link with ?token=TOKEN is opened (HttpOnly, SameSite=Lax; the
//     link's answer is a 303 to the same URL without the token). A request
//     without it, or with a wrong one, gets 401 kind unauthorized.
//
// The Origin of websockets and state-changing requests is checked by the
// Bridge itself (ServeWS and API), so it holds behind any handler.
type Guard struct {
	hosts  map[string]bool // host:port, lower case, IPv6 in brackets
	port   string
	anyIP  bool   // the server listens on every address
	token  []byte // sha256 of the token; nil: none required
	cookie string // the cookie's name (per port: cookies ignore ports)
	log    *log.Logger
}

// NewGuard returns a Guard for o, or an error naming what in o is wrong.
func NewGuard(o GuardOptions) (*Guard, error) {
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("bridge: guard: the listening address %q: %w", o.Addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, fmt.Errorf("bridge: guard: the listening address %q has no real port (use the listener's address)", o.Addr)
	}
	g := &Guard{hosts: make(map[string]bool), port: port, cookie: "seshat-token-" + port, log: o.Logger}
	if g.log == nil {
		g.log = log.New(io.Discard, "", 0)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		g.hosts[hostPort(h, port)] = true
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		g.anyIP = true
	} else {
		g.hosts[hostPort(host, port)] = true
	}
	for _, h := range o.Hosts {
		name, p, err := net.SplitHostPort(h)
		if err != nil {
			name, p = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), port
		}
		if n, err := strconv.Atoi(p); name == "" || strings.ContainsAny(name, "/?#@ ") || err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("bridge: guard: allowed host %q: give a name or name:port, without a scheme or path", h)
		}
		g.hosts[hostPort(name, p)] = true
	}
	if o.Token != "" {
		sum := sha256.Sum256([]byte(o.Token))
		g.token = sum[:]
	}
	return g, nil
}

// NewToken returns a random access token: 24 bytes from crypto/rand in hex.
func NewToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("bridge: cannot draw an access token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// hostPort joins a host and port in lower case, IPv6 in brackets.
func hostPort(host, port string) string {
	return strings.ToLower(net.JoinHostPort(host, port))
}

// requestScheme is the scheme the request was served with.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// defaultPort is a scheme's port when a URL or Host names none.
func defaultPort(scheme string) string {
	if scheme == "https" || scheme == "wss" {
		return "443"
	}
	return "80"
}

// normalHost returns a Host header as host:port in lower case (the
// scheme's port when it names none), or false when it is not one.
func normalHost(h, scheme string) (string, bool) {
	if h == "" || strings.ContainsAny(h, "/?#@ ") {
		return "", false
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), defaultPort(scheme)
	}
	if host == "" || port == "" {
		return "", false
	}
	return hostPort(host, port), true
}

// hostAllowed reports whether the request's Host is one the server serves.
func (g *Guard) hostAllowed(r *http.Request) bool {
	hp, ok := normalHost(r.Host, requestScheme(r))
	if !ok {
		return false
	}
	if g.hosts[hp] {
		return true
	}
	host, port, _ := net.SplitHostPort(hp)
	return g.anyIP && port == g.port && net.ParseIP(host) != nil
}

// sameOrigin reports whether the request has no Origin header (curl and
// other tools) or one that is exactly the server's own origin: the scheme
// it was served with, and its Host (host and port, a missing port being the
// scheme's). "null" and any other origin are refused.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return false
	}
	scheme := requestScheme(r)
	if !strings.EqualFold(u.Scheme, scheme) {
		return false
	}
	want, ok := normalHost(r.Host, scheme)
	if !ok {
		return false
	}
	got, ok := normalHost(u.Host, scheme)
	return ok && got == want
}

// Wrap returns next behind the guard's checks.
func (g *Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r) {
			g.refuse(w, r, http.StatusForbidden, wire.KindForbidden,
				fmt.Sprintf("bridge: host %q is not one this server answers to (DNS rebinding?); open it as http://localhost:%s/ or start it with -allow-host NAME", r.Host, g.port))
			return
		}
		if r.Method == http.MethodOptions {
			g.refuse(w, r, http.StatusForbidden, wire.KindForbidden,
				"bridge: cross-origin requests (CORS preflights) are refused: this server answers its own page and tools without an Origin only")
			return
		}
		if g.token != nil && !g.authorized(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// matches reports whether token is the server's, in constant time.
func (g *Guard) matches(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], g.token) == 1
}

// authorized checks the request's token. It answers the request itself and
// returns false when the token is missing or wrong, or when the request is a
// link with ?token= (a 303 that sets the cookie).
func (g *Guard) authorized(w http.ResponseWriter, r *http.Request) bool {
	if q := r.URL.Query(); q.Has("token") && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isUpgrade(r) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		if !g.matches(q.Get("token")) {
			g.refuse(w, r, http.StatusUnauthorized, wire.KindUnauthorized,
				"bridge: the token in this link is not this server's (a new one is drawn each time it starts): open the link it printed last")
			return false
		}
		http.SetCookie(w, &http.Cookie{
			Name: g.cookie, Value: q.Get("token"), Path: "/",
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
		})
		q.Del("token")
		to := (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, to, http.StatusSeeOther)
		return false
	}
	token, from := presented(r, g.cookie)
	switch {
	case from == "":
		g.refuse(w, r, http.StatusUnauthorized, wire.KindUnauthorized,
			"bridge: this server needs its access token: open the link it printed at start (…/?token=…), or send the header \"Authorization: Bearer TOKEN\" (-join: -token TOKEN)")
		return false
	case !g.matches(token):
		g.refuse(w, r, http.StatusUnauthorized, wire.KindUnauthorized,
			fmt.Sprintf("bridge: the access token in the %s is not this server's (a new one is drawn each time it starts)", from))
		return false
	}
	return true
}

// presented returns the token a request carries and where it was found
// ("" when none): the Authorization header, X-Seshat-Token, or the cookie.
func presented(r *http.Request, cookie string) (token, from string) {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, t, _ := strings.Cut(a, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(t), "Authorization header"
		}
	}
	if t := r.Header.Get("X-Seshat-Token"); t != "" {
		return t, "X-Seshat-Token header"
	}
	if c, err := r.Cookie(cookie); err == nil {
		return c.Value, "cookie " + cookie
	}
	return "", ""
}

// isUpgrade reports whether r asks for a websocket.
func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// refuse answers a refused request: JSON for /api/, text elsewhere.
func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, status int, kind wire.ErrorKind, msg string) {
	g.log.Printf("%s (%s %s from %s)", msg, r.Method, r.URL.Path, r.RemoteAddr)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, status, apiAnswer{Error: msg, Kind: kind})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}
