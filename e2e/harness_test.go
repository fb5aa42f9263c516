package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/internal/devserver"
	"github.com/seshat-raft/seshat/native"
	"github.com/seshat-raft/seshat/wire"
)

// shots is where screenshots go: DIR/<test name>/<shot>.png, replaced on
// each run. Without it they go to the test's temporary output directory
// (t.ArtifactDir()), whose path each test logs.
var shots = flag.String("shots", "", "save screenshots in `DIR`/<test name>/")

// built is the directory holding seshat.wasm, wasm_exec.js, interop.wasm
// and etcd-raft/, built once.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// overlay serves files from the first file system that has them.
type overlay []fs.FS

func (o overlay) Open(name string) (fs.File, error) {
	var err error
	for _, f := range o {
		var file fs.File
		if file, err = f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, err
}

func buildWasm() (string, error) {
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "seshat-e2e-")
		if err != nil {
			built.err = err
			return
		}
		// As make wasm builds it (optimised by wasm-opt), so the tests
		// run the engine the page is served.
		cmd := exec.Command("bash", filepath.Join("..", "scripts", "build-engine.sh"), dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("building the wasm engine (scripts/build-engine.sh; make tools-wasm-opt installs wasm-opt): %v\n%s", err, out)
			return
		}
		// The interop module and etcd raft's scripts, which the page
		// loads on demand, as make wasm builds them.
		cmd = exec.Command("bash", filepath.Join("..", "scripts", "build-interop.sh"), dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("building the interop module (scripts/build-interop.sh): %v\n%s", err, out)
			return
		}
		built.dir = dir
	})
	return built.dir, built.err
}

// brotli is built's seshat.wasm.br, made once by brotliEngine.
var brotli struct {
	once sync.Once
	err  error
}

// brotliEngine builds the engine with its brotli copy (build-engine.sh's
// br), so that the pages opened after it send the engine as the dev server
// sends it to a browser accepting br. Only the page-weight figure needs
// it: the copy takes a minute to make when the engine changed.
func brotliEngine() error {
	dir, err := buildWasm()
	if err != nil {
		return err
	}
	brotli.once.Do(func() {
		cmd := exec.Command("bash", filepath.Join("..", "scripts", "build-engine.sh"), dir, "br")
		if out, err := cmd.CombinedOutput(); err != nil {
			brotli.err = fmt.Errorf("building the engine's brotli copy (scripts/build-engine.sh DIR br): %v\n%s", err, out)
		}
	})
	return brotli.err
}

// webDir is the page's directory the tests serve: ../web, or the directory
// SESHAT_E2E_WEB names (the benchmark compares two versions of the page in
// one session that way: the same engine, test and browser, another page).
func webDir() string {
	if d := os.Getenv("SESHAT_E2E_WEB"); d != "" {
		return d
	}
	return filepath.Join("..", "web")
}

// pageToken is the access token the pages' servers require.
const pageToken = "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0"

// page is one browser tab on a fresh server.
type page struct {
	t      *testing.T
	ctx    context.Context
	url    string
	h      *devserver.Handler
	dir    string // screenshot folder, once made
	mu     sync.Mutex
	errors []string
}

// chromium finds the browser.
func chromium() (string, error) {
	for _, p := range []string{os.Getenv("SESHAT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found: install it (Debian: apt-get install chromium) or set SESHAT_CHROMIUM; `make test` installs it when run as root")
}

// newPage serves the page and opens it in headless Chromium.
func newPage(t *testing.T) *page {
	t.Helper()
	return newPageServing(t, nil)
}

// newNativePage is newPage with n native Raft nodes behind /ws and /api/,
// as `devserver -native n` serves them.
func newNativePage(t *testing.T, n int) (*page, *native.Cluster) {
	t.Helper()
	if os.Getenv("SESHAT_E2E") != "1" {
		t.Skip("browser tests run with `make test-browser` (SESHAT_E2E=1)")
	}
	cfg := wire.DefaultConfig()
	cfg.Nodes = n
	cl, err := native.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	br := bridge.New(cl, bridge.Options{Join: func(ctx context.Context, id core.NodeID, send func(*raftpb.Message)) (bridge.Member, error) {
		rm, err := cl.AddRemoteAs(ctx, id, send)
		if err != nil {
			return nil, err
		}
		return rm, nil
	}})
	t.Cleanup(func() {
		br.Close()
		if err := cl.Stop(); err != nil {
			t.Error(err)
		}
	})
	return newPageServing(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/ws", br.ServeWS)
		mux.Handle("/api/", br.API())
	}), cl
}

