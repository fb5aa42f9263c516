package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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
	// Paused with no frame still on its way (one arriving after the time
	// is read would move the fork point).
	at := eval[int64](p, `seshatPage.pause()`)
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
	caption := func() string {
		return eval[string](p, `document.querySelector('[data-testid="fork-caption"]').textContent`)
	}
	if c := caption(); !strings.HasPrefix(c, fmt.Sprintf("Both runs at %.3f s, where they first differ: ", float64(diverged)/1000)) {
		t.Fatalf("the side-by-side table at the difference: %q", c)
	}
	p.shot("fork")
	p.shotOf("fork-panel", `[data-testid="fork-box"]`)

	// Both runs at any other time: the slider's first time (the fork
	// point), where they are alike, and its last.
	p.do(chromedp.SendKeys(`#fork-at`, kb.Home))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="fork-caption"]').textContent.startsWith('Both runs at %.3f s, ')`, float64(at)/1000))
	if c := caption(); !strings.HasSuffix(c, " before they first differ: every node alike.") {
		t.Fatalf("both runs at the fork point: %q", c)
	}
	until := eval[int64](p, `Number(document.querySelector('#fork-at').max)`)
	p.do(chromedp.SendKeys(`#fork-at`, kb.End))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="fork-caption"]').textContent.startsWith('Both runs at %.3f s, ')`, float64(until)/1000))
	if c := caption(); !strings.Contains(c, " after they first differ: ") || until <= diverged {
		t.Fatalf("both runs at the end (%d ms): %q", until, c)
	}
	p.shotOf("fork-compare", `[data-testid="fork-box"]`)
	// Back to the difference for what follows.
	eval[bool](p, fmt.Sprintf(`(document.querySelector('#fork-at').value = '%d', document.querySelector('#fork-at').dispatchEvent(new Event('change')), true)`, diverged))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="fork-caption"]').textContent.startsWith('Both runs at %.3f s, where')`, float64(diverged)/1000))

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

// TestForkTheNextCommand, as a person would: press Fork the next command,
// then Crash on the selected node: the crash goes to a fork, not to this
// run, and the page says where the fork first differs, with the node down
// in the fork's column only; the button is released. Then Fork with this
// seed forks with the run's random numbers from another seed.
func TestForkTheNextCommand(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	at := eval[int64](p, `seshatPage.pause()`)
	p.click("fork-next")
	if on := eval[string](p, `document.querySelector('[data-testid="fork-next"]').getAttribute('aria-pressed')`); on != "true" {
		t.Fatalf("Fork the next command pressed: aria-pressed %q", on)
	}
	p.click("node-1-crash")
	p.poll(`!document.querySelector('[data-testid="fork-box"]').hidden`)
	text := eval[string](p, `document.querySelector('[data-testid="fork-text"]').textContent`)
	if !strings.HasPrefix(text, fmt.Sprintf("Forked at %.3f s with Crash n1: the runs first differ at ", float64(at)/1000)) {
		t.Fatalf("fork: %q", text)
	}
	if up, now := eval[bool](p, `seshatPage.frame().view.nodes[0].up`), eval[int64](p, `seshatPage.frame().view.time`); !up || now != at {
		t.Fatalf("the crash went to this run: n1 up %v, at %d ms (was %d)", up, now, at)
	}
	row := eval[[]string](p, `[...document.querySelectorAll('[data-testid="fork-rows"] tr')[0].children].map((c) => c.textContent)`)
	if len(row) != 3 || strings.HasPrefix(row[1], "down") || !strings.HasPrefix(row[2], "down") {
		t.Fatalf("n1 side by side: %q", row)
	}
	if on := eval[string](p, `document.querySelector('[data-testid="fork-next"]').getAttribute('aria-pressed')`); on != "false" {
		t.Fatalf("after the fork, Fork the next command is still pressed (%q)", on)
	}
	// The next crash goes to this run.
	p.click("node-1-crash")
	p.poll(`!seshatPage.frame().view.nodes[0].up`)

	// Fork with this seed: the run's random numbers from seed 7 from now,
	// in a fork; a seed past what the page holds exactly is refused.
	at = eval[int64](p, `seshatPage.frame().view.time`)
	p.do(chromedp.SetValue(chromedp.CSS(`#reseed`), "9007199254740993"))
	p.click("reseed-fork")
	if e := p.takeError(`Reseed: seed is "9007199254740993"; it must be a whole number from 0 to 9007199254740991`); e == "" {
		t.Fatal("no error for a seed past 2^53-1")
	}
	p.do(chromedp.SetValue(chromedp.CSS(`#reseed`), "7"))
	p.click("reseed-fork")
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="fork-text"]').textContent.startsWith('Forked at %.3f s with seed 7 from now: the runs first differ at ')`, float64(at)/1000))
	if now := eval[int64](p, `seshatPage.frame().view.time`); now != at {
		t.Fatalf("the fork with a seed moved this run from %d to %d ms", at, now)
	}
}
