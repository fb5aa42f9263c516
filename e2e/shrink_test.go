package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/internal/simtest"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// TestShrinkingAFailureInThePage: a link to a run with a planted fault that
// a checker stops opens stopped, names the planted bug, and offers to
// shrink the failure; the search shows its progress, then offers a smaller
// session that stops on the same property, as a link and to open here.
func TestShrinkingAFailureInThePage(t *testing.T) {
	s, err := simtest.HaltedSession(wire.FaultForgetVote, 50)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sim.MarshalSession(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sim.Import(s)
	if err != nil {
		t.Fatal(err)
	}
	property := c.Halted().Property

	p := newPage(t)
	p.open("")
	p.openLink(sessionLink(p, fmt.Sprintf(`s => Object.assign(s, %s)`, data)))
	p.poll(`seshatPage.frame() !== null && seshatPage.frame().halted !== null && seshatPage.frame().halted !== undefined`)
	p.poll(`document.querySelector('[data-testid="faults"]').textContent === "planted bug: forget-vote" && !document.querySelector('[data-testid="shrink"]').hidden`)
	if got := eval[string](p, `document.querySelector('[data-testid="safety"]').textContent`); !strings.Contains(got, property) {
		t.Fatalf("the safety badge says %q, want %q", got, property)
	}
	p.shot("halted")

	p.click("shrink")
	p.poll(`!document.querySelector('[data-testid="shrunk"]').hidden`)
	text := eval[string](p, `document.querySelector('[data-testid="shrunk-text"]').textContent`)
	want := fmt.Sprintf("Shrunk from %d commands", len(s.Commands))
	if !strings.HasPrefix(text, want) || !strings.Contains(text, "It fails the same way: "+property) {
		t.Fatalf("the shrunk box says %q; want it to start %q and name %q", text, want, property)
	}
	if href := eval[string](p, `document.querySelector('[data-testid="shrunk-link"]').getAttribute('href')`); !strings.Contains(href, "#s=") {
		t.Fatalf("the shrunk session's link is %q", href)
	}
	p.shot("shrunk")

	before := eval[string](p, `location.hash`)
	p.click("shrunk-open")
	p.poll(`document.querySelector('[data-testid="shrunk"]').hidden && seshatPage.frame().halted && seshatPage.frame().halted.property === ` + fmt.Sprintf("%q", property))
	// The URL follows the session opened.
	p.poll(fmt.Sprintf(`location.hash.startsWith("#s=") && location.hash !== %q`, before))
	n := eval[int](p, `(async () => {
		const m = await import(new URL("ui/session-url.js", location.href).href);
		return (await m.decodeSession(m.parseHash(location.hash).session)).commands.length;
	})()`)
	if n >= len(s.Commands) {
		t.Fatalf("the opened session has %d commands, the original %d", n, len(s.Commands))
	}
	p.shot("opened")
}
