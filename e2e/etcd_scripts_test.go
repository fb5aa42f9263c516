package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// playerState is what the page's test surface says of the etcd scripts
// player (seshatPage.etcdPlayer()).
type playerState struct {
	Name      string `json:"name"`
	Step      int    `json:"step"`
	Steps     int    `json:"steps"`
	TypedFrom int    `json:"typedFrom"`
	Text      string `json:"text"`
}

// shownStep is what the player's band shows of the step it is at.
type shownStep struct {
	Line           string     `json:"line"`
	Directive      string     `json:"directive"`
	Expected       string     `json:"expected"`
	ExpectedHidden bool       `json:"expectedHidden"`
	Actual         string     `json:"actual"`
	Mark           string     `json:"mark"`
	Said           string     `json:"said"`
	Rows           [][]string `json:"rows"`
}

const jsShownStep = `(() => { const q = (id) => document.querySelector('[data-testid="' + id + '"]');
	return { line: q('etcd-line').textContent, directive: q('etcd-directive').textContent, expected: q('etcd-expected').textContent,
		expectedHidden: q('etcd-expected').hidden, actual: q('etcd-actual').textContent, mark: q('etcd-mark').textContent,
		said: q('etcd-said').textContent, rows: [...q('etcd-nodes').rows].map((r) => [...r.cells].map((c) => c.textContent)) }; })()`

// playerAt waits until the player shows step i (from 0) of n of the
// script name, and returns what it shows.
func playerAt(p *page, name string, i, n int) shownStep {
	p.t.Helper()
	p.poll(fmt.Sprintf(`(() => { const s = seshatPage.etcdPlayer(); return s !== null && !s.busy && s.name === %q && s.step === %d && s.steps === %d
		&& document.querySelector('[data-testid="etcd-place"]').textContent === %q && document.querySelector('[data-testid="etcd-step"]').value === %q; })()`,
		name, i, n, fmt.Sprintf("Step %d of %d", i+1, n), fmt.Sprint(i+1)))
	return eval[shownStep](p, jsShownStep)
}

