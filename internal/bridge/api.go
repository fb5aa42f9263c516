package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seshat-raft/seshat/wire"
)

// apiAnswer is the JSON of a key-value or command answer; failures say
// ok false, the error and its kind.
type apiAnswer struct {
	OK    bool   `json:"ok"`
	Index uint64 `json:"index,omitempty"`
	// Existed, in a DELETE's answer, says whether the key existed.
	Existed *bool          `json:"existed,omitempty"`
	Error   string         `json:"error,omitempty"`
	Kind    wire.ErrorKind `json:"kind,omitempty"`
}

// KV is the answer of GET /api/kv/{key}.
type KV struct {
	// Key is the key read.
	Key string `json:"key"`
	// Value is its value, "" when it is not found.
	Value string `json:"value"`
	// Found says whether the key exists.
	Found bool `json:"found"`
}

// API returns the HTTP API, to be mounted at /api/ (it reads the whole
// path):
//
//	PUT    /api/kv/{key}  body: the value   200 {"ok": true, "index": n}
//	DELETE /api/kv/{key}                    200 {"ok": true, "index": n, "existed": b}
//	GET    /api/kv/{key}                    200 {"key": k, "value": v, "found": b}
//	POST   /api/command   body: a Command   200 {"ok": true}
//	GET    /api/view?since=n&events=all|notable&max_events=n&log_window=n&kv_from=k&kv_limit=n
//	                                        200 a Frame
//
// Failures answer {"ok": false, "error": "...", "kind": "..."} with 400
// (bad-request, bad-command, ...), 404 (unknown-node), 409 (impossible,
// halted), 503 with Retry-After: 1 (unavailable: no leader, no quorum,
// timeout; nothing was applied, safe to retry), 504 (unknown-outcome: a
// write a leader had accepted was lost with it or timed out; it may or may
// not be applied) or 500 (internal). Bodies are limited to Options.MaxBodyBytes; key-value
// requests to Options.RequestTimeout.
func (b *Bridge) API() http.Handler {
	return http.HandlerFunc(b.serveAPI)
}

func (b *Bridge) serveAPI(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Printf("bridge: panic answering %s %s (a bug): %v", r.Method, r.URL.Path, p)
			b.fail(w, fmt.Errorf("bridge: internal error answering %s %s: %v (this is a bug; the bridge is still running)", r.Method, r.URL.Path, p))
		}
	}()
	if !b.accepted(w, r) {
		return
	}
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/api/kv/"):
		key := strings.TrimPrefix(path, "/api/kv/")
		if key == "" || !utf8.ValidString(key) {
			b.fail(w, badRequest("the key is missing or not UTF-8: use /api/kv/{key}"))
			return
		}
		switch r.Method {
		case http.MethodPut:
			b.apiSet(w, r, key)
		case http.MethodDelete:
			b.apiDelete(w, r, key)
		case http.MethodGet:
			b.apiGet(w, r, key)
		default:
			notAllowed(w, "GET, PUT, DELETE")
		}
	case path == "/api/command":
		if r.Method != http.MethodPost {
			notAllowed(w, "POST")
			return
		}
		b.apiCommand(w, r)
	case path == "/api/view":
		if r.Method != http.MethodGet {
			notAllowed(w, "GET")
			return
		}
		b.apiView(w, r)
	default:
		writeJSON(w, http.StatusNotFound, apiAnswer{Error: fmt.Sprintf("bridge: no endpoint %s; the endpoints are /api/kv/{key}, /api/command and /api/view", path), Kind: wire.KindBadRequest})
	}
}

// accepted checks what a browser could forge: a state-changing request
// (any method but GET and HEAD) whose Origin is present must come from the
// server's own origin, and a POST body must be declared application/json
// (an HTML form can send text/plain, urlencoded or multipart from any site
// without a CORS preflight; a JSON content type forces one, and the Guard
// refuses preflights). PUT and DELETE need no content-type rule: they are
// not CORS simple methods, so a browser preflights them cross-origin. It
// answers the request and returns false when it is refused.
func (b *Bridge) accepted(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	if !sameOrigin(r) {
		b.log.Printf("bridge: refused %s %s from origin %q (host %q)", r.Method, r.URL.Path, r.Header.Get("Origin"), r.Host)
		writeJSON(w, http.StatusForbidden, apiAnswer{Kind: wire.KindForbidden,
			Error: fmt.Sprintf("bridge: cross-origin requests are refused: origin %q is not %s://%s", r.Header.Get("Origin"), requestScheme(r), r.Host)})
		return false
	}
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, apiAnswer{Kind: wire.KindBadRequest,
				Error: fmt.Sprintf("bridge: a POST body must be sent as Content-Type: application/json, not %q (curl: -H 'Content-Type: application/json')", ct)})
			return false
		}
	}
	return true
}

