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
}

// jsInterop loads the interop module in the page, as the page will on
// demand: the index of etcd raft's scripts, campaign.txt played with a
// directive typed after it, a bad directive, the biggest script (timed),
// and an EDN export of a
// session of the page's engine.
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
		const big = index.scripts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
		const bigText = await m.loadScript(big);
		const t0 = performance.now();
		const bigRes = await interop.play(big.name, bigText);
		const playedMS = performance.now() - t0;
		if (bigRes.matched !== bigRes.total) throw new Error(big.name + ': ' + bigRes.matched + ' of ' + bigRes.total);
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
			export: out.filename + ' ' + out.text.slice(0, 14), loaded, playedMS };
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
	// The page re-plays a taken-over script on each directive: well under
	// a second for the biggest (a few hundred ms on a slow machine).
	if r.PlayedMS > 2000 {
		t.Errorf("the biggest script took %.0f ms to play", r.PlayedMS)
	}
}
