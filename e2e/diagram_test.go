package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// diagramPoint is a mark or message line of the drawn diagram with the
// canvas point (CSS px) a click picks it at.
type diagramPoint struct {
	Seq  uint64  `json:"seq"`
	ID   uint64  `json:"id"`
	At   int64   `json:"at"`
	Sent int64   `json:"sent"`
	Node int     `json:"node"`
	Kind string  `json:"kind"`
	Type string  `json:"type"`
	Fate int     `json:"fate"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// drawnDiagram is seshatPage.diagram(): the window and what was drawn.
type drawnDiagram struct {
	From     int64          `json:"from"`
	To       int64          `json:"to"`
	Nodes    []int          `json:"nodes"`
	Marks    []diagramPoint `json:"marks"`
	Messages []diagramPoint `json:"messages"`
	Chain    []diagramPoint `json:"chain"`
}

// clickDiagram clicks the diagram's canvas at (x, y), CSS px from its corner.
func (p *page) clickDiagram(x, y float64) {
	p.t.Helper()
	at := eval[[]float64](p, `(() => { const c = document.querySelector('[data-testid="diagram"]'); const r = c.getBoundingClientRect(); return [r.left, r.top]; })()`)
	p.do(chromedp.MouseClickXY(at[0]+x, at[1]+y))
}

// TestSpaceTimeDiagram, as a person would: show the diagram in place of
// the logs and events, read it (a lane per node, the election's messages and the
// new leader's mark), click the leader's mark to travel there with its
// node selected, click a message line to travel to its sending with it
// selected on the ring, and show heartbeats.
func TestSpaceTimeDiagram(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	eval[bool](p, `(seshatPage.setSpeed(1), seshatPage.setPlaying(true), true)`)
	p.poll(`seshatPage.frame().view.time > 2500`)
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	leader := eval[int](p, jsLeader)
	p.click("diagram-toggle")
	p.poll(`seshatPage.diagram() !== null && document.querySelector('[data-testid="diagram-note"]').textContent.includes('messages')`)
	if hidden := eval[bool](p, `!document.querySelector('.card.events').checkVisibility() && !document.querySelector('.card.logs').checkVisibility()`); !hidden {
		t.Fatal("the logs and events are still shown beside the diagram")
	}
	d := eval[drawnDiagram](p, `seshatPage.diagram()`)
	nodes := eval[int](p, `seshatPage.frame().view.nodes.length`)
	end := d.To
	if len(d.Nodes) != nodes || d.To != eval[int64](p, `seshatPage.frame().view.time`) || d.From != max(0, d.To-3000) {
		t.Fatalf("diagram of %d lanes from %d to %d; the cluster has %d nodes at %d", len(d.Nodes), d.From, d.To, nodes, eval[int64](p, `seshatPage.frame().view.time`))
	}
	var mark *diagramPoint
	votes, heartbeats := 0, 0
	for i, m := range d.Marks {
		if m.Kind == "role" && m.Type == "leader" && m.Node == leader {
			mark = &d.Marks[i]
		}
	}
	for _, m := range d.Messages {
		if strings.Contains(m.Type, "Vote") {
			votes++
		}
		if strings.HasPrefix(m.Type, "MsgHeartbeat") {
			heartbeats++
		}
	}
	if mark == nil || votes == 0 || heartbeats != 0 {
		t.Fatalf("diagram: n%d's leader mark %v, %d vote messages, %d heartbeats (hidden by default)", leader, mark, votes, heartbeats)
	}
	label := eval[string](p, `document.querySelector('[data-testid="diagram"]').getAttribute('aria-label')`)
	if !strings.Contains(label, "Space-time diagram. From ") || !strings.Contains(label, "heartbeats hidden") {
		t.Fatalf("the diagram's label: %q", label)
	}
	p.shot("diagram")

	// The leader's mark: travel to its election, its node selected.
	other := 1 + leader%nodes
	eval[bool](p, fmt.Sprintf(`(seshatPage.selectNode(%d), true)`, other))
	p.clickDiagram(mark.X, mark.Y)
	p.poll(fmt.Sprintf(`seshatPage.frame().view.time === %d && document.querySelector('#insp-title').textContent.startsWith('n%d ')`, mark.At, leader))

	// A message line: travel to its sending, the message selected.
	p.poll(fmt.Sprintf(`seshatPage.diagram().to === %d`, mark.At))
	d = eval[drawnDiagram](p, `seshatPage.diagram()`)
	var msg *diagramPoint
	for i, m := range d.Messages {
		if m.Fate == 1 && m.Sent < mark.At-50 && strings.Contains(m.Type, "Vote") {
			msg = &d.Messages[i]
		}
	}
	if msg == nil {
		t.Fatalf("no vote message delivered before %d to click: %+v", mark.At, d.Messages)
	}
	p.clickDiagram(msg.X, msg.Y)
	p.poll(fmt.Sprintf(`seshatPage.frame().view.time === %d && document.querySelector('#msg-detail').textContent.startsWith('#%d ')`, msg.Sent, msg.ID))

	// Heartbeats on demand, once there is a leader to send them.
	p.click("diagram-heartbeats")
	p.poll(`document.querySelector('[data-testid="diagram-note"]').textContent.includes('heartbeats shown')`)
	eval[bool](p, fmt.Sprintf(`seshatPage.seek(%d).then(() => true)`, end))
	p.poll(fmt.Sprintf(`seshatPage.diagram().to === %d && seshatPage.diagram().messages.some((m) => m.type.startsWith('MsgHeartbeat'))`, end))
	p.shot("heartbeats")
	// Back to the logs and events.
	p.click("diagram-close")
	p.poll(`document.querySelector('[data-testid="event-log"]').checkVisibility() && document.querySelector('.card.logs').checkVisibility() && !document.querySelector('[data-testid="diagram-box"]').checkVisibility()`)
}