// notAllowed answers 405 naming the allowed methods.
func notAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, apiAnswer{Error: "bridge: method not allowed; use " + allow, Kind: wire.KindBadRequest})
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(apiAnswer{Error: "bridge: cannot encode the answer: " + err.Error(), Kind: wire.KindInternal})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// fail answers err with the status of its kind.
func (b *Bridge) fail(w http.ResponseWriter, err error) {
	kind := kindOf(err)
	if kind == wire.KindUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, statusOf(kind), apiAnswer{Error: err.Error(), Kind: kind})
}

// body reads a request body of at most Options.MaxBodyBytes.
func (b *Bridge) body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.opt.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, badRequest("the body is larger than %d bytes", b.opt.MaxBodyBytes)
		}
		return nil, badRequest("cannot read the body: %v", err)
	}
	return data, nil
}

// requestContext bounds a key-value request by Options.RequestTimeout and
// by the bridge's life.
func (b *Bridge) requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(r.Context(), b.opt.RequestTimeout)
	stop := context.AfterFunc(b.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// timeoutError explains a request that ran out of time.
func (b *Bridge) timeoutError(ctx context.Context, err error) error {
	if ctx.Err() != nil && !unavailable(err) {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("bridge: no answer within %v (no leader or no quorum?): %w", b.opt.RequestTimeout, err)
	}
	return err
}

func (b *Bridge) apiSet(w http.ResponseWriter, r *http.Request, key string) {
	data, err := b.body(w, r)
	if err != nil {
		b.fail(w, err)
		return
	}
	if !utf8.Valid(data) {
		b.fail(w, badRequest("the value is not UTF-8 text"))
		return
	}
	value := string(data)
	b.apiWrite(w, r, func(ctx context.Context) (uint64, error) { return b.e.Set(ctx, key, value) })
}

func (b *Bridge) apiDelete(w http.ResponseWriter, r *http.Request, key string) {
	ctx, cancel := b.requestContext(r)
	defer cancel()
	index, existed, err := b.e.Delete(ctx, key)
	if err != nil {
		b.fail(w, b.timeoutError(ctx, engineErr(err)))
		return
	}
	writeJSON(w, http.StatusOK, apiAnswer{OK: true, Index: index, Existed: &existed})
}

// apiWrite runs a write and answers its index.
func (b *Bridge) apiWrite(w http.ResponseWriter, r *http.Request, write func(context.Context) (uint64, error)) {
	ctx, cancel := b.requestContext(r)
	defer cancel()
	index, err := write(ctx)
	if err != nil {
		b.fail(w, b.timeoutError(ctx, engineErr(err)))
		return
	}
	writeJSON(w, http.StatusOK, apiAnswer{OK: true, Index: index})
}

func (b *Bridge) apiGet(w http.ResponseWriter, r *http.Request, key string) {
	ctx, cancel := b.requestContext(r)
	defer cancel()
	value, found, err := b.e.Get(ctx, key)
	if err != nil {
		b.fail(w, b.timeoutError(ctx, engineErr(err)))
		return
	}
	writeJSON(w, http.StatusOK, KV{Key: key, Value: value, Found: found})
}

func (b *Bridge) apiCommand(w http.ResponseWriter, r *http.Request) {
	data, err := b.body(w, r)
	if err != nil {
		b.fail(w, err)
		return
	}
	var raw json.RawMessage
	if err := decodeStrict(data, &raw); err != nil {
		b.fail(w, fmt.Errorf("%w: %v", wire.ErrBadCommand, err))
		return
	}
	cmd, err := wire.ParseCommand(raw)
	if err == nil {
		err = wire.RealTimeRefusal(cmd)
	}
	if err == nil {
		err = engineErr(b.e.Apply(cmd))
	}
	if err != nil {
		b.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, apiAnswer{OK: true})
}

func (b *Bridge) apiView(w http.ResponseWriter, r *http.Request) {
	var (
		since     uint64
		notable   bool
		maxEvents int
		o         wire.ViewOptions
	)
	for name, vals := range r.URL.Query() {
		if len(vals) != 1 {
			b.fail(w, badRequest("view: %s is given %d times", name, len(vals)))
			return
		}
		v := vals[0]
		var err error
		switch name {
		case "since":
			since, err = strconv.ParseUint(v, 10, 64)
		case "events":
			notable, err = parseEvents("view", v)
		case "max_events":
			maxEvents, err = atoiNonNegative(v)
		case "log_window":
			o.LogWindow, err = atoiNonNegative(v)
		case "kv_from":
			o.KVFrom = v
		case "kv_limit":
			o.KVLimit, err = atoiNonNegative(v)
		default:
			err = errors.New("unknown parameter; the parameters are since, events, max_events, log_window, kv_from and kv_limit")
		}
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) {
				err = badRequest("view: %s=%q: %v", name, v, err)
			}
			b.fail(w, err)
			return
		}
	}
	if err := o.Check(); err != nil {
		b.fail(w, badRequest("view: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, b.frame(since, notable, maxEvents, o))
}

// atoiNonNegative parses a count of 0 or more.
func atoiNonNegative(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err == nil && n < 0 {
		err = errors.New("must be 0 or more")
	}
	return n, err
}