// newPageServing serves the page, with more routes when mount is given, and
// opens it in headless Chromium.
func newPageServing(t *testing.T, mount func(*http.ServeMux)) *page {
	t.Helper()
	if os.Getenv("SESHAT_E2E") != "1" {
		t.Skip("browser tests run with `make test-browser` (SESHAT_E2E=1)")
	}
	dir, err := buildWasm()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := chromium()
	if err != nil {
		t.Fatal(err)
	}
	h := devserver.NewHandler(overlay{os.DirFS(dir), os.DirFS(webDir())}, devserver.Options{})
	if err := h.Prepare(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	if mount != nil {
		mount(mux)
	}
	// Behind the Guard with a token, as `devserver -require-token` serves
	// it: the page must keep working with its Host, Origin and cookie.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	guard, err := bridge.NewGuard(bridge.GuardOptions{Addr: ln.Addr().String(), Token: pageToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(guard.Wrap(mux))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)

	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("enable-precise-memory-info", true), chromedp.Flag("js-flags", "--expose-gc"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 720))
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	p := &page{t: t, ctx: ctx, url: srv.URL + "/", h: h}
	// Open a token link once, for its cookie: every later request of the
	// page carries it, as a user's does (the link answers a redirect to a
	// file that does not exist, which is cheap).
	p.do(chromedp.Navigate(srv.URL + "/token-cookie?token=" + pageToken))
	if err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				p.errors = append(p.errors, "console.error: "+strings.Join(parts, " "))
			}
		case *cdpruntime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			p.errors = append(p.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Errors the page showed the user (a failed engine call, say) are
		// failures too, unless the test took them with shownErrors(true).
		shown, err := p.shownErrors(false)
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.errors {
			t.Errorf("page: %s", e)
		}
		if err == nil {
			for _, e := range shown {
				t.Errorf("page showed an error: %s", e)
			}
		}
	})
	return p
}

// shownErrors returns the errors the page has shown the user; take clears
// them (a test that provokes an error on purpose takes it).
func (p *page) shownErrors(take bool) ([]string, error) {
	return chromedp.Run(p.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`window.seshatPage ? seshatPage.shownErrors(%t) : []`, take)))
}

// open navigates to the page (with an optional URL suffix) and waits until
// the engine runs.
func (p *page) open(suffix string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.url + suffix))
	p.poll(`window.seshatPage && window.seshatPage.frame() !== null`)
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.shot("failure")
		p.t.Fatal(err)
	}
}

// eval evaluates JavaScript and decodes the result.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// poll waits until a JavaScript expression is truthy (bounded; the page's
// own virtual clock decides how fast things happen).
func (p *page) poll(js string) { p.t.Helper(); p.pollFor(js, 30*time.Second) }

// pollFor is poll with a longer bound, for long simulated runs. An
// expression that throws counts as not true yet: a panel draws its
// elements a few frames after the view that has them (kv-4 after n4
// joined), so a poll may look for one before it exists. The timeout's
// message says what it threw last.
func (p *page) pollFor(js string, limit time.Duration) {
	p.t.Helper()
	if err := pollPage(p.ctx, untilTrue(js), limit); err != nil {
		p.shot("timeout")
		threw, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`window.__e2ePollThrew || ""`))
		if threw != "" {
			err = fmt.Errorf("%w; it last threw %s", err, threw)
		}
		p.t.Fatalf("waiting for %s: %v", js, err)
	}
}

// untilTrue wraps a poll's expression so that an exception counts as
// false, recording what was thrown in window.__e2ePollThrew.
func untilTrue(js string) string {
	return "(() => { try { window.__e2ePollThrew = ''; return (" + js + "); } catch (e) { window.__e2ePollThrew = String(e); return false; } })()"
}

// pollPage runs chromedp's Poll, which evaluates js in the execution
// context that chromedp last recorded for the top frame. chromedp records
// contexts on one goroutine and ends Navigate on another, when the load
// event reaches it; so right after a navigation the recorded context can
// still be the old document's, which Chromium has destroyed, and Poll fails
// at once with "Cannot find context with specified id". The old context is
// gone, so nothing ever runs in the wrong document: pollPage makes one CDP
// round trip (which lets chromedp's goroutine catch up) and polls again,
// within the same limit. Any other error is returned as it is.
func pollPage(ctx context.Context, js string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil || !staleContext(err) || time.Until(deadline) <= 0 {
			return err
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("0")); err != nil {
			return err
		}
	}
}

// staleContext reports whether err is Chromium refusing an execution
// context that no longer exists.
func staleContext(err error) bool {
	var cerr *cdproto.Error
	return errors.As(err, &cerr) && cerr.Code == -32000 && cerr.Message == "Cannot find context with specified id"
}

