package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// Links are input from anyone: these tests open bad ones and paste good and
// bad ones into a tab already showing a run.

// jsDrawn is how many nodes the ring draws.
const jsDrawn = `document.querySelectorAll('[data-testid^="node-"][data-up]').length`

// submitNewCluster fills in the New cluster form and submits it, as a user does.
func (p *page) submitNewCluster(nodes, seed string) {
	p.t.Helper()
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), nodes), chromedp.SetValue(chromedp.CSS(`[data-testid="seed"]`), seed))
	p.click("restart-cluster")
}

func TestABadLinkShowsItsErrorAndTheDefaultClusterRuns(t *testing.T) {
	p := newPage(t)
	defer func(outer *testing.T) { p.t = outer }(t)
	def := wire.DefaultConfig()
	nodesRange := fmt.Sprintf("a whole number from 1 to %d", wire.MaxNodes)
	const seedRange = "a whole number from 0 to 9007199254740991" // 2^53-1, the engine's limits call says why
	for _, tt := range []struct{ hash, says string }{
		{"#nodes=10", `nodes is "10"; it must be ` + nodesRange},
		{"#nodes=100", `nodes is "100"; it must be ` + nodesRange},
		{"#nodes=0", `nodes is "0"; it must be ` + nodesRange},
		{"#nodes=5&seed=18446744073709551615", `seed is "18446744073709551615"; it must be ` + seedRange},
		{"#seed=9007199254740993", `seed is "9007199254740993"; it must be ` + seedRange}, // 2^53+1: not rounded to 2^53
		{"#s=zAAAA&t=5", "This link cannot be opened"},
	} {
		t.Run(tt.hash, func(t *testing.T) {
			p.t = t
			p.do(chromedp.Navigate("about:blank"))
			p.open(tt.hash)
			p.takeError(tt.says, "The default cluster runs instead")
			// The default cluster runs and is drawn, and the URL no longer
			// names the refused link.
			p.poll(fmt.Sprintf(`seshatPage.frame().view.nodes.length === %d && seshatPage.frame().view.seed === %d && %s === %d`, def.Nodes, def.Seed, jsDrawn, def.Nodes))
			p.poll(jsLeader + ` > 0`)
			if h := eval[string](p, `location.hash`); h != "" {
				t.Fatalf("the URL still shows the refused link: %q", h)
			}
			// New cluster works and what it makes is drawn.
			p.submitNewCluster("3", "7")
			p.poll(`seshatPage.frame().view.nodes.length === 3 && seshatPage.frame().view.seed === 7 && ` + jsDrawn + ` === 3`)
			if tt.hash == "#nodes=10" {
				// The form is checked the same way: a huge seed is refused
				// with its range, not rounded, and the cluster stays.
				p.submitNewCluster("3", "18446744073709551615")
				p.takeError(`New cluster: seed is "18446744073709551615"; it must be ` + seedRange)
				p.submitNewCluster("0", "1")
				p.takeError(`New cluster: nodes is "0"; it must be ` + nodesRange)
				if s := eval[float64](p, `seshatPage.frame().view.seed`); s != 7 {
					t.Fatalf("after refused forms the seed is %v, want 7", s)
				}
			}
			if e, err := p.shownErrors(true); err != nil || len(e) != 0 {
				t.Fatalf("errors shown besides the link's: %q (%v)", e, err)
			}
		})
	}
}

