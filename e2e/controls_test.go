package e2e

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// quickHands is the gap between two clicks of a person who knows where the
// next button is: the page redraws its panels 120-250 ms late while playing,
// so this is well inside the window where a panel still shows the previous
// selection.
const quickHands = 20 * time.Millisecond

// fastCrashRounds is how many times TestAFastCrashHitsTheNodeJustClicked
// clicks a node and then Crash.
const fastCrashRounds = 50

// jsClickLog records, for every click the page gets, what it landed on and
// when (installed once; read and emptied by jsTakeClicks).
const jsClickLog = `(() => {
	if (!window.__clicks) {
		window.__clicks = [];
		document.addEventListener("click", (e) => {
			const el = e.target instanceof Element ? e.target : null;
			const node = el && el.closest('[data-testid^="node-"]');
			window.__clicks.push({ on: el && el.closest("#act-crash") ? "crash" : node ? node.dataset.testid : (el ? el.id || el.tagName : "?"), t: e.timeStamp });
		}, { capture: true });
	}
	window.__clicks.length = 0;
	return true;
})()`

// clickRecord is one click jsClickLog recorded.
type clickRecord struct {
	On string  `json:"on"`
	T  float64 `json:"t"`
}

// TestAFastCrashHitsTheNodeJustClicked is issue 10's item 3: while playing
// at 10x with n1 selected, a person clicks another node on the ring and,
// 20 ms later, the inspector's Crash. The node they clicked must crash, not
// the one the inspector drew last. Each round starts a new cluster.
func TestAFastCrashHitsTheNodeJustClicked(t *testing.T) {
	p := newPage(t)
	p.open("")
	var gaps []float64
	for round := 0; round < fastCrashRounds; round++ {
		target := 2 + round%4
		eval[bool](p, fmt.Sprintf(`(async () => {
			if (!(await seshatPage.create({nodes: 5, seed: %d}))) return false;
			seshatPage.setSpeed(10); seshatPage.setPlaying(true); seshatPage.selectNode(1);
			return true;
		})()`, round+1))
		// Playing, with the inspector drawn for n1 and its Crash enabled.
		p.poll(`seshatPage.frame().view.time > 300 && document.getElementById('insp-title').textContent.startsWith('n1 ') &&
			!document.getElementById('act-crash').disabled && document.getElementById('play').getAttribute('aria-pressed') === 'true'`)
		p.settle("#act-crash")
		at := eval[[]float64](p, fmt.Sprintf(`(() => {
			const c = (el) => { const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; };
			return [...c(document.querySelector('[data-testid="node-%d"] .body')), ...c(document.getElementById('act-crash'))];
		})()`, target))
		eval[bool](p, jsClickLog)
		first := time.Now()
		p.do(chromedp.MouseClickXY(at[0], at[1]))
		// Input pacing, not a wait for an outcome: the person's second click
		// comes quickHands after the first (or as soon as the browser takes
		// it); what follows polls page state.
		time.Sleep(quickHands - time.Since(first))
		p.do(chromedp.MouseClickXY(at[2], at[3]))
		clicks := eval[[]clickRecord](p, `window.__clicks`)
		if len(clicks) != 2 || clicks[0].On != fmt.Sprintf("node-%d", target) || clicks[1].On != "crash" {
			p.shot("clicks")
			t.Fatalf("round %d: the clicks landed on %+v, want node-%d then crash", round, clicks, target)
		}
		gaps = append(gaps, clicks[1].T-clicks[0].T)
		p.poll(`seshatPage.frame().view.nodes.some((n) => !n.up)`)
		down := eval[[]int](p, `seshatPage.frame().view.nodes.filter((n) => !n.up).map((n) => n.id)`)
		if len(down) != 1 || down[0] != target {
			p.shot("wrong-node")
			t.Fatalf("round %d: clicked n%d then Crash %.0f ms later; crashed %v", round, target, gaps[len(gaps)-1], down)
		}
		// What the page shows agrees: the inspector is n<target>'s.
		p.poll(fmt.Sprintf(`document.getElementById('insp-title').textContent.startsWith('n%d ')`, target))
	}
	sort.Float64s(gaps)
	t.Logf("%d rounds; gap between the clicks: min %.0f ms, median %.0f ms, max %.0f ms", len(gaps), gaps[0], gaps[len(gaps)/2], gaps[len(gaps)-1])
}

// jsFrames waits n animation frames in the page (the page's own clock, not
// the test's).
func jsFrames(n int) string {
	return fmt.Sprintf(`new Promise((resolve) => { let k = %d; const step = () => (--k <= 0 ? resolve(true) : requestAnimationFrame(step)); requestAnimationFrame(step); })`, n)
}

// TestManualDeliveryPausesAndFiltersItsHeldList is issue 10's item 5:
// turning manual delivery on while playing pauses (it held hundreds of
// messages within seconds and the leader stepped down), and the held list
// can hide heartbeats.
func TestManualDeliveryPausesAndFiltersItsHeldList(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	eval[bool](p, `(() => { seshatPage.setSpeed(10); seshatPage.setPlaying(true); return true; })()`)
	p.poll(`document.getElementById('play').getAttribute('aria-pressed') === 'true'`)
	p.settle("#manual-switch .track")
	p.do(chromedp.Click(chromedp.CSS(`#manual-switch .track`)))
	p.poll(`seshatPage.frame().view.manual && document.getElementById('play').getAttribute('aria-pressed') === 'false' &&
		document.querySelector('#play .lbl').textContent === 'Play' && !document.getElementById('held-box').hidden`)
	before := eval[float64](p, `seshatPage.frame().view.time`)
	eval[bool](p, jsFrames(30))
	if after := eval[float64](p, `seshatPage.frame().view.time`); after != before {
		t.Fatalf("manual delivery is on and paused, yet time moved from %v to %v ms", before, after)
	}
	p.shot("manual-paused")

	// Let some traffic pile up, then hide the heartbeats.
	eval[bool](p, `(() => { seshatPage.setSpeed(1); seshatPage.setPlaying(true); return true; })()`)
	const heldTypes = `seshatPage.frame().view.messages.filter((m) => !m.deliver_at).map((m) => m.type)`
	p.poll(heldTypes + `.some((t) => t.startsWith('MsgHeartbeat')) && ` + heldTypes + `.some((t) => !t.startsWith('MsgHeartbeat'))`)
	eval[bool](p, `(() => { seshatPage.setPlaying(false); return true; })()`)
	p.poll(`document.getElementById('play').getAttribute('aria-pressed') === 'false'`)
	p.poll(`[...document.querySelectorAll('#held-list .held')].some((b) => / HB/.test(b.textContent))`)
	eval[bool](p, `(() => { const s = document.querySelector('[data-testid="held-filter"]'); s.value = 'no-heartbeats'; s.dispatchEvent(new Event('change')); return true; })()`)
	p.poll(`(() => {
		const shown = [...document.querySelectorAll('#held-list .held')].map((b) => b.textContent);
		return shown.length > 0 && shown.every((s) => !/ HB/.test(s)) && document.getElementById('held-count').textContent.includes('hidden by the filter');
	})()`)
	p.shot("held-filtered")
}
