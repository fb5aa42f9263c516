package e2e

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/seshat-raft/seshat/internal/devserver"
)

// firstLeaderScript runs in the page before its own scripts: it notes the
// time (ms since navigation started) of the first animation frame after a
// node was drawn as leader.
const firstLeaderScript = `
window.__e2eFirstLeader = 0;
new MutationObserver((_, obs) => {
  if (document.querySelector('[data-testid^="node-"][data-role="leader"]')) {
    obs.disconnect();
    requestAnimationFrame((t) => { window.__e2eFirstLeader = t; });
  }
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-role'] });`

// measureFrames records requestAnimationFrame timestamps for ms
// milliseconds, with the main thread's long tasks and the messages in
// flight sampled every 100 ms, and summarises the gaps between frames.
const measureFrames = `(ms) => new Promise((resolve) => {
  const ts = [], long = [];
  let inFlight = 0, samples = 0;
  const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) long.push(e.duration); });
  obs.observe({ type: 'longtask' });
  const sample = setInterval(() => { const f = seshatPage.frame(); if (f) { inFlight += f.view.messages.length; samples++; } }, 100);
  const start = performance.now();
  const tick = (t) => {
    ts.push(t);
    if (t - start < ms) { requestAnimationFrame(tick); return; }
    clearInterval(sample);
    obs.disconnect();
    const gaps = ts.slice(1).map((x, i) => x - ts[i]).sort((a, b) => a - b);
    const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
    resolve({ frames: gaps.length, p50: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1],
      longTasks: long.length, longTaskMs: long.reduce((a, b) => a + b, 0), longTaskMax: Math.max(0, ...long), avgInFlight: samples ? inFlight / samples : 0 });
  };
  requestAnimationFrame(tick);
})`

// frames is what measureFrames returns.
type frames struct {
	Frames      int     `json:"frames"`
	P50         float64 `json:"p50"`
	P95         float64 `json:"p95"`
	Max         float64 `json:"max"`
	LongTasks   int     `json:"longTasks"`
	LongTaskMs  float64 `json:"longTaskMs"`
	LongTaskMax float64 `json:"longTaskMax"`
	AvgInFlight float64 `json:"avgInFlight"`
}

// TestPerformance measures the page in headless Chromium and logs the
// figures: page weight, time to the first leader drawn, frame times with 9
// nodes and 100+ messages in flight at 10x (unthrottled and at 4x CPU
// throttling, with where the long tasks' time goes), and memory over 30
// virtual minutes at 100x (and on to an hour, to see it level off). It runs
// with `make bench-browser` (SESHAT_PERF=1); a missed target fails the run.
// Each part is a subtest on its own page (-run 'TestPerformance/frames'
// runs one). Frame times depend on the machine: the run logs its CPU count
// and load, and Chromium draws without a GPU here.
func TestPerformance(t *testing.T) {
	if os.Getenv("SESHAT_PERF") != "1" || os.Getenv("SESHAT_E2E") != "1" {
		t.Skip("performance figures run with `make bench-browser` (SESHAT_E2E=1 SESHAT_PERF=1)")
	}
	t.Logf("machine: %d CPUs, load average %s", runtime.NumCPU(), loadAverage())
	t.Run("load", loadFigures)
	t.Run("frames", frameFigures)
	t.Run("joint", jointFrameFigures)
	t.Run("diagram", diagramFrameFigures)
	t.Run("memory", memoryFigures)
}

// loadFigures measures the page's weight and the time to the first leader
// drawn.
func loadFigures(t *testing.T) {
	if err := brotliEngine(); err != nil {
		t.Fatal(err)
	}
	p := newPage(t)
	if _, err := chromedp.Call(p.ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: firstLeaderScript}); err != nil {
		t.Fatal(err)
	}
	p.open("")
	p.poll(`window.__e2eFirstLeader > 0`)
	weight := p.h.BytesSent()
	firstLeader := eval[float64](p, `window.__e2eFirstLeader`)
	t.Logf("page weight: %.2f MB transferred (brotli), target at most %.2f MB", float64(weight)/1e6, float64(devserver.PageBudget)/1e6)
	t.Logf("navigation to first leader drawn: %.0f ms, target < 2000 ms", firstLeader)
	if weight > devserver.PageBudget {
		t.Errorf("page weight %d bytes over the budget of %d", weight, devserver.PageBudget)
	}
	if firstLeader >= 2000 {
		t.Errorf("first leader drawn after %.0f ms", firstLeader)
	}
}