func TestPastingALinkLoadsItsRun(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	// confirm is answered by the test; it records what it was asked.
	answer := func(yes bool) {
		eval[bool](p, fmt.Sprintf(`(() => { window.asked = []; window.confirm = (m) => { window.asked.push(m); return %t; }; return true; })()`, yes))
	}
	paste := func(hash string) { eval[bool](p, fmt.Sprintf(`(() => { location.hash = %q; return true; })()`, hash)) }
	answer(true)

	// A configuration link, with nothing unsaved: loaded without asking.
	paste("#nodes=3&seed=7")
	p.poll(`seshatPage.frame().view.nodes.length === 3 && seshatPage.frame().view.seed === 7 && ` + jsDrawn + ` === 3`)
	if n := eval[int](p, `window.asked.length`); n != 0 {
		t.Fatalf("asked %d times with nothing unsaved", n)
	}

	// A command makes the run unsaved: a pasted link asks first, and No
	// keeps the run, with the URL back on it.
	p.poll(jsLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "mine"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "1"))
	p.click("set-submit")
	p.poll(`seshatPage.model().console.some((l) => JSON.stringify(l).includes('mine'))`)
	answer(false)
	paste("#nodes=4&seed=2")
	p.poll(`window.asked.length === 1`)
	if q := eval[string](p, `window.asked[0]`); !strings.Contains(q, "1 command") {
		t.Fatalf("asked %q", q)
	}
	p.poll(`location.hash.startsWith('#s=')`)
	if n := eval[int](p, `seshatPage.frame().view.nodes.length`); n != 3 {
		t.Fatalf("after No: %d nodes, want the 3 of the open run", n)
	}
	// Yes loads the link.
	answer(true)
	paste("#nodes=4&seed=2")
	p.poll(`window.asked.length === 1 && seshatPage.frame().view.nodes.length === 4 && seshatPage.frame().view.seed === 2 && ` + jsDrawn + ` === 4`)

	// A shared session pasted into the tab is loaded at its time.
	p.poll(jsLeader + ` > 0`)
	p.click("play-toggle")
	p.click("share-url")
	p.poll(`location.hash.startsWith('#s=')`)
	shared := eval[string](p, `location.hash`)
	at := eval[float64](p, `seshatPage.frame().view.time`)
	answer(true)
	paste("#nodes=3&seed=7")
	p.poll(`seshatPage.frame().view.nodes.length === 3`)
	paste(shared)
	p.poll(fmt.Sprintf(`seshatPage.frame().view.nodes.length === 4 && seshatPage.frame().view.seed === 2 && seshatPage.frame().view.time === %v && %s === 4`, at, jsDrawn))
	if n := eval[int](p, `window.asked.length`); n != 0 {
		t.Fatalf("asked %d times with nothing unsaved", n)
	}

	// A bad link pasted: its error, and the open run stays.
	paste("#nodes=0")
	p.takeError(`nodes is "0"`, "The session that was open stays")
	p.poll(`location.hash.startsWith('#s=')`)
	if n := eval[int](p, `seshatPage.frame().view.nodes.length`); n != 4 {
		t.Fatalf("after a bad link: %d nodes, want 4", n)
	}
	p.shot("after-bad-paste")
}

// TestAGoMadeLinkOpensInThePage opens a link written in Go
// (export.SessionLink and export.OpLink, as seshat-export's Porcupine page
// links each operation): the page replays the session to the link's time
// and shows what the simulator had there, node by node.
func TestAGoMadeLinkOpensInThePage(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	cfg.Seed = 23
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		at  int64
		cmd wire.Command
	}{
		{1200, wire.Command{Kind: wire.CmdSet, Key: "from", Value: "go"}},
		{1500, wire.Command{Kind: wire.CmdCrash, Node: 2}},
		{1800, wire.Command{Kind: wire.CmdSet, Key: "later", Value: "two of three"}},
	} {
		if err := c.RunUntil(s.at); err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(s.cmd); err != nil {
			t.Fatalf("%v: %v", s.cmd, err)
		}
	}
	const at = 2600
	if err := c.RunUntil(at); err != nil {
		t.Fatal(err)
	}
	want := c.View(0)
	link, err := export.SessionLink("", c.Export())
	if err != nil {
		t.Fatal(err)
	}
	link = export.OpLink(link, at)
	if !strings.HasPrefix(link, "#"+wire.LinkSession+"="+wire.LinkDeflate) || !strings.HasSuffix(link, fmt.Sprintf("&%s=%d", wire.LinkTime, at)) {
		t.Fatalf("the link is %q", link)
	}

	p := newPage(t)
	p.open(link)
	p.poll(fmt.Sprintf(`seshatPage.frame().view.time === %d && seshatPage.frame().view.seed === %d && %s === 3`, at, cfg.Seed, jsDrawn))
	type node struct {
		ID     uint64 `json:"id"`
		Up     bool   `json:"up"`
		Role   string `json:"role"`
		Term   uint64 `json:"term"`
		Commit uint64 `json:"commit"`
	}
	got := eval[[]node](p, `seshatPage.frame().view.nodes.map(n => ({id: n.id, up: n.up, role: n.role || '', term: n.term, commit: n.commit}))`)
	if len(got) != len(want.Nodes) {
		t.Fatalf("the page shows %d nodes, the simulator had %d", len(got), len(want.Nodes))
	}
	for i, w := range want.Nodes {
		g := got[i]
		if g.ID != uint64(w.ID) || g.Up != w.Up || g.Term != uint64(w.Term) || g.Commit != uint64(w.Commit) || (w.Up && g.Role != string(w.Role)) {
			t.Errorf("n%d: the page shows %+v, the simulator had up=%v role=%s term=%d commit=%d", w.ID, g, w.Up, w.Role, w.Term, w.Commit)
		}
	}
	if got[1].Up || want.Nodes[1].Up {
		t.Errorf("n2 crashed at 1.5 s: the page shows it up=%v, the simulator up=%v", got[1].Up, want.Nodes[1].Up)
	}
	p.shot("go-made-link")
}
