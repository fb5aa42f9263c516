package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/seshat-raft/seshat/sim"
)

// sessionLink pauses the page, waits for its session in the URL and returns
// that URL with the session changed by edit (JavaScript: s => {...}).
func sessionLink(p *page, edit string) string {
	p.t.Helper()
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	p.poll(`location.hash.startsWith("#s=")`)
	return eval[string](p, fmt.Sprintf(`(async () => {
		const m = await import(new URL("ui/session-url.js", location.href).href);
		const s = await m.decodeSession(m.parseHash(location.hash).session);
		(%s)(s);
		return location.origin + location.pathname + m.buildHash(await m.encodeSession(s));
	})()`, edit))
}

// openLink loads url as a new page (a link pasted into a new tab).
func (p *page) openLink(url string) {
	p.t.Helper()
	p.do(chromedp.Navigate("about:blank"), chromedp.Navigate(url))
	p.poll(`window.seshatPage !== undefined`)
}

// newCluster asks for a new cluster of n nodes with the form, as a user does,
// and waits until it is drawn.
func (p *page) newCluster(n int) {
	p.t.Helper()
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), fmt.Sprint(n)))
	p.click("restart-cluster")
	p.poll(fmt.Sprintf(`seshatPage.frame() !== null && seshatPage.frame().view.nodes.length === %d && document.querySelectorAll('[data-testid^="node-"][data-up]').length === %d`, n, n))
}

// takeError waits until the page has shown an error containing each of
// want, and takes the errors shown (returned, one a line).
func (p *page) takeError(want ...string) string {
	p.t.Helper()
	conds := []string{"true"}
	for _, w := range want {
		conds = append(conds, fmt.Sprintf(`e.includes(%q)`, w))
	}
	p.poll(fmt.Sprintf(`seshatPage.shownErrors().some(e => %s)`, strings.Join(conds, " && ")))
	shown, err := p.shownErrors(true)
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.Join(shown, "\n")
}

const jsBusy = `(() => { const b = document.querySelector('[data-testid="busy"]'); return b.hidden ? "" : b.textContent; })()`

// A link whose until is 1e12 froze the worker for good, and one with a huge
// command list for longer than anyone waits: each now shows its error at
// once, the page runs a cluster, and New cluster works.
func TestALinkPastTheLimitsShowsItsErrorAndNewClusterWorks(t *testing.T) {
	p := newPage(t)
	p.open("")
	for _, c := range []struct {
		edit string
		want []string
	}{
		{`s => { s.until = 1e12; }`, []string{"until is 1000000000000 ms", fmt.Sprint(sim.MaxSessionUntilMS)}},
		{fmt.Sprintf(`s => { s.until = 1000; s.commands = Array.from({length: %d}, (_, i) => ({step: i, at: 0, cmd: {kind: "heal"}})); }`, sim.MaxSessionCommands+10),
			[]string{fmt.Sprintf("%d commands", sim.MaxSessionCommands+10), fmt.Sprint(sim.MaxSessionCommands)}},
	} {
		link := sessionLink(p, c.edit)
		p.openLink(link)
		p.takeError(c.want...)
		p.poll(`seshatPage.frame() !== null && document.querySelectorAll('[data-testid^="node-"][data-up]').length === 5`)
		p.newCluster(3)
		p.shot("limit")
		p.newCluster(5)
	}
}

// A long import shows its progress and can be cancelled, which leaves the
// page running a cluster; New cluster during a long import cancels it and
// makes the cluster asked for.
func TestALongImportShowsProgressAndCanBeCancelled(t *testing.T) {
	p := newPage(t)
	p.open("")
	// Nine nodes for six virtual hours: the longest session a link may ask
	// for, many slices of replay.
	link := sessionLink(p, fmt.Sprintf(`s => { s.config.nodes = 9; s.commands = []; s.until = %d; }`, sim.MaxSessionUntilMS))
	p.openLink(link)
	p.poll(jsBusy + `.includes("Replaying the session")`)
	p.shot("importing")
	p.click("busy-cancel")
	p.takeError("import cancelled")
	p.poll(`seshatPage.frame() !== null && document.querySelectorAll('[data-testid^="node-"][data-up]').length === 5 && ` + jsBusy + ` === ""`)

	p.openLink(link)
	p.poll(jsBusy + `.includes("Replaying the session")`)
	p.newCluster(3)
	p.takeError("import cancelled")
	p.poll(jsBusy + ` === ""`)
	if n := eval[int](p, `seshatPage.frame().view.nodes.length`); n != 3 {
		t.Fatalf("%d nodes after New cluster, want 3", n)
	}
}

// An 88 MB file froze the page for about 10 s before its error: a file
// larger than the engine reads is refused before it is read.
func TestAFileLargerThanTheLimitIsRefusedBeforeReading(t *testing.T) {
	p := newPage(t)
	p.open("")
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	before := eval[float64](p, `seshatPage.frame().view.time`)
	f := filepath.Join(t.TempDir(), "big.json")
	body := "[" + strings.Repeat("0,", sim.MaxSessionBytes/2) + "0]"
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="import"]`), []string{f}))
	p.takeError("big.json is not read", fmt.Sprintf("it is %s bytes", commas(len(body))), commas(sim.MaxSessionBytes))
	if after := eval[float64](p, `seshatPage.frame().view.time`); after != before {
		t.Fatalf("the cluster changed: %v ms, was %v", after, before)
	}
}

// commas writes n as the page does (en-US grouping).
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
