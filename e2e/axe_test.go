package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAccessibility runs axe-core on the simulator's page while it plays,
// with a node selected and a command answered, and again paused: no
// serious or critical violation, and every element inside a landmark.
// The native view is checked in TestTheNativeClusterInThePage, the phone
// view in TestUsableOnAPhone.
func TestAccessibility(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	leader := eval[int](p, jsLeader)
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="node-%d"]`, leader))))
	p.poll(fmt.Sprintf(`document.querySelector('[data-testid="node-%d-crash"]') !== null`, leader))
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "a11y"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "checked"))
	p.click("set-submit")
	p.poll(`document.querySelector('[data-testid="console-output"]').textContent.includes("set a11y=checked")`)
	p.checkAccessibility("simulator")

	p.click("play-toggle")
	p.poll(`document.querySelector('[data-testid="play-toggle"]').getAttribute('aria-pressed') === "false"`)
	p.poll(`document.querySelector('[data-testid="play-toggle"]').textContent.includes("Play")`)
	p.checkAccessibility("paused")
	p.shot("paused")
}

// TestTheAccessibilityCheckCatchesPlantedViolations plants, in the running
// page, one element breaking each rule the page once broke (text of 2.3:1
// contrast, a button whose name does not contain its text, a scrollable box
// that cannot be focused, text outside every landmark): axe-core must
// report each one on the planted element, and checkAccessibility must fail
// on it.
func TestTheAccessibilityCheckCatchesPlantedViolations(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	p.click("play-toggle")
	p.poll(`document.querySelector('[data-testid="play-toggle"]').getAttribute('aria-pressed') === "false"`)
	eval[bool](p, `(() => {
		const panel = document.querySelector('#side .panel');
		panel.insertAdjacentHTML('beforeend',
			'<p id="planted-contrast" style="color:#aaaaaa;background:#ffffff">low-contrast words</p>' +
			'<button type="button" id="planted-name" aria-label="Delete every node">Keep</button>' +
			'<div id="planted-scroll" style="height:30px;overflow:auto"><p>one</p><p>two</p><p>three</p><p>four</p></div>');
		document.body.insertAdjacentHTML('beforeend', '<p id="planted-region">text outside every landmark</p>');
		return true;
	})()`)
	planted := map[string]string{
		"color-contrast":              "#planted-contrast",
		"label-content-name-mismatch": "#planted-name",
		"scrollable-region-focusable": "#planted-scroll",
		"region":                      "#planted-region",
	}
	found := map[string]axeViolation{}
	for _, v := range p.axe() {
		found[v.ID] = v
	}
	for rule, target := range planted {
		v, ok := found[rule]
		if !ok {
			t.Errorf("axe-core did not report %s on %s", rule, target)
			continue
		}
		hit := false
		for _, n := range v.Nodes {
			hit = hit || strings.Contains(n.Target, target)
		}
		if !hit {
			t.Errorf("axe-core reported %s, but not on %s:\n  %s", rule, target, v)
		}
		if !axeFails(v) {
			t.Errorf("the check lets %s (%s) pass", rule, v.Impact)
		}
	}
	p.shot("planted")
}
