package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func TestPageLoadsAndElectsALeader(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(`document.querySelector('[data-testid^="node-"][data-role="leader"]') !== null`)
	if n := eval[int](p, `document.querySelectorAll('[data-testid^="node-"][data-up]').length`); n != 5 {
		t.Fatalf("%d nodes drawn, want 5", n)
	}
	if ok := eval[string](p, `document.querySelector('[data-testid="safety"]').dataset.ok`); ok != "true" {
		t.Fatalf("safety badge says %s", ok)
	}
	p.shot("leader")
}

func TestCrashingTheLeaderElectsANewOne(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	leader := eval[int](p, jsLeader)
	term := eval[int](p, fmt.Sprintf(`Number(document.querySelector('[data-testid="node-%d"]').dataset.term)`, leader))
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="node-%d"]`, leader))))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d-crash"]') !== null`, leader))
	p.click(fmt.Sprintf("node-%d-crash", leader))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d"]').dataset.up === "false"`, leader))
	p.poll(fmt.Sprintf(`[...document.querySelectorAll('[data-testid^="node-"][data-role="leader"]')].some(n => n.dataset.testid !== "node-%d" && Number(n.dataset.term) > %d)`, leader, term))
	p.shot("new-leader")
}

func TestASetIsAppliedOnEveryNode(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "color"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "teal"))
	p.click("set-submit")
	for id := 1; id <= 5; id++ {
		p.poll(fmt.Sprintf(`[...document.querySelectorAll('[data-testid="kv-%d"] li')].some(li => li.textContent === "color=teal") &&
			document.querySelector('[data-testid="commit-%[1]d"]').textContent === document.querySelector('[data-testid="applied-%[1]d"]').textContent`, id))
	}
	p.poll(`document.querySelector('[data-testid="console-output"]').textContent.includes("set color=teal")`)
	p.shot("applied")
}

func TestAPartitionedMinorityCannotCommit(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	old := eval[int](p, jsLeader)
	// Cut the leader off through the page.
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="node-%d"]`, old))))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d-isolate"]') !== null`, old))
	p.click(fmt.Sprintf("node-%d-isolate", old))
	p.poll(`document.querySelectorAll('line.link.cut').length === 4`)
	commit := eval[int](p, fmt.Sprintf(`seshatPage.frame().view.nodes[%d].commit`, old-1))
	// The majority elects a new leader and commits a write.
	p.poll(fmt.Sprintf(`[...document.querySelectorAll('[data-testid^="node-"][data-role="leader"]')].some(n => n.dataset.testid !== "node-%d")`, old))
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "side"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "majority"))
	p.click("set-submit")
	for id := 1; id <= 5; id++ {
		if id != old {
			p.poll(fmt.Sprintf(`document.querySelector('[data-testid="kv-%d"]').textContent.includes("side=majority")`, id))
		}
	}
	if got := eval[int](p, fmt.Sprintf(`seshatPage.frame().view.nodes[%d].commit`, old-1)); got != commit {
		t.Fatalf("the isolated node's commit moved from %d to %d", commit, got)
	}
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="commit-%d"]').textContent === "%d"`, old, commit))
	if strings.Contains(eval[string](p, fmt.Sprintf(`document.querySelector('[data-testid="kv-%d"]').textContent`, old)), "side=") {
		t.Fatal("the isolated node applied the majority's write")
	}
	p.shot("partition")
}

func TestTheSliderShowsTheEarlierState(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "k"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "v"))
	p.click("set-submit")
	p.poll(`document.querySelector('[data-testid="kv-1"]').textContent.includes("k=v")`)
	p.click("play-toggle") // pause
	p.poll(`document.querySelector('[data-testid="play-toggle"]').getAttribute('aria-pressed') === "false"`)
	// Move the slider back to 200 ms, before any election, as a user does.
	eval[bool](p, `(() => { const s = document.querySelector('[data-testid="slider"]'); s.value = "200"; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); return true; })()`)
	p.poll(`seshatPage.frame().view.time === 200 && document.querySelector('[data-testid="time"]').textContent === "0.200"`)
	if n := eval[int](p, `document.querySelectorAll('[data-testid^="node-"][data-role="leader"]').length`); n != 0 {
		t.Fatalf("%d leaders drawn at 200 ms; the first election is later", n)
	}
	if s := eval[string](p, `document.querySelector('[data-testid="kv-1"]').textContent`); strings.Contains(s, "k=v") {
		t.Fatalf("kv at 200 ms shows %q", s)
	}
	p.shot("earlier")
}