// etcdScript reads and parses one of etcd raft's scripts from the module
// cache, and runs it natively in etcd's InteractionEnv.
func etcdScript(t *testing.T, name string) (*etcdscript.Script, []etcdscript.Step) {
	t.Helper()
	dir, err := etcdscript.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	s, err := etcdscript.ReadScript(os.DirFS(dir), path.Join(etcdscript.ScriptsDir, name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := etcdscript.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, steps
}

// playText parses and runs a script's text natively, as the module does.
func playText(t *testing.T, name, text string) []etcdscript.Step {
	t.Helper()
	s, err := etcdscript.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := etcdscript.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// roleWords are the player's words for each role (web/ui/roles.js's badge and label).
var roleWords = map[core.Role]string{core.RoleLeader: "L Leader", core.RoleFollower: "F Follower", core.RoleCandidate: "C Candidate", core.RolePreCandidate: "P Pre-candidate"}

// nodeRows are the rows the player's node table must show for views.
func nodeRows(views []wire.NodeView) [][]string {
	id := func(n core.NodeID) string {
		if n == 0 {
			return "—"
		}
		return fmt.Sprintf("n%d", n)
	}
	rows := [][]string{}
	for _, v := range views {
		rows = append(rows, []string{id(v.ID), roleWords[v.Role], fmt.Sprint(v.Term), id(v.Vote), fmt.Sprint(v.Commit), fmt.Sprint(v.Applied), fmt.Sprint(v.LastIndex), id(v.Leader)})
	}
	return rows
}

// checkStep fails the test when what the player shows of step i differs
// from the native run's: the directive and its line, etcd's expected
// output (the file's), the output printed now (the same, with a match
// mark in words) and every node's state.
func checkStep(t *testing.T, name string, i int, got shownStep, d etcdscript.Directive, want etcdscript.Step) {
	t.Helper()
	if got.Line != fmt.Sprintf("line %d", d.Line) || got.Directive != d.Text {
		t.Errorf("%s step %d shows %s: %q, the file has line %d: %q", name, i+1, got.Line, got.Directive, d.Line, d.Text)
	}
	if got.Expected != d.Expected {
		t.Errorf("%s step %d (%s): the expected output shown\n%s\nis not the file's\n%s", name, i+1, d.Text, got.Expected, d.Expected)
	}
	if got.Actual != d.Expected || got.Actual != want.Actual {
		t.Errorf("%s step %d (%s): the output shown\n%s\ndiffers from the file's\n%s", name, i+1, d.Text, got.Actual, d.Expected)
	}
	if !strings.HasPrefix(got.Mark, "✔ matches") {
		t.Errorf("%s step %d: the mark is %q", name, i+1, got.Mark)
	}
	if w := nodeRows(want.Nodes); fmt.Sprint(got.Rows) != fmt.Sprint(w) {
		t.Errorf("%s step %d (%s): the nodes shown\n%v\nare not etcd's\n%v", name, i+1, d.Text, got.Rows, w)
	}
	if !strings.Contains(got.Said, fmt.Sprintf("Step %d of", i+1)) || !strings.Contains(got.Said, d.Text) {
		t.Errorf("%s step %d: the live region says %q", name, i+1, got.Said)
	}
}

// chooseScript picks a script in the player's menu, as the keyboard or a
// click does (its change event).
func chooseScript(p *page, name string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="etcd-script"]'); s.value = %q; s.dispatchEvent(new Event('change')); return s.value === %q; })()`, name, name))
}

// TestEtcdScriptsInThePage: "etcd's scripts" in the top bar opens the
// player; three of etcd raft's scripts are played through every directive
// (Next, the arrow keys on the slider, the slider itself), each step's
// expected output, output and nodes checked against the file and a native
// run of etcd's InteractionEnv; taking over and typing directives gives
// new steps with etcd's output; a bad script file dropped on the band is
// refused naming its line, and what was shown stays; axe-core finds no
// serious violation.
func TestEtcdScriptsInThePage(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	p.click("etcd-open")
	p.poll(`seshatPage.etcdPlayer() !== null`)
	if about := eval[string](p, `document.querySelector('[data-testid="etcd-player"] .etcd-about').textContent + ' ' + document.querySelector('[data-testid="etcd-license"]').href`); !strings.Contains(about, "go.etcd.io/raft/v3") || !strings.HasSuffix(about, "etcd-raft/LICENSE.txt") {
		t.Errorf("the player does not say the scripts are etcd raft's, with its licence: %q", about)
	}
	if lic := eval[string](p, `fetch(document.querySelector('[data-testid="etcd-license"]').href).then((r) => r.text())`); !strings.Contains(lic, "Apache License") {
		t.Errorf("the licence link does not serve etcd's licence: %.80q", lic)
	}
	if n := eval[int](p, `document.querySelectorAll('[data-testid="etcd-script"] option:not([disabled])').length`); n != 28 {
		t.Errorf("the menu offers %d of etcd's scripts, not 28", n)
	}

	for k, name := range []string{"campaign", "prevote_checkquorum", "confchange_v2_replace_leader"} {
		script, want := etcdScript(t, name)
		file := name + ".txt"
		n := len(script.Directives)
		if k > 0 {
			chooseScript(p, name)
		}
		checkStep(t, name, 0, playerAt(p, file, 0, n), script.Directives[0], want[0])
		for i := 1; i < n; i++ {
			switch {
			case k == 1: // the arrow keys on the focused slider
				eval[bool](p, `(document.querySelector('[data-testid="etcd-step"]').focus(), true)`)
				p.do(chromedp.KeyEvent(kb.ArrowRight))
			case k == 2 && i%2 == 0: // the slider moved as a pointer moves it
				eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="etcd-step"]'); s.value = %q; s.dispatchEvent(new Event('input')); return true; })()`, fmt.Sprint(i+1)))
			default:
				p.click("etcd-next")
			}
			checkStep(t, name, i, playerAt(p, file, i, n), script.Directives[i], want[i])
		}
		if name == "campaign" {
			// The README's screenshot (docs/screenshots/etcd-scripts.png):
			// the band at campaign's last step.
			eval[bool](p, `(window.scrollTo(0, 0), true)`)
			p.save("etcd-scripts", chromedp.Screenshot(chromedp.CSS(`[data-testid="etcd-player"]`)))
		}
		if !eval[bool](p, `document.querySelector('[data-testid="etcd-next"]').disabled`) {
			t.Errorf("%s: Next is offered past the last step", name)
		}
		if sum := eval[string](p, `document.querySelector('[data-testid="etcd-summary"]').textContent`); sum != fmt.Sprintf("%d of %d directives match etcd's expected output.", n, n) {
			t.Errorf("%s: the summary says %q", name, sum)
		}
		// Back, and Home by keyboard.
		p.click("etcd-back")
		playerAt(p, file, n-2, n)
		eval[bool](p, `(document.querySelector('[data-testid="etcd-step"]').focus(), true)`)
		p.do(chromedp.KeyEvent(kb.Home))
		playerAt(p, file, 0, n)
	}
	// The page's own time travel did not take the arrow keys.
	if s := eval[string](p, `document.querySelector('[data-testid="error"]').hidden ? '' : document.querySelector('[data-testid="error"]').textContent`); s != "" {
		t.Errorf("the page shows an error: %s", s)
	}

	// Take over in campaign after add-nodes, and type campaign 2, then stabilize.
	chooseScript(p, "campaign")
	script, _ := etcdScript(t, "campaign")
	n := len(script.Directives)
	playerAt(p, "campaign.txt", 0, n)
	p.click("etcd-next")
	playerAt(p, "campaign.txt", 1, n)
	p.click("etcd-take-over")
	p.poll(`!document.querySelector('[data-testid="etcd-type-form"]').hidden && document.activeElement === document.querySelector('[data-testid="etcd-typed"]')`)
	playerAt(p, "campaign.txt", 1, 2)
	for k, typed := range []string{"campaign 2", "stabilize"} {
		p.do(chromedp.SendKeys(`[data-testid="etcd-typed"]`, typed), chromedp.KeyEvent(kb.Enter))
		got := playerAt(p, "campaign.txt", 2+k, 3+k)
		st := eval[playerState](p, `seshatPage.etcdPlayer()`)
		if st.TypedFrom != 2 {
			t.Errorf("after taking over at step 2 the first typed step is %d", st.TypedFrom)
		}
		// The text played is the file's first two blocks and the typed directives.
		if !strings.HasPrefix(st.Text, "log-level info\n") || strings.Contains(st.Text, "campaign 1") || !strings.HasSuffix(st.Text, "\n\n"+typed+"\n----\n") {
			t.Errorf("the text played after typing %q:\n%s", typed, st.Text)
		}
		native := playText(t, "campaign.txt", st.Text)
		for i, d := range script.Directives[:2] {
			if native[i].Expected != d.Expected {
				t.Errorf("cut at step 2, directive %d's expected output is not the file's", i+1)
			}
		}
		last := native[len(native)-1]
		if got.Directive != typed || got.Actual != last.Actual || got.Actual == "" || !got.ExpectedHidden || !strings.Contains(got.Mark, "your directive") {
			t.Errorf("typed %q: the step shows %+v; etcd printed\n%s", typed, got, last.Actual)
		}
		if w := nodeRows(last.Nodes); fmt.Sprint(got.Rows) != fmt.Sprint(w) {
			t.Errorf("typed %q: the nodes shown\n%v\nare not etcd's\n%v", typed, got.Rows, w)
		}
		if k == 1 && (len(got.Rows) != 3 || got.Rows[1][1] != "L Leader" || last.Nodes[1].Role != core.RoleLeader || !strings.Contains(got.Said, fmt.Sprintf("n2 leads term %d", last.Nodes[1].Term))) {
			t.Errorf("after campaign 2 and stabilize n2 does not lead: %v; said %q", got.Rows, got.Said)
		}
	}
	p.checkAccessibility("etcd scripts player")
	eval[bool](p, `(window.scrollTo(0, 0), true)`)
	p.save("etcd-scripts-take-over", chromedp.Screenshot(chromedp.CSS(`[data-testid="etcd-player"]`)))

	// A bad directive typed is refused in words; the play stays.
	before := eval[playerState](p, `seshatPage.etcdPlayer()`)
	p.do(chromedp.SendKeys(`[data-testid="etcd-typed"]`, "frobnicate 1"), chromedp.KeyEvent(kb.Enter))
	p.poll(`!document.querySelector('[data-testid="etcd-error"]').hidden && document.querySelector('[data-testid="etcd-error"]').textContent.includes('Your directive cannot be played')`)
	if after := eval[playerState](p, `seshatPage.etcdPlayer()`); after != before {
		t.Errorf("a refused directive changed the play: %+v, then %+v", before, after)
	}

	// A bad file dropped on the band: refused naming its line, the play untouched.
	bad := "log-level info\n----\nok\n\nadd-nodes 3 voters=(1,2,3) index=2\n----\nok\n\nfrobnicate 1\n----\nok\n"
	drop := func(name, text string) {
		eval[bool](p, fmt.Sprintf(`(() => { const dt = new DataTransfer(); dt.items.add(new File([%s], %q, { type: 'text/plain' }));
			document.querySelector('[data-testid="etcd-player"]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true })); return true; })()`, text, name))
	}
	drop("mine.txt", fmt.Sprintf("%q", bad))
	p.poll(`document.querySelector('[data-testid="etcd-error"]').textContent.startsWith('mine.txt cannot be played')`)
	if e := eval[string](p, `document.querySelector('[data-testid="etcd-error"]').textContent`); !strings.Contains(e, "mine.txt:9") && !strings.Contains(e, "line 9") {
		t.Errorf("the error does not name line 9: %q", e)
	}
	if after := eval[playerState](p, `seshatPage.etcdPlayer()`); after != before {
		t.Errorf("a refused file changed the play: %+v, then %+v", before, after)
	}
	p.shot("bad-file")
	// Too big: refused before it is read.
	drop("big.txt", `'#'.repeat(2 << 20)`)
	p.poll(`document.querySelector('[data-testid="etcd-error"]').textContent.startsWith('big.txt is not read')`)
	// A good file of one's own plays.
	drop("mine.txt", fmt.Sprintf("%q", bad[:strings.Index(bad, "frobnicate")]))
	p.poll(`document.querySelector('[data-testid="etcd-error"]').hidden`)
	got := playerAt(p, "mine.txt", 0, 2)
	if got.Directive != "log-level info" {
		t.Errorf("the dropped file's first step: %+v", got)
	}
}

// TestEtcdScriptsOnAPhone: at 390 px the top bar's button and the
// player's controls fit the screen, and axe-core finds no serious
// violation.
func TestEtcdScriptsOnAPhone(t *testing.T) {
	q := newPage(t)
	if _, err := chromedp.Call(q.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	q.open("")
	q.click("etcd-open")
	cs, _ := etcdScript(t, "campaign")
	playerAt(q, "campaign.txt", 0, len(cs.Directives))
	q.click("etcd-next")
	q.click("etcd-next")
	playerAt(q, "campaign.txt", 2, len(cs.Directives))
	if w := eval[[]int](q, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("with the player open the page is %d px wide in a %d px screen", w[0], w[1])
	}
	if out := eval[[]string](q, `[...document.querySelectorAll('[data-testid="etcd-open"], #etcd-player button, #etcd-player select, #etcd-player input, #etcd-player pre, #etcd-player .etcd-table')].filter((e) => e.getClientRects().length).filter((e) => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; }).map((e) => e.dataset.testid || e.className || e.localName)`); len(out) > 0 {
		t.Errorf("player controls past the phone's edge: %v", out)
	}
	q.checkAccessibility("etcd scripts player on a phone")
	q.shotOf("etcd-scripts-phone", `[data-testid="etcd-player"]`)
}

// download is a file the page saved (intercepted: its name, type and text).
type download struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Text string `json:"text"`
}

// interceptDownloads records, in window.__downloads, every file the page
// saves through a link to a blob.
const interceptDownloads = `(() => {
	window.__downloads = [];
	const blobs = new Map();
	const create = URL.createObjectURL;
	URL.createObjectURL = (b) => { const u = create(b); blobs.set(u, b); return u; };
	const click = HTMLAnchorElement.prototype.click;
	HTMLAnchorElement.prototype.click = function () {
		const b = blobs.get(this.href);
		if (b && this.download) { b.text().then((text) => window.__downloads.push({ name: this.download, type: b.type, text })); return; }
		return click.call(this);
	};
	return true;
})()`

// TestExportMenu: the Export menu lists the session's JSON and every
// format of package export (from the generated schema); each downloads a
// file of its kind with contents that look right (the etcd script plays
// in etcd's InteractionEnv, matching at every directive); a session the
// etcd-script format cannot write is refused in words.
func TestExportMenu(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.poll(jsLeader + ` > 0`)
	eval[bool](p, interceptDownloads)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="set-key"]`), "k"), chromedp.SetValue(chromedp.CSS(`[data-testid="set-value"]`), "v1"))
	p.click("set-submit")
	p.poll(`document.querySelector('[data-testid="console-output"]').textContent.includes("set k=v1")`)
	follower := eval[int](p, `seshatPage.frame().view.nodes.find((n) => n.up && n.role !== 'leader').id`)
	eval[bool](p, fmt.Sprintf(`(seshatPage.command({kind: 'crash', node: %d}), true)`, follower))
	p.poll(fmt.Sprintf(`!seshatPage.frame().view.nodes.find((n) => n.id === %d).up`, follower))
	eval[bool](p, fmt.Sprintf(`(seshatPage.command({kind: 'restart', node: %d}), true)`, follower))
	p.poll(fmt.Sprintf(`seshatPage.frame().view.nodes.find((n) => n.id === %d).up && seshatPage.frame().view.nodes.every((n) => n.commit === seshatPage.frame().view.nodes[0].commit)`, follower))
	eval[float64](p, `seshatPage.pause()`)

	formats := eval[[]string](p, `[...document.querySelectorAll('[data-testid="export-format"] option')].map((o) => o.value)`)
	for _, f := range []string{"json", "edn", "trace", "porcupine", "etcd-script"} {
		if !strings.Contains(" "+strings.Join(formats, " ")+" ", " "+f+" ") {
			t.Fatalf("the Export menu offers %v, without %s", formats, f)
		}
	}
	exportAs := func(f string) download {
		t.Helper()
		n := eval[int](p, `window.__downloads.length`)
		eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="export-format"]'); s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, f))
		p.click("export")
		p.poll(fmt.Sprintf(`window.__downloads.length > %d`, n))
		return eval[download](p, fmt.Sprintf(`window.__downloads[%d]`, n))
	}
	var sessionJSON string // the json export, which the Go side writes the tla export from
	for _, f := range formats {
		d := exportAs(f)
		t.Logf("%s: %s (%s, %d bytes)", f, d.Name, d.Type, len(d.Text))
		switch f {
		case "json":
			var s struct {
				Config struct{ Seed *int } `json:"config"`
			}
			if err := json.Unmarshal([]byte(d.Text), &s); err != nil || s.Config.Seed == nil || d.Type != "application/json" || !strings.HasSuffix(d.Name, ".json") {
				t.Errorf("the session's JSON: %s %s %v %.100q", d.Name, d.Type, err, d.Text)
			}
			sessionJSON = d.Text
		case "edn":
			if !strings.HasPrefix(d.Text, "{:type") || !strings.HasSuffix(d.Name, ".edn") || !strings.Contains(d.Text, `"k"`) {
				t.Errorf("the EDN history %s: %.200q", d.Name, d.Text)
			}
		case "trace":
			var tr struct {
				TraceEvents []map[string]any `json:"traceEvents"`
			}
			if err := json.Unmarshal([]byte(d.Text), &tr); err != nil || len(tr.TraceEvents) < 10 || !strings.HasSuffix(d.Name, ".json") {
				t.Errorf("the Chrome trace %s: %v, %d events", d.Name, err, len(tr.TraceEvents))
			}
		case "porcupine":
			if !strings.Contains(d.Text, "<html") || !strings.Contains(d.Text, `"Annotations"`) || !strings.Contains(d.Text, `"down"`) || !strings.HasSuffix(d.Name, ".html") || !strings.HasPrefix(d.Type, "text/html") {
				t.Errorf("the Porcupine page %s (%s) has no crash annotation", d.Name, d.Type)
			}
		case "etcd-script":
			steps := playText(t, d.Name, d.Text)
			for i, s := range steps {
				if !s.Matches() {
					t.Errorf("the exported etcd script's directive %d (%s) does not match in InteractionEnv", i+1, s.Text)
				}
			}
			if len(steps) < 3 || !strings.Contains(d.Text, "add-nodes") {
				t.Errorf("the exported etcd script %s:\n%s", d.Name, d.Text)
			}
		case "tla":
			// The page's TLA+ trace is the one Go writes from the same
			// session (export's, checked against etcd's own trace logger).
			lines := strings.Split(strings.TrimSuffix(d.Text, "\n"), "\n")
			var first struct {
				Tag   string `json:"tag"`
				Event struct {
					Name string `json:"name"`
				} `json:"event"`
			}
			if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Tag != "trace" || first.Event.Name != "InitState" || len(lines) < 10 || d.Name != "seshat-tla-trace.ndjson" || d.Type != "application/x-ndjson" {
				t.Errorf("the TLA+ trace %s: %v, %d lines, first %.200q", d.Name, err, len(lines), lines[0])
			}
			s, err := sim.UnmarshalSession([]byte(sessionJSON))
			if err != nil {
				t.Fatalf("the page's session: %v", err)
			}
			var want strings.Builder
			if err := export.WriteSession(&want, s, export.FormatTLA, ""); err != nil {
				t.Fatal(err)
			}
			if d.Text != want.String() {
				t.Errorf("the page's TLA+ trace (%d bytes) differs from Go's for the same session (%d bytes)", len(d.Text), want.Len())
			}
		default: // a format added later: a file of its own with text
			if d.Name == "" || len(d.Text) == 0 {
				t.Errorf("the %s export: %+v", f, d)
			}
		}
	}

	// A node added after the start cannot be written as an etcd script.
	eval[bool](p, `(seshatPage.command({kind: 'add'}), true)`)
	p.poll(`seshatPage.frame().view.nodes.length === 6`)
	n := eval[int](p, `window.__downloads.length`)
	eval[bool](p, `(() => { const s = document.querySelector('[data-testid="export-format"]'); s.value = 'etcd-script'; s.dispatchEvent(new Event('change')); return true; })()`)
	p.click("export")
	msg := p.takeError("Export as etcd's datadriven script", "nodes")
	t.Logf("refused: %s", msg)
	if got := eval[int](p, `window.__downloads.length`); got != n {
		t.Errorf("a refused export downloaded a file")
	}
}