// frameFigures measures the frames with 9 nodes and over 100 messages in
// flight at 10x, at each of smoothRuns' CPU rates, and says where the long
// tasks' time goes.
func frameFigures(t *testing.T) {
	p := newPage(t)
	p.open("")
	// 9 nodes with a leader, slow links and busy clients: over 100 messages
	// in flight at 10x. Links slow enough to keep 100 messages in the air
	// but fast enough that the leader's heartbeats hold its followers.
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), "9"))
	p.click("restart-cluster")
	p.poll(`seshatPage.frame() && seshatPage.frame().view.nodes.length === 9`)
	eval[bool](p, `(() => { seshatPage.setSpeed(10); seshatPage.setPlaying(true); return true; })()`)
	p.poll(jsLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`#lat-min`), "200"), chromedp.SetValue(chromedp.CSS(`#lat-max`), "300"))
	p.click("network-apply")
	for range 10 {
		p.click("add-client")
	}
	p.poll(`seshatPage.frame().view.clients.length === 10 && seshatPage.frame().view.messages.length >= 100`)
	tr := newTracer(p)
	for _, run := range smoothRuns {
		p.throttle(run.rate)
		// Two seconds of frames first, not counted: the tags' sprites are
		// drawn and the page's code compiled as the load builds up, and
		// the page settles at the new CPU rate.
		eval[frames](p, `(`+measureFrames+`)(2000)`)
		f := eval[frames](p, `(`+measureFrames+`)(10000)`)
		leader := eval[string](p, `(() => { const l = seshatPage.frame().view.nodes.find(n => n.up && n.role === 'leader'); return l ? 'n' + l.id + ' leads term ' + l.term : 'no leader'; })()`)
		t.Logf("frames at 10x with 9 nodes, %s: %d frames in 10 s, p50 %.1f ms, p95 %.1f ms, max %.1f ms; %d main-thread tasks over 50 ms (%.0f ms in all, longest %.0f ms); %.0f messages in flight on average, %s; target %s",
			run.name, f.Frames, f.P50, f.P95, f.Max, f.LongTasks, f.LongTaskMs, f.LongTaskMax, f.AvgInFlight, leader, run.target)
		// Then 5 s more under Chrome's trace (which costs a little), to
		// say where the long tasks' time goes.
		var traced frames
		eval[bool](p, `(() => { seshatPage.stampFrames(true); return true; })()`)
		events := tr.during(strings.ReplaceAll(run.name, " ", "-"), func() { traced = eval[frames](p, `(`+measureFrames+`)(5000)`) })
		eval[bool](p, `(() => { seshatPage.stampFrames(false); return true; })()`)
		tasks, parts, during := longTaskPhases(events, 12)
		t.Logf("%s, 5 s traced: p95 %.1f ms; %d long tasks in the trace %v ms; what the page did in them: %s; their parts: %s",
			run.name, traced.P95, len(tasks), roundAll(tasks), phasesText(during), phasesText(parts))
		if f.AvgInFlight < 100 {
			t.Errorf("%s: %.0f messages in flight on average, not 100", run.name, f.AvgInFlight)
		}
		if f.P95 > run.maxP95 {
			t.Errorf("%s: frame p95 %.1f ms, over %.1f ms", run.name, f.P95, run.maxP95)
		}
		if run.noLongTasks && f.LongTasks > 0 {
			t.Errorf("%s: %d main-thread tasks over 50 ms (longest %.0f ms)", run.name, f.LongTasks, f.LongTaskMax)
		}
	}
	p.throttle(1)
	p.shot("nine-nodes")
}

