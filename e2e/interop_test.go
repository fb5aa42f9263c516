package e2e

import (
	"testing"
)

// interopResult is what jsInterop reports.
type interopResult struct {
	Scripts int    `json:"scripts"`
	License bool   `json:"license"`
	Steps   int    `json:"steps"`
	Matched int    `json:"matched"`
	Yours   int    `json:"yours"`
	Leader  int    `json:"leader"`
	BadKind string `json:"badKind"`
	BadLine int    `json:"badLine"`
	Export  string `json:"export"`
	Loaded  int    `json:"loaded"`
	// PlayedMS is the time a play of etcd's biggest script took.
	PlayedMS float64 `json:"playedMS"`
	All      []struct {
		Name           string
		Steps, Matched int
	} `json:"all"`
}

// jsInterop loads the interop module in the page, as the page will on
// demand: the index of etcd raft's scripts, campaign.txt played with a
// directive typed after it, a bad directive, every one of the 28 scripts
// (the longest play's time logged), and an EDN export of a session of the
// page's engine.
const jsInterop = `(async () => {
	const m = await import('./engine/interop.js');
	let loaded = 0;
	const interop = m.createInterop({ onProgress: (n) => { loaded = n; } });
	try {
		const index = await m.loadScriptIndex();
		const license = (await (await fetch(index.licenseURL)).text()).includes('Apache License');
		const entry = index.scripts.find((s) => s.name === 'campaign');
		const text = m.appendDirective(await m.loadScript(entry), 'propose 1 typed');
		await interop.ready();
		const res = await interop.play(entry.name, text);
		const all = [];
		let playedMS = 0;
		for (const s of index.scripts) {
			const t0 = performance.now();
			const r = await interop.play(s.name, await m.loadScript(s));
			playedMS = Math.max(playedMS, performance.now() - t0);
			all.push({ name: s.name, steps: r.total, matched: r.matched });
		}
		let badKind = '', badLine = 0;
		try { await interop.play('mine', m.appendDirective(text, 'campaign 9')); } catch (e) { badKind = e.kind; badLine = e.line; }
		const { WasmEngine } = await import('./engine/wasm-engine.js');
		const engine = await WasmEngine.start();
		let session;
		try {
			await engine.call('create', { nodes: 3, seed: 3, clients: { count: 1 } });
			await engine.call('frame', { advance_ms: 3000 });
			session = await engine.call('export');
		} finally {
			engine.close();
		}
		const out = await interop.exportSession(session, 'edn');
		return { scripts: index.scripts.length, license, steps: res.total, matched: res.matched, yours: res.yours,
			leader: res.steps.at(-1).nodes.find((n) => n.role === 'leader').id, badKind, badLine,
			export: out.filename + ' ' + out.text.slice(0, 14), loaded, playedMS, all };
	} finally {
		interop.close();
	}
})()`

// TestInteropModuleInTheBrowser: the interop module, its worker and etcd
// raft's scripts load in Chromium from the dev server, next to the page,
// and play and export there.
func TestInteropModuleInTheBrowser(t *testing.T) {
	p := newPage(t)
	p.open("")
	r := eval[interopResult](p, jsInterop)
	t.Logf("%+v", r)
	if r.Scripts != 28 || !r.License || r.Steps == 0 || r.Matched != r.Steps-1 || r.Yours != 1 || r.Leader != 1 {
		t.Errorf("played: %+v", r)
	}
	if r.BadKind != "bad-script" || r.BadLine == 0 {
		t.Errorf("a bad directive: kind %q line %d", r.BadKind, r.BadLine)
	}
	if r.Export != "seshat-history.edn {:type :invoke" || r.Loaded < 1<<20 {
		t.Errorf("export %q, %d bytes loaded", r.Export, r.Loaded)
	}
	// Every one of etcd raft's scripts plays in the browser with each
	// directive's output what the file expects. (The page re-plays a
	// taken-over script on each directive: the longest play is logged.)
	if len(r.All) != 28 {
		t.Errorf("%d scripts played in the browser, want 28", len(r.All))
	}
	for _, a := range r.All {
		if a.Steps == 0 || a.Matched != a.Steps {
			t.Errorf("%s: %d of %d directives match in the browser", a.Name, a.Matched, a.Steps)
		}
	}
	t.Logf("the longest of the 28 plays took %.0f ms", r.PlayedMS)
}
