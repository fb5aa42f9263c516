package e2e

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAccessibility runs axe-core on the simulator's page while it plays,
// with a node selected and a command answered, with the selected node
// crashed, and again paused: no
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

	// The selected node crashed: its row in the log grid keeps the
	// selection's background under the crashed name's colour.
	p.click(fmt.Sprintf("node-%d-crash", leader))
	p.poll(fmt.Sprintf(`document.querySelector('button.lname[title="Select n%d"]')?.getAttribute('aria-label').includes('Crashed')`, leader))
	p.checkAccessibility("crashed node selected")

	p.click("play-toggle")
	p.poll(`document.querySelector('[data-testid="play-toggle"]').getAttribute('aria-pressed') === "false"`)
	p.poll(`document.querySelector('[data-testid="play-toggle"]').textContent.includes("Play")`)
	p.checkAccessibility("paused")
	p.shot("paused")

	p.click("diagram-toggle")
	p.poll(`document.querySelector('[data-testid="diagram-note"]').textContent.includes('messages')`)
	p.checkAccessibility("diagram")
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

// axeScript is axe-core's browser build, pinned by e2e/package-lock.json
// and installed by `make tools-e2e` (a step of `make test-browser`).
const axeScript = "node_modules/axe-core/axe.min.js"

// axeSource holds axeScript's text, read once.
var axeSource struct {
	once sync.Once
	src  string
	err  error
}

// axeOptions are axe.run's options: every rule axe-core runs by default,
// plus label-content-name-mismatch (experimental in axe 4: a control whose
// accessible name does not contain its visible text, which speech users
// cannot name), reporting violations only.
const axeOptions = `{resultTypes: ["violations"], rules: {"label-content-name-mismatch": {enabled: true}}}`

// axeViolation is one axe-core rule the page breaks, with the elements
// that break it.
type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []axeNode `json:"nodes"`
}

// axeNode is one element breaking a rule: its CSS selector path, its
// markup (cut short) and axe-core's reason.
type axeNode struct {
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

// String is the violation as a test prints it.
func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s  %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
	}
	return b.String()
}

// axe runs axe-core on the whole page as it is now, injecting it first
// when the page does not have it, and returns every violation found.
func (p *page) axe() []axeViolation {
	p.t.Helper()
	axeSource.once.Do(func() {
		b, err := os.ReadFile(axeScript)
		if err != nil {
			axeSource.err = fmt.Errorf("axe-core is not installed (%v): run `make tools-e2e`", err)
			return
		}
		axeSource.src = string(b)
	})
	if axeSource.err != nil {
		p.t.Fatal(axeSource.err)
	}
	if !eval[bool](p, `typeof window.axe === "object"`) {
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](axeSource.src)); err != nil {
			p.t.Fatalf("injecting axe-core: %v", err)
		}
	}
	return eval[[]axeViolation](p, `axe.run(document, `+axeOptions+`).then((r) => r.violations.map((v) => ({
		id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.map((n) => ({target: n.target.flat(Infinity).join(" "), html: n.html.slice(0, 200), summary: n.failureSummary || ""})),
	})))`)
}

// axeEnforced are the milder rules checkAccessibility fails on too: the
// page once broke them and keeps them fixed.
var axeEnforced = map[string]bool{
	"region": true, // all content inside landmarks
}

// axeFails says whether checkAccessibility fails on a violation: a serious
// or critical one, or one of axeEnforced.
func axeFails(v axeViolation) bool {
	return v.Impact == "serious" || v.Impact == "critical" || axeEnforced[v.ID]
}

// checkAccessibility fails the test when axe-core finds a serious or
// critical violation, or one of axeEnforced, on the page as it is now
// (view names it in the failure and in the screenshot saved then); other
// violations are logged.
func (p *page) checkAccessibility(view string) {
	p.t.Helper()
	var bad []string
	for _, v := range p.axe() {
		if axeFails(v) {
			bad = append(bad, v.String())
		} else {
			p.t.Logf("axe-core, %s view: %s", view, v)
		}
	}
	if len(bad) > 0 {
		p.shot("axe-" + view)
		p.t.Errorf("axe-core found %d violations on the %s view:\n  %s", len(bad), view, strings.Join(bad, "\n  "))
	}
}
