package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// jsCurrentLeader is the current leader's id as the page sees it: a live
// node not removed that leads the highest term, 0 if none.
const jsCurrentLeader = `(() => { let b = null; for (const n of seshatPage.frame().view.nodes) if (n.up && !n.left && n.role === 'leader' && (!b || n.term > b.term)) b = n; return b ? b.id : 0; })()`

// jsMember is node %d's place in the configuration as the ring draws it.
const jsMember = `(document.querySelector('[data-testid="node-%d"]') || {dataset: {}}).dataset.member || ''`

// TestMembershipInThePage walks through the scenario as a person
// would, with the page's own controls: start 3 nodes, add a learner and
// watch it catch up, promote it, replace the leader through a joint
// configuration, crash the leader in the middle of the change, and see the
// cluster finish it. It keeps a screenshot of each step.
func TestMembershipInThePage(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), "3"))
	p.click("restart-cluster")
	p.poll(`seshatPage.frame().view.nodes.length === 3 && ` + jsCurrentLeader + ` > 0`)
	// Some data first, so that catching up has something to carry.
	for i := range 5 {
		p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), fmt.Sprintf("k%d", i)))
		p.click("set-submit")
	}
	p.poll(`document.querySelector('[data-testid="console-output"]').textContent.includes("set k4=1")`)

	// A learner: it receives the log but does not vote.
	p.click("member-add-learner")
	p.poll(fmt.Sprintf(jsMember, 4) + ` === 'learner'`)
	p.poll(`(() => { const v = seshatPage.frame().view; const l = v.nodes.find(n => n.id === ` + jsCurrentLeader + `); const n4 = v.nodes[3]; return l && n4.up && n4.applied === l.applied && n4.applied > 5; })()`)
	p.poll(`document.querySelector('[data-testid="member-config"]').textContent === "voters (n1 n2 n3), learners (n4)"`)
	p.poll(`[...document.querySelectorAll('#log-grid [role="img"]')].some((r) => r.getAttribute('aria-label').includes('membership change'))`)
	p.shot("1-learner-caught-up")

	// Promote it from its inspector.
	p.click("node-4")
	p.poll(`!document.querySelector('[data-testid="node-4-promote"]').disabled`)
	p.click("node-4-promote")
	p.poll(fmt.Sprintf(jsMember, 4) + ` === 'voter'`)
	p.poll(`document.querySelector('[data-testid="member-config"]').textContent === "voters (n1 n2 n3 n4)"`)
	p.shot("2-promoted")

	// Replace the leader through a joint configuration, one event at a
	// time, and crash the leader while the configuration is joint.
	leader := eval[int](p, jsCurrentLeader)
	p.click(fmt.Sprintf("node-%d", leader))
	p.poll(fmt.Sprintf(`!document.querySelector('[data-testid="node-%d-replace"]').disabled`, leader))
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	p.click(fmt.Sprintf("node-%d-replace", leader))
	// One event at a time (each step awaited, so none is run twice),
	// until the leader has applied the joint configuration.
	if !eval[bool](p, `(async () => {
		const joint = () => { const v = seshatPage.frame().view; const l = v.nodes.find(n => n.up && !n.left && n.role === 'leader'); return l && (l.voters_outgoing || []).length > 0; };
		for (let i = 0; i < 2000 && !joint(); i++) await seshatPage.next();
		return joint();
	})()`) {
		t.Fatal("the configuration never became joint")
	}
	p.poll(`document.querySelector('[data-testid="member-config"]').textContent.startsWith("joint:")`)
	if got := eval[string](p, fmt.Sprintf(jsMember, leader)); got != "outgoing" {
		t.Fatalf("leader n%d in the joint configuration is drawn as %q, want outgoing (old quorum only)", leader, got)
	}
	if got := eval[string](p, fmt.Sprintf(jsMember, 5)); got != "incoming" {
		t.Fatalf("n5 in the joint configuration is drawn as %q, want incoming", got)
	}
	if n := eval[int](p, `document.querySelectorAll('[data-testid^="node-"] .quorum.old:not([style*="none"])').length`); n != 4 {
		t.Fatalf("%d nodes marked in the old quorum, want 4", n)
	}
	p.shot("3-joint")
	crashed := eval[int](p, jsCurrentLeader)
	p.click(fmt.Sprintf("node-%d", crashed))
	p.click(fmt.Sprintf("node-%d-crash", crashed))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d"]').dataset.up === "false"`, crashed))
	p.shot("4-leader-crashed")
	eval[bool](p, `(seshatPage.setPlaying(true), true)`)

	// The cluster finishes the change: the old leader is removed, the new
	// configuration is in force and every voter has caught up.
	var rest []string
	for id := 1; id <= 5; id++ {
		if id != leader {
			rest = append(rest, fmt.Sprintf("n%d", id))
		}
	}
	want := "voters (" + strings.Join(rest, " ") + ")"
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="member-config"]').textContent === %q`, want))
	p.poll(fmt.Sprintf(jsMember, leader) + ` === 'removed'`)
	if crashed != leader {
		p.click(fmt.Sprintf("node-%d", crashed))
		p.click(fmt.Sprintf("node-%d-restart", crashed))
	}
	p.poll(`seshatPage.frame().view.nodes.filter(n => !n.left).every(n => n.up)`)
	if ok := eval[string](p, `document.querySelector('[data-testid="safety"]').dataset.ok`); ok != "true" {
		t.Fatalf("safety badge says %s", ok)
	}
	p.poll(`[...document.querySelectorAll('[data-testid="event-log"] li')].some(li => li.textContent.includes("was removed from the cluster"))`)
	p.shot("5-change-finished")
}

