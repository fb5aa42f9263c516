package e2e

import (
	"context"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/internal/devserver"
	"github.com/seshat-raft/seshat/native"
	"github.com/seshat-raft/seshat/wire"
)

// browser starts headless Chromium without the page's engine (these tests
// need no wasm).
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("SESHAT_E2E") != "1" {
		t.Skip("browser tests run with `make test-browser` (SESHAT_E2E=1)")
	}
	exe, err := chromium()
	if err != nil {
		t.Fatal(err)
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// guardedServer serves files, and a native cluster of n nodes behind /ws
// and /api/, as `devserver -native n` does: behind the Guard, with token
// (none: "").
func guardedServer(t *testing.T, files fstest.MapFS, n int, token string) (string, *native.Cluster) {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = n
	cl, err := native.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	br := bridge.New(cl, bridge.Options{})
	mux := http.NewServeMux()
	mux.Handle("/", devserver.NewHandler(files, devserver.Options{Cache: true}))
	mux.HandleFunc("/ws", br.ServeWS)
	mux.Handle("/api/", br.API())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g, err := bridge.NewGuard(bridge.GuardOptions{Addr: ln.Addr().String(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(g.Wrap(mux))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		br.Close()
		if err := cl.Stop(); err != nil {
			t.Error(err)
		}
	})
	return srv.URL, cl
}

// A plain HTML form on another origin (no JavaScript needed, no preflight)
// posts a text/plain body that is valid JSON: it used to crash a node.
func TestAFormOnAnotherSiteCannotCrashANode(t *testing.T) {
	ctx := browser(t)
	target, cl := guardedServer(t, fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Seshat</title>")}}, 3, "")
	// enctype text/plain sends name=value: this name and value make
	// {"kind":"crash","node":1,"key":"="}.
	form := `<!doctype html><title>attacker</title><body onload="document.forms[0].submit()">
<form method="POST" enctype="text/plain" action="` + html.EscapeString(target) + `/api/command">
<input type="hidden" name='{"kind":"crash","node":1,"key":"' value='"}'></form>`
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(form))
	}))
	t.Cleanup(evil.Close)

	if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL)); err != nil {
		t.Fatal(err)
	}
	// The form navigates the tab to the API's answer.
	var answer string
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(answer, `"ok"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the form's answer never showed: %q", answer)
		}
		time.Sleep(20 * time.Millisecond)
		answer, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.href.endsWith("/api/command") ? document.body.innerText : ""`))
	}
	if !strings.Contains(answer, `"kind":"forbidden"`) || !strings.Contains(answer, "cross-origin") {
		t.Errorf("the form's answer: %s", answer)
	}
	for _, nv := range cl.Frame(0, true, 1, wire.ViewOptions{LogWindow: 1, KVLimit: 1}).View.Nodes {
		if !nv.Up {
			t.Errorf("n%d is down: the form crashed it (%s)", nv.ID, answer)
		}
	}
}

// Opened by its token link, the page keeps working: the cookie the link
// sets carries its fetches and websocket, from the same origin.
func TestThePageWorksWithAToken(t *testing.T) {
	ctx := browser(t)
	const token = "0123456789abcdef0123456789abcdef"
	page := `<!doctype html><title>page</title><script>
window.result = "pending";
(async () => {
  try {
    const view = await fetch("/api/view?max_events=1");
    if (!view.ok) throw new Error("GET /api/view: " + view.status);
    const put = await fetch("/api/command", {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"kind":"heal"}'});
    if (!put.ok) throw new Error("POST /api/command: " + put.status + " " + await put.text());
    const ws = new WebSocket((location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws");
    ws.onmessage = (e) => { window.result = JSON.parse(e.data).reply.ok ? "ok" : e.data; ws.close(); };
    ws.onerror = () => { window.result = "the websocket failed"; };
    ws.onopen = () => ws.send('{"id":1,"op":"hello","args":{}}');
  } catch (e) { window.result = String(e); }
})();
</script>`
	base, _ := guardedServer(t, fstest.MapFS{"index.html": {Data: []byte(page)}}, 3, token)

	// Without the token the page is refused.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	if body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(body, "access token") {
		t.Fatalf("without the token the page shows %q", body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?engine=native&token="+token)); err != nil {
		t.Fatal(err)
	}
	if href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`)); href != base+"/?engine=native" {
		t.Errorf("after the link the page is at %q, want the token gone", href)
	}
	if err := pollPage(ctx, `window.result !== "pending"`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.result`)); got != "ok" {
		t.Fatalf("the page's own requests: %s", got)
	}
	if cookie, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); cookie != "" {
		t.Errorf("the token cookie is readable from the page: %q", cookie)
	}
}