// jointFrameFigures measures the frames with 9 members in a joint
// configuration (8 nodes, then a change adding n9 and removing n1 that is
// left joint until a leave-joint) and over 100 messages in flight at 10x,
// unthrottled: the membership drawing (both quorums marked on every node)
// must keep p95 within one refresh.
func jointFrameFigures(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), "8"))
	p.click("restart-cluster")
	p.poll(`seshatPage.frame() && seshatPage.frame().view.nodes.length === 8 && ` + jsCurrentLeader + ` > 0`)
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="member-cmd"]`), "change add n9, remove n1 explicit"))
	p.click("member-submit")
	p.poll(`document.querySelector('[data-testid="member-config"]').textContent.startsWith("joint:")`)
	eval[bool](p, `(() => { seshatPage.setSpeed(10); seshatPage.setPlaying(true); return true; })()`)
	p.do(chromedp.SetValue(chromedp.CSS(`#lat-min`), "200"), chromedp.SetValue(chromedp.CSS(`#lat-max`), "300"))
	p.click("network-apply")
	for range 10 {
		p.click("add-client")
	}
	p.poll(`seshatPage.frame().view.clients.length === 10 && seshatPage.frame().view.messages.length >= 100`)
	eval[frames](p, `(`+measureFrames+`)(2000)`)
	f := eval[frames](p, `(`+measureFrames+`)(10000)`)
	joint := eval[string](p, `document.querySelector('[data-testid="member-config"]').textContent`)
	t.Logf("frames at 10x with 9 members in a joint configuration (%s), unthrottled: %d frames in 10 s, p50 %.1f ms, p95 %.1f ms, max %.1f ms; %d main-thread tasks over 50 ms; %.0f messages in flight on average; target p95 one refresh (16.7 ms)",
		joint, f.Frames, f.P50, f.P95, f.Max, f.LongTasks, f.AvgInFlight)
	if !strings.HasPrefix(joint, "joint:") {
		t.Errorf("the configuration is no longer joint: %q", joint)
	}
	if f.AvgInFlight < 100 {
		t.Errorf("%.0f messages in flight on average, not 100", f.AvgInFlight)
	}
	if f.P95 > frameBudget {
		t.Errorf("frame p95 %.1f ms, over %.1f ms", f.P95, frameBudget)
	}
	p.shot("nine-members-joint")
}

// memoryFigures measures the page's and the engine's memory over an hour of
// virtual time at 100x.
func memoryFigures(t *testing.T) {
	p := newPage(t)
	p.open("")

	// Memory over 30 virtual minutes at 100x, on the default cluster (New
	// cluster, as the earlier figures were taken on a restarted one).
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), "5"))
	p.click("restart-cluster")
	p.poll(`seshatPage.frame() && seshatPage.frame().view.nodes.length === 5 && seshatPage.frame().view.time < 1000`)
	type mem struct {
		JS   float64 `json:"js"`
		Wasm float64 `json:"wasm"`
	}
	const readMem = `(async () => { if (window.gc) gc(); return {js: performance.memory.usedJSHeapSize, wasm: await seshatPage.wasmMemory()}; })()`
	before := eval[mem](p, readMem)
	eval[bool](p, `(() => { seshatPage.setSpeed(100); seshatPage.setPlaying(true); return true; })()`)
	// Sample every 10 virtual minutes for an hour: the issue asks for 30
	// minutes; the second half hour shows where the memory levels off
	// (checkpoints stop adding up at 12, the trace at its ring's size).
	var at [6]mem
	for i := range at {
		p.pollFor(fmt.Sprintf(`seshatPage.frame().view.time >= %d`, (i+1)*600_000), 3*time.Minute)
		at[i] = eval[mem](p, readMem)
	}
	mb := func(pick func(mem) float64) string {
		var parts []string
		for _, m := range at {
			parts = append(parts, fmt.Sprintf("%.1f", pick(m)/1e6))
		}
		return strings.Join(parts, ", ")
	}
	t.Logf("memory before: page JS heap %.1f MB, wasm %.1f MB; at 10 to 60 virtual minutes at 100x (every 10): JS heap %s MB; wasm %s MB",
		before.JS/1e6, before.Wasm/1e6, mb(func(m mem) float64 { return m.JS }), mb(func(m mem) float64 { return m.Wasm }))
	first, second := at[2].Wasm-before.Wasm, at[5].Wasm-at[2].Wasm
	if second > first/2 {
		t.Errorf("wasm memory still growing: %.1f MB in the first 30 virtual minutes, %.1f MB in the next 30", first/1e6, second/1e6)
	}
	if at[5].JS > 2*at[0].JS+10e6 {
		t.Errorf("JS heap still growing: %.1f MB at 10 virtual minutes, %.1f MB at 60", at[0].JS/1e6, at[5].JS/1e6)
	}
	p.shot("one-hour")
}

