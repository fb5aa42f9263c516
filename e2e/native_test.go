package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.etcd.io/raft/v3/raftpb"
)

// TestTheNativeClusterInThePage opens the page on the dev server's native
// nodes: the same renderer shows their leader, a Set typed in the page is
// applied by every node (and readable through the Go API), axe-core finds
// no serious violation in the native view, and crashing the leader from the
// page elects another in a higher term.
func TestTheNativeClusterInThePage(t *testing.T) {
	p, cl := newNativePage(t, 3)
	p.open("?engine=native")
	p.poll(`!document.querySelector('[data-testid="engine-chip"]').hidden && !document.querySelector('[data-testid="realtime-note"]').hidden`)
	p.poll(jsLeader + ` > 0`)
	if n := eval[int](p, `document.querySelectorAll('[data-testid^="node-"][data-up]').length`); n != 3 {
		t.Fatalf("%d nodes drawn, want 3", n)
	}

	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "where"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "native"))
	p.click("set-submit")
	for id := 1; id <= 3; id++ {
		p.poll(fmt.Sprintf(`document.querySelector('[data-testid="kv-%d"]').textContent.includes("where=native")`, id))
	}
	p.poll(`document.querySelector('[data-testid="console-output"]').textContent.includes("set where=native")`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	v, found, err := cl.Get(ctx, "where")
	cancel()
	if err != nil || !found || v != "native" {
		t.Fatalf("the native cluster reads where=%q (found %v, %v)", v, found, err)
	}
	p.checkAccessibility("native")
	p.shot("native")

	leader := eval[int](p, jsLeader)
	term := eval[int](p, fmt.Sprintf(`Number(document.querySelector('[data-testid="node-%d"]').dataset.term)`, leader))
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="node-%d"]`, leader))))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d-crash"]') !== null`, leader))
	p.click(fmt.Sprintf("node-%d-crash", leader))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d"]').dataset.up === "false"`, leader))
	p.poll(fmt.Sprintf(`[...document.querySelectorAll('[data-testid^="node-"][data-role="leader"]')].some(n => n.dataset.testid !== "node-%d" && Number(n.dataset.term) > %d)`, leader, term))
	p.shot("new-leader")
}

