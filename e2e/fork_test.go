package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestForkAndFirstDivergence, as a person would: with clients writing,
// type a drop rate in the Network form and press Fork with these (not
// Apply): this run is left as it was, the page says where the fork first
// differs and shows both clusters there; Travel there goes to that time
// in this run; Open the fork replaces the run with the fork, at the
// difference, its network dropping messages, and the URL then holds it.
func TestForkAndFirstDivergence(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	p.click("add-client")
	p.click("add-client")
	eval[bool](p, `(seshatPage.setSpeed(1), seshatPage.setPlaying(true), true)`)
	p.poll(`seshatPage.frame().view.time > 3000 && seshatPage.frame().view.clients.length === 2`)
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	at := eval[int64](p, `seshatPage.frame().view.time`)
	p.do(chromedp.SetValue(chromedp.CSS(`#drop`), "30"))
	p.click("network-fork")
	p.poll(`!document.querySelector('[data-testid="fork-box"]').hidden`)
	text := eval[string](p, `document.querySelector('[data-testid="fork-text"]').textContent`)
	m := regexp.MustCompile(`the runs first differ at ([0-9.]+) s, after [0-9]+ events alike\. Here: .+\. In the fork: .+\.$`).FindStringSubmatch(text)
	if m == nil || !strings.HasPrefix(text, fmt.Sprintf("Forked at %.3f s with latency", float64(at)/1000)) || !strings.Contains(text, "drop 30%") {
		t.Fatalf("fork: %q", text)
	}
	secs, _ := strconv.ParseFloat(m[1], 64)
	diverged := int64(secs*1000 + 0.5)
	if rows := eval[int](p, `document.querySelectorAll('[data-testid="fork-rows"] tr').length`); rows != eval[int](p, `seshatPage.frame().view.nodes.length`) {
		t.Fatalf("%d rows side by side", rows)
	}
	if now, drop := eval[int64](p, `seshatPage.frame().view.time`), eval[float64](p, `seshatPage.frame().view.network.drop_rate`); now != at || drop != 0 {
		t.Fatalf("forking changed this run: at %d ms (was %d), drop rate %v", now, at, drop)
	}
	p.shot("fork")

	// A window of its own: the fork's link, at the difference.
	eval[bool](p, `(window.open = (url) => { window.__opened = url; return {}; }, true)`)
	p.click("fork-window")
	p.poll(`typeof window.__opened === 'string'`)
	if url := eval[string](p, `window.__opened`); !strings.HasPrefix(url, "http://") || !strings.Contains(url, "#") {
		t.Fatalf("the fork's window opens %q", url)
	}

	p.click("fork-travel")
	p.poll(fmt.Sprintf(`seshatPage.frame().view.time === %d`, diverged))
	p.click("fork-open")
	p.poll(fmt.Sprintf(`seshatPage.frame().view.time === %d && seshatPage.frame().view.network.drop_rate === 0.3`, diverged))
	p.poll(`location.hash.length > 10`)
	p.shot("fork-opened")
}
