package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSearchingTheWholeSession: after two elections, a search for leader
// changes lists both, marks them on the slider, and the second travels to
// its time.
func TestSearchingTheWholeSession(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	old := eval[int](p, jsLeader)
	eval[bool](p, fmt.Sprintf(`seshatPage.command({kind: "crash", node: %d}).then(() => true)`, old))
	p.poll(fmt.Sprintf(`(() => { const l = %s; return l > 0 && l !== %d; })()`, jsLeader, old))
	eval[bool](p, `(seshatPage.setPlaying(false), true)`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="search"]`), "leader changes"))
	p.click("search-go")
	p.poll(`!document.querySelector('[data-testid="search-box"]').hidden`)
	summary := eval[string](p, `document.querySelector('[data-testid="search-summary"]').textContent`)
	if !strings.HasPrefix(summary, "2 events of the session match “leader changes”") {
		t.Fatalf("the search says %q", summary)
	}
	if n := eval[int](p, `document.querySelectorAll('#markers .mk.search').length`); n != 2 {
		t.Fatalf("%d search marks on the slider, want 2", n)
	}
	at := eval[float64](p, `(() => { const b = document.querySelectorAll('[data-testid="search-results"] li button')[1]; b.click(); return Number(b.textContent.replace(' s', '')) * 1000; })()`)
	p.poll(fmt.Sprintf(`Math.abs(seshatPage.frame().view.time - %v) < 1`, at))
	if text := eval[string](p, `document.querySelectorAll('[data-testid="search-results"] li')[1].textContent`); !strings.Contains(text, "became leader") {
		t.Fatalf("the second result says %q", text)
	}
	p.shot("found")
}