func TestReloadingTheSharedURLShowsTheSameState(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "shared"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "yes"))
	p.click("set-submit")
	p.poll(`document.querySelector('[data-testid="kv-2"]').textContent.includes("shared=yes")`)
	p.click("play-toggle")
	p.click("share-url")
	p.poll(`location.hash.startsWith("#s=")`)
	const state = `JSON.stringify((() => { const v = seshatPage.frame().view; return {time: v.time, nodes: v.nodes.map(n => [n.id, n.role, n.term, n.commit, n.kv])}; })())`
	// What the page shows: time, each node's label, commit, applied and store.
	const shown = `JSON.stringify({time: document.querySelector('[data-testid="time"]').textContent,
		nodes: [...document.querySelectorAll('[data-testid^="node-"][data-up]')].map(n => [n.dataset.testid, n.dataset.role, n.dataset.term, n.dataset.up]),
		logs: [1, 2, 3, 4, 5].map(i => ['commit', 'applied', 'kv'].map(k => document.querySelector('[data-testid="' + k + '-' + i + '"]').textContent))})`
	before := eval[string](p, state)
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="time"]').textContent === %q`, fmt.Sprintf("%.3f", eval[float64](p, `seshatPage.frame().view.time`)/1000)))
	beforeShown := eval[string](p, shown)
	url := eval[string](p, `location.href`)
	p.do(chromedp.Navigate("about:blank"), chromedp.Navigate(url))
	p.poll(`window.seshatPage && seshatPage.frame() !== null`)
	if after := eval[string](p, state); after != before {
		t.Fatalf("after reload:\n%s\nbefore:\n%s", after, before)
	}
	p.poll(fmt.Sprintf(`%s === %q`, shown, beforeShown))
	p.shot("reloaded")
}

func TestAFailedActionIsShownInWords(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	// Ask for something impossible as the console would: restart a node
	// that is running.
	eval[bool](p, `(() => { seshatPage.command({kind: 'restart', node: 2}); return true; })()`)
	p.poll(`!document.getElementById('error').hidden`)
	text := eval[string](p, `document.getElementById('error').textContent`)
	if !strings.HasPrefix(text, "Restart n2: ") || !strings.Contains(text, "running") {
		t.Fatalf("error shown: %q", text)
	}
	if role := eval[string](p, `document.getElementById('error').getAttribute('role')`); role != "alert" {
		t.Fatalf("the error box has role %q; screen readers need alert", role)
	}
	p.shot("error")
	// The harness fails a test on errors shown and not taken: it sees this one.
	shown, err := p.shownErrors(false)
	if err != nil || len(shown) != 1 || shown[0] != text {
		t.Fatalf("shown errors %q (%v), want [%q]", shown, err, text)
	}
	if _, err := p.shownErrors(true); err != nil {
		t.Fatal(err)
	}
}

func TestTheCompactedPrefixIsShown(t *testing.T) {
	p := newPage(t)
	p.open("")
	// Snapshots every 20 entries and busy clients: logs are compacted
	// within seconds, and the prefix lies far left of the cells shown.
	eval[bool](p, `(async () => { await seshatPage.create({nodes: 3, seed: 4, raft: {snapshot_interval_entries: 20, snapshot_catchup_entries: 5}, clients: {count: 4, rate_per_sec: 20}}); seshatPage.setSpeed(10); seshatPage.setPlaying(true); return true; })()`)
	p.poll(`seshatPage.frame().view.nodes.every(n => n.first_index > 60)`)
	eval[bool](p, `(() => { seshatPage.setPlaying(false); return true; })()`)
	p.poll(`document.querySelector('[data-testid="play-toggle"]').getAttribute('aria-pressed') === "false"`)
	// Drawn as the view says (read together: a call may still land after
	// the pause).
	for id := 1; id <= 3; id++ {
		sel := fmt.Sprintf(`document.querySelector('[data-testid="snap-%d"]')`, id)
		prefix := fmt.Sprintf(`(seshatPage.frame().view.nodes[%d].first_index - 1)`, id-1)
		p.poll(fmt.Sprintf(`%s.textContent === "1–" + %s && %s.title.includes("entries 1 to " + %s + " are compacted")`, sel, prefix, sel, prefix))
	}
	p.shot("compacted")
}

func TestUsableOnAPhone(t *testing.T) {
	p := newPage(t)
	if _, err := chromedp.Call(p.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	p.open("")
	p.poll(jsLeader + ` > 0`)
	if w := eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Fatalf("the page is %d px wide in a %d px screen: it scrolls sideways", w[0], w[1])
	}
	// The ring is on screen and a Set works from the phone's form.
	if h := eval[float64](p, `document.getElementById('cluster').getBoundingClientRect().height`); h < 250 {
		t.Fatalf("the cluster is %.0f px high on a phone", h)
	}
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "phone"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "ok"))
	p.click("set-submit")
	p.poll(`document.querySelector('[data-testid="kv-1"]').textContent.includes("phone=ok")`)
	p.checkAccessibility("phone")
	p.shot("phone")
}