// click clicks an element where it is on screen, as a user does. chromedp
// scrolls the element into view, measures it and clicks at those
// coordinates; a panel above it that grows in between (the page redraws
// while the cluster runs) moves it, and the click lands on whatever moved
// there. So click waits for the element to stay put, and a one-shot
// listener swallows a click that reached anything else, which is then
// tried again (at most clickTries times).
func (p *page) click(testid string) {
	p.t.Helper()
	sel := fmt.Sprintf(`[data-testid="%s"]`, testid)
	arm := fmt.Sprintf(`(() => {
		window.__seshatClick = "none";
		document.addEventListener("click", (e) => {
			const hit = e.target instanceof Element && e.target.closest(%q) !== null;
			window.__seshatClick = hit ? "hit" : "missed " + (e.target.dataset?.testid || e.target.id || e.target.tagName);
			if (!hit) { e.preventDefault(); e.stopImmediatePropagation(); }
		}, { capture: true, once: true });
		return true;
	})()`, sel)
	got := ""
	for range clickTries {
		p.settle(sel)
		eval[bool](p, arm)
		p.do(chromedp.Click(chromedp.CSS(sel)))
		if got = eval[string](p, `window.__seshatClick`); got == "hit" {
			return
		}
		p.t.Logf("clicking %s: %s; trying again", sel, got)
	}
	p.shot("click")
	p.t.Fatalf("clicking %s: %s (%d tries)", sel, got, clickTries)
}

// clickTries bounds click's attempts.
const clickTries = 5

// settle waits until the element sel has kept its place in the document for
// settleFrames animation frames in a row (at most settleMaxFrames).
func (p *page) settle(sel string) {
	p.t.Helper()
	js := fmt.Sprintf(`new Promise((resolve) => {
		let last = "", same = 0, frames = 0;
		const step = () => {
			const el = document.querySelector(%q);
			const r = el ? el.getBoundingClientRect() : null;
			const at = r ? [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round).join() : "";
			same = at !== "" && at === last ? same + 1 : 0;
			last = at;
			if (same >= %d) return resolve(true);
			if (++frames >= %d) return resolve(false);
			requestAnimationFrame(step);
		};
		requestAnimationFrame(step);
	})`, sel, settleFrames, settleMaxFrames)
	if !eval[bool](p, js) {
		p.shot("unsettled")
		p.t.Fatalf("%s kept moving for %d frames", sel, settleMaxFrames)
	}
}

// Bounds of settle.
const (
	settleFrames    = 5
	settleMaxFrames = 600
)

// shotDir returns the test's screenshot folder, created once.
func (p *page) shotDir() (string, error) {
	if p.dir != "" {
		return p.dir, nil
	}
	if *shots == "" {
		p.dir = p.t.ArtifactDir()
		return p.dir, nil
	}
	dir := filepath.Join(*shots, strings.NewReplacer("/", "__", `\`, "__").Replace(p.t.Name()))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p.dir = dir
	return dir, nil
}

// shot saves a full-page screenshot in the test's screenshot folder and
// prints its path.
func (p *page) shot(name string) {
	p.t.Helper()
	p.save(name, chromedp.FullScreenshot(100))
}

// shotOf saves a screenshot of the viewport with the element sel scrolled
// into view, as shot does. Panels below the fold are laid out only when
// they come near (content-visibility), so one scroll may land short: it
// scrolls until the element's top is in the upper half of the window.
// (A full-page screenshot lays the page out again, taller, and loses the
// side column's scroll.)
func (p *page) shotOf(name, sel string) {
	p.t.Helper()
	p.poll(fmt.Sprintf(`(() => { const e = document.querySelector(%q); const r = e.getBoundingClientRect();
		if (r.top >= 0 && r.top < innerHeight / 2) return true; e.scrollIntoView({block: 'start'}); return false; })()`, sel))
	p.save(name, chromedp.CaptureScreenshot())
}

// save runs a screenshot action and writes its PNG as name.
func (p *page) save(name string, shot chromedp.Action[[]byte]) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, shot)
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir, err := p.shotDir()
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p.t.Logf("screenshot: %s", path)
}

// Helpers reading the engine's last frame through the page.
const (
	jsLeader = `(() => { const v = seshatPage.frame().view; const l = v.nodes.find(n => n.up && n.role === 'leader'); return l ? l.id : 0; })()`
)

// A poll right after a navigation ran in the old document's context, which
// chromedp had not yet replaced (about half the time, see pollPage), and
// failed with "Cannot find context with specified id". Each poll here must
// run, and in the new document.
func TestAPollRightAfterANavigationRunsInTheNewDocument(t *testing.T) {
	p := newPage(t)
	for i := range 20 {
		url := fmt.Sprintf("%sstyle.css?visit=%d", p.url, i)
		p.do(chromedp.Navigate("about:blank"), chromedp.Navigate(url))
		p.poll(fmt.Sprintf(`location.href === %q`, url))
	}
}
