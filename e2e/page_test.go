package e2e

import (
	"fmt"
	"strings"
	"testing"

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
	before := eval[string](p, state)
	url := eval[string](p, `location.href`)
	p.do(chromedp.Navigate("about:blank"), chromedp.Navigate(url))
	p.poll(`window.seshatPage && seshatPage.frame() !== null`)
	if after := eval[string](p, state); after != before {
		t.Fatalf("after reload:\n%s\nbefore:\n%s", after, before)
	}
	p.shot("reloaded")
}