// TestJoinFromThePage runs a Raft node in the page itself: "Join from this
// page" starts one in an engine worker (WebAssembly) and the native cluster
// adds it as a voter through the websocket, raftpb binary frames crossing
// it both ways. The ring draws it as this page's node, and a key set on
// the native cluster reaches its state machine, which the page reports
// back for the cluster's view.
func TestJoinFromThePage(t *testing.T) {
	p, cl := newNativePage(t, 3)
	p.open("?engine=native")
	p.poll(jsLeader + ` > 0`)
	p.poll(`!document.getElementById('member-row').hidden`)
	p.click("join-page")
	p.poll(`(() => { const m = window.seshatPage.member(); return !!m && m.id === 4 && (m.voters || []).length === 4; })()`)
	p.poll(`document.querySelector('[data-testid="node-4"]') !== null && document.querySelector('[data-testid="node-4"]').dataset.hosted === "page"`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cl.Set(ctx, "from", "native"); err != nil {
		t.Fatal(err)
	}
	p.poll(`window.seshatPage.member().kv.pairs.some((kv) => kv.key === "from" && kv.value === "native")`)
	p.poll(`document.querySelector('[data-testid="member-status"]').textContent.includes("n4 is hosted in this page")`)
	// The page reports its node to the server, whose view (every page's)
	// shows n4's state machine.
	p.poll(`document.querySelector('[data-testid="kv-4"]').textContent.includes("from=native")`)
	p.shot("member")
}

// TestNativeMembersOfferOnlyWhatApplies: members hosted outside the native
// cluster (n4 in this page, n5 as a `devserver -join` process would be)
// are marked on the ring, and the inspector disables the commands the
// server cannot carry out on them, saying why, instead of offering
// buttons that fail with "unknown node". Once n5 leaves, it is drawn as
// left, with every action disabled and no note about storage.
func TestNativeMembersOfferOnlyWhatApplies(t *testing.T) {
	p, cl := newNativePage(t, 3)
	p.open("?engine=native")
	p.poll(jsLeader + ` > 0`)
	p.poll(`!document.getElementById('member-row').hidden`)
	p.click("join-page")
	p.poll(`(() => { const m = window.seshatPage.member(); return !!m && m.id === 4 && (m.voters || []).length === 4; })()`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rm, err := cl.AddRemote(ctx, func(*raftpb.Message) {})
	if err != nil {
		t.Fatal(err)
	}
	p.poll(`document.querySelector('[data-testid="node-5"]')?.dataset.hosted === "member" && document.querySelector('[data-testid="node-4"]').dataset.hosted === "page"`)

	p.click("node-4")
	p.poll(`document.querySelector('[data-testid="node-4-crash"]') !== null`)
	for _, a := range []string{"crash", "restart", "isolate", "campaign"} {
		p.poll(fmt.Sprintf(`(() => { const b = document.querySelector('[data-testid="node-4-%s"]'); return !!b && b.disabled && b.title.includes("n4 is a member hosted outside this server"); })()`, a))
	}
	p.poll(`document.querySelector('[data-testid="link-4-1"]')?.disabled && document.querySelector('[data-testid="link-4-1-oneway"]')?.disabled`)
	p.poll(`document.getElementById('insp-facts').textContent.includes("hosted outside the server")`)
	p.shot("member-inspector")

	if err := rm.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	p.click("node-5")
	p.poll(`document.querySelector('[data-testid="node-5"]').dataset.role === "left"`)
	for _, a := range []string{"crash", "restart", "isolate", "campaign", "transfer"} {
		p.poll(fmt.Sprintf(`(() => { const b = document.querySelector('[data-testid="node-5-%s"]'); return !!b && b.disabled && b.title.includes("n5 left the cluster"); })()`, a))
	}
	p.poll(`document.querySelector('[data-testid="kv-5"]').textContent.includes("left the cluster") && !document.querySelector('[data-testid="kv-5"]').textContent.includes("storage")`)
	p.poll(`[...document.querySelectorAll('.nrole')].some((l) => l.textContent === "Left")`)
	p.poll(`document.querySelector('[data-link="1-5"]').getAttribute('visibility') === 'hidden' && !document.querySelector('[data-link="1-4"]').hasAttribute('visibility')`)
	p.shot("member-left")
}

// TestNativeMembershipFromThePage: on the native cluster the Membership
// panel's buttons act as in the simulator: Add learner starts a new node
// in the server that catches up, its inspector promotes it, and removing
// the leader from its inspector hands leadership to another voter.
func TestNativeMembershipFromThePage(t *testing.T) {
	p, cl := newNativePage(t, 3)
	p.open("?engine=native")
	p.poll(jsLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "k"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "v"))
	p.click("set-submit")
	p.poll(`document.querySelector('[data-testid="console-output"]').textContent.includes("set k=v")`)

	p.click("member-add-learner")
	p.poll(fmt.Sprintf(jsMember, 4) + ` === 'learner'`)
	p.poll(`document.querySelector('[data-testid="kv-4"]') !== null && document.querySelector('[data-testid="kv-4"]').textContent.includes("k=v")`)
	p.click("node-4")
	p.poll(`!document.querySelector('[data-testid="node-4-promote"]').disabled`)
	p.click("node-4-promote")
	p.poll(fmt.Sprintf(jsMember, 4) + ` === 'voter'`)
	p.shot("promoted")

	leader := eval[int](p, jsLeader)
	p.click(fmt.Sprintf("node-%d", leader))
	p.poll(fmt.Sprintf(`!document.querySelector('[data-testid="node-%d-remove"]').disabled`, leader))
	p.click(fmt.Sprintf("node-%d-remove", leader))
	p.poll(fmt.Sprintf(`(() => { const v = seshatPage.frame().view; const l = v.nodes.find(n => n.up && !n.left && n.role === 'leader'); return l && l.id !== %d && !l.voters.includes(%d) && v.nodes[%d].left; })()`, leader, leader, leader-1))
	if got := cl.Remotes(); len(got) != 0 {
		t.Fatalf("members hosted outside: %v, want none (n4 runs in the server)", got)
	}
	p.shot("leader-removed")
}
