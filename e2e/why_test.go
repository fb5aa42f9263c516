package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWhyAnswersInThePage: as a person would, cut the leader off, select
// the node that campaigns next and ask why it has its role: the answer
// names the cut. Then, with a follower down and the link to the other cut,
// a write's entry is not committed: asked why, the answer names both.
func TestWhyAnswersInThePage(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	old := eval[int](p, jsLeader)
	term := eval[int](p, fmt.Sprintf(`seshatPage.frame().view.nodes[%d].term`, old-1))
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="node-%d"]`, old))))
	p.click(fmt.Sprintf("node-%d-isolate", old))
	// The first node to campaign in a later term.
	p.poll(fmt.Sprintf(`seshatPage.frame().view.nodes.some(n => n.id !== %d && n.term > %d && (n.role === 'candidate' || n.role === 'leader'))`, old, term))
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	next := eval[int](p, fmt.Sprintf(`seshatPage.frame().view.nodes.find(n => n.id !== %d && n.term > %d && (n.role === 'candidate' || n.role === 'leader')).id`, old, term))
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="node-%d"]`, next))))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d-crash"]') !== null`, next))
	p.click("why-role")
	p.poll(`!document.querySelector('[data-testid="why-answer"]').hidden`)
	text := eval[string](p, `document.querySelector('[data-testid="why-text"]').textContent`)
	for _, want := range []string{fmt.Sprintf("n%d became", next), "election timer ran out", fmt.Sprintf("isolated n%d from every other node", old)} {
		if !strings.Contains(text, want) {
			t.Fatalf("why n%d's role: %q lacks %q", next, text, want)
		}
	}
	if n := eval[int](p, `document.querySelectorAll('[data-testid="why-chain"] li').length`); n < 3 {
		t.Fatalf("the causal chain has %d events", n)
	}
	p.shot("why-role")
	// The chain on the space-time diagram, in a window that holds it.
	p.click("why-diagram")
	p.poll(`seshatPage.diagram() !== null && seshatPage.diagram().chain.length >= 2 && !document.querySelector('.card.events').checkVisibility()`)
	d := eval[drawnDiagram](p, `seshatPage.diagram()`)
	steps := eval[[]diagramPoint](p, `[...document.querySelectorAll('[data-testid="why-chain"] li')].map((li) => ({seq: Number(li.dataset.seq)}))`)
	for _, c := range d.Chain {
		if c.At < d.From || c.At > d.To || !slices.ContainsFunc(steps, func(s diagramPoint) bool { return s.Seq == c.Seq }) {
			t.Fatalf("the diagram from %d to %d draws chain step %+v, not one of the answer's %v", d.From, d.To, c, steps)
		}
	}
	p.shot("why-on-diagram")
	p.click("diagram-close")

	// A write the leader cannot commit.
	p.newCluster(3)
	p.poll(jsLeader + ` > 0`)
	l := eval[int](p, jsLeader)
	f1, f2 := 1+l%3, 1+(l+1)%3
	for _, cmd := range []string{
		fmt.Sprintf(`{kind: "crash", node: %d}`, f1),
		fmt.Sprintf(`{kind: "cut", node: %d, peer: %d}`, l, f2),
		`{kind: "set", key: "k", value: "v"}`,
	} {
		eval[bool](p, fmt.Sprintf(`seshatPage.command(%s).then(() => true)`, cmd))
	}
	eval[bool](p, `seshatPage.setPlaying(true) || true`)
	p.poll(fmt.Sprintf(`seshatPage.frame().view.nodes[%d].last_index > seshatPage.frame().view.nodes[%[1]d].commit`, l-1))
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	last := eval[int](p, fmt.Sprintf(`seshatPage.frame().view.nodes[%d].last_index`, l-1))
	// The grid draws a frame a pass after it arrives: wait until the
	// leader's row shows the entry (its words say it), or the click asks
	// of a grid that does not have it yet (a flaky test, 1 run in 2).
	p.poll(fmt.Sprintf(`/\b%d not committed/.test(document.querySelector('[data-testid="log-%d"]').getAttribute('aria-label'))`, last, l))
	// Click the uncommitted entry in the leader's row of the log grid (a
	// canvas: the cell's place from the grid's columns, CELL_W 24 px).
	at := eval[[]float64](p, fmt.Sprintf(`(() => {
		const v = seshatPage.frame().view, cols = document.querySelectorAll('#log-grid .lhead .ix').length;
		const hi = Math.max(...v.nodes.map((n) => n.last_index)), lo = Math.max(1, hi - cols + 1);
		const r = document.querySelector('[data-testid="log-%d"] canvas').getBoundingClientRect();
		return [r.left + (%d - lo) * 24 + 11, r.top + 11];
	})()`, l, last))
	p.do(chromedp.MouseClickXY(at[0], at[1]))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="why-text"]').textContent.includes("Entry %d is not committed")`, last))
	if asked := eval[string](p, `document.querySelector('[data-testid="why-index"]').value + ' ' + document.querySelector('#insp-title').textContent`); !strings.HasPrefix(asked, fmt.Sprintf("%d n%d ", last, l)) {
		t.Fatalf("after the click the inspector shows %q, not entry %d of n%d", asked, last, l)
	}
	text = eval[string](p, `document.querySelector('[data-testid="why-text"]').textContent`)
	for _, want := range []string{fmt.Sprintf("n%d lacks it: it is down", f1), fmt.Sprintf("n%d lacks it: the link between n%d and n%[1]d is cut", f2, l)} {
		if !strings.Contains(text, want) {
			t.Fatalf("why entry %d: %q lacks %q", last, text, want)
		}
	}
	p.shot("why-entry")
}