// frameBudget is one refresh at 60 Hz plus 5% for timestamp jitter.
const frameBudget = 1000.0 / 60 * 1.05

// twoRefreshes is two refreshes at 60 Hz (33.3 ms), rounded up as the
// target states it: a missed frame at most, for 95% of the gaps.
const twoRefreshes = 33.4

// smoothRun is one measurement of the 9-node run at 10x: at a CPU
// throttling rate (DevTools' Emulation.setCPUThrottlingRate; 1 is none),
// held to a frame p95 and, optionally, to no main-thread task over 50 ms.
type smoothRun struct {
	name        string
	rate        float64
	maxP95      float64
	noLongTasks bool
	target      string
}

// smoothRuns are the page's smoothness targets. Animation frames come once
// per display refresh, 16.67 ms at 60 Hz, so the gap between two frames is
// never less. Unthrottled, at least 95% of the gaps are one refresh (a
// missed frame makes a gap of two); at 4x throttling, a slow laptop, 95%
// are at most two, and the main thread never stops answering for over 50 ms.
var smoothRuns = []smoothRun{
	{name: "unthrottled", rate: 1, maxP95: frameBudget, target: "p95 one refresh (16.7 ms)"},
	{name: "4x CPU throttling", rate: 4, maxP95: twoRefreshes, noLongTasks: true, target: "p95 at most two refreshes (33.4 ms), no task over 50 ms"},
}

// throttle slows the page's CPU by rate (1 for none), as DevTools does.
func (p *page) throttle(rate float64) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate}); err != nil {
		p.t.Fatalf("CPU throttling at %gx: %v", rate, err)
	}
}

// roundAll rounds each of xs to a whole number, for a log line.
func roundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Round(x)
	}
	return out
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// diagramFrameFigures measures the frames with 9 nodes at 10x, busy
// clients and over 100 messages in flight, with the space-time diagram
// shown (heartbeats too, the most lines), unthrottled: the diagram, asked
// of the engine and drawn at each panel pass, must keep p95 within one
// refresh.
func diagramFrameFigures(t *testing.T) {
	p := newPage(t)
	p.open("")
	p.do(chromedp.SetValue(chromedp.CSS(`[data-testid="nodes-count"]`), "9"))
	p.click("restart-cluster")
	p.poll(`seshatPage.frame() && seshatPage.frame().view.nodes.length === 9 && ` + jsCurrentLeader + ` > 0`)
	eval[bool](p, `(() => { seshatPage.setSpeed(10); seshatPage.setPlaying(true); return true; })()`)
	p.do(chromedp.SetValue(chromedp.CSS(`#lat-min`), "200"), chromedp.SetValue(chromedp.CSS(`#lat-max`), "300"))
	p.click("network-apply")
	for range 10 {
		p.click("add-client")
	}
	p.click("diagram-toggle")
	p.click("diagram-heartbeats")
	p.poll(`seshatPage.frame().view.clients.length === 10 && seshatPage.frame().view.messages.length >= 100 && seshatPage.diagram() !== null && seshatPage.diagram().messages.length > 1000`)
	eval[frames](p, `(`+measureFrames+`)(2000)`)
	f := eval[frames](p, `(`+measureFrames+`)(10000)`)
	lines := eval[int](p, `seshatPage.diagram().messages.length`)
	t.Logf("frames at 10x with 9 nodes and the space-time diagram shown (heartbeats too, %d message lines in its 3 s), unthrottled: %d frames in 10 s, p50 %.1f ms, p95 %.1f ms, max %.1f ms; %d main-thread tasks over 50 ms; %.0f messages in flight on average; target p95 one refresh (16.7 ms)",
		lines, f.Frames, f.P50, f.P95, f.Max, f.LongTasks, f.AvgInFlight)
	if f.P95 > frameBudget {
		t.Errorf("frame p95 %.1f ms, over %.1f ms", f.P95, frameBudget)
	}
	p.shot("nine-nodes-diagram")
}