// TestMembershipCommandTypedInWords: the membership console reads a command
// in words and shows the engine's refusal of an impossible one.
func TestMembershipCommandTypedInWords(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsCurrentLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="member-cmd"]`), "promote n2"))
	p.click("member-submit")
	p.poll(`!document.querySelector('[data-testid="error"]').hidden && document.querySelector('[data-testid="error"]').textContent.includes("n2 is already a voter")`)
	takeErrors(p, "n2 is already a voter")
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="member-cmd"]`), "add learner"))
	p.click("member-submit")
	p.poll(fmt.Sprintf(jsMember, 6) + ` === 'learner'`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="member-cmd"]`), "grow n2"))
	p.click("member-submit")
	p.poll(`document.querySelector('[data-testid="error"]').textContent.includes('"grow" is not a membership command')`)
	p.shot("typed")
	takeErrors(p, `"grow" is not a membership command`)
}

// takeErrors takes the errors the page has shown, failing unless there is
// exactly one and it contains want.
func takeErrors(p *page, want string) {
	p.t.Helper()
	shown, err := p.shownErrors(true)
	if err != nil {
		p.t.Fatal(err)
	}
	if len(shown) != 1 || !strings.Contains(shown[0], want) {
		p.t.Fatalf("errors shown: %q; want one naming %q", shown, want)
	}
}

// TestSnapshotToALaggingFollower: with snapshots every 20 entries and none
// kept after them (set in the page's Raft settings), a follower crashed
// while the leader compacts its log must be sent a snapshot when it comes
// back: the leader's view of it says so (state snapshot) and the snapshot
// in flight is drawn as its own kind of message, with its size.
func TestSnapshotToALaggingFollower(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.do(chromedp.Click(chromedp.CSS(`#raft-settings summary`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid="raft-snap-every"]`), "20"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="raft-snap-keep"]`), "0"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), "3"))
	p.click("restart-cluster")
	p.poll(`seshatPage.frame().view.nodes.length === 3 && seshatPage.frame().view.raft.snapshot_interval_entries === 20 && ` + jsCurrentLeader + ` > 0`)
	if got := eval[string](p, `document.querySelector('[data-testid="raft-now"]').textContent`); !strings.Contains(got, "a snapshot every 20 entries, keeping 0") {
		t.Fatalf("settings in force: %q", got)
	}
	for range 3 {
		p.click("add-client")
	}
	leader := eval[int](p, jsCurrentLeader)
	follower := 1
	if follower == leader {
		follower = 2
	}
	p.click(fmt.Sprintf("node-%d", follower))
	p.click(fmt.Sprintf("node-%d-crash", follower))
	// Wait until the leader's log starts after the end of the follower's.
	p.poll(fmt.Sprintf(`(() => { const v = seshatPage.frame().view; return v.nodes[%d].first_index > v.nodes[%d].last_index + 1; })()`, leader-1, follower-1))
	// Hold every message (turning manual delivery on pauses), so that the
	// snapshot waits on its link to be looked at.
	eval[bool](p, `(async () => { await seshatPage.command({kind: 'manual', on: true}); return true; })()`)
	p.poll(`seshatPage.frame().view.manual`)
	p.click(fmt.Sprintf("node-%d-restart", follower))
	// Deliver the held messages, oldest first, and run on to the next
	// event when none is held, until the leader holds a snapshot for the
	// follower.
	if !eval[bool](p, fmt.Sprintf(`(async () => {
		for (let i = 0; i < 1000; i++) {
			const v = seshatPage.frame().view;
			if (v.messages.some(m => m.type === 'MsgSnap' && m.to === %d && m.bytes > 0)) return true;
			const held = v.messages.filter(m => !m.deliver_at).sort((a, b) => a.id - b.id)[0];
			if (held) await seshatPage.command({kind: 'deliver', msg: held.id}); else await seshatPage.next();
		}
		return false;
	})()`, follower)) {
		t.Fatal("no snapshot was sent to the restarted follower")
	}
	p.click(fmt.Sprintf("node-%d", leader))
	p.poll(fmt.Sprintf(`[...document.querySelectorAll('#insp-progress tr')].some(tr => tr.textContent.startsWith('n%d') && tr.textContent.includes('snapshot ('))`, follower))
	label := eval[string](p, `(() => { const m = seshatPage.frame().view.messages.find(m => m.type === 'MsgSnap'); return m ? m.bytes + '' : ''; })()`)
	if label == "" {
		t.Fatal("the snapshot left the view")
	}
	p.shot("snapshot-in-flight")
	eval[bool](p, `(async () => { await seshatPage.command({kind: 'manual', on: false}); return true; })()`)
	p.poll(`!seshatPage.frame().view.manual`)
	eval[bool](p, `(seshatPage.setPlaying(true), true)`)
	p.poll(fmt.Sprintf(`[...document.querySelectorAll('[data-testid="event-log"] li')].some(li => li.textContent.includes('n%d installed a snapshot'))`, follower))
	p.poll(fmt.Sprintf(`(() => { const v = seshatPage.frame().view; const l = v.nodes[%d], f = v.nodes[%d]; return f.up && f.applied > 20 && f.applied >= l.applied - 5; })()`, leader-1, follower-1))
	p.shot("caught-up")
}
