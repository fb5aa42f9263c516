// Wiring: the engine, the model, the drawing and the controls, with one
// requestAnimationFrame loop.
import { WasmEngine } from './engine/wasm-engine.js';
import { initialModel, applyFrame, actionForKey, SHORTCUTS, SPEEDS, advanceFor, encodeSession, decodeSession, shortType, isCut } from './model.js';
import { ClusterView, drawCards, drawEvents } from './render.js';

const $ = (id) => document.getElementById(id);
const reduced = window.matchMedia('(prefers-reduced-motion: reduce)');

const state = {
  engine: null,
  model: initialModel(),
  ui: { selected: 1, selectedMsg: null, reducedMotion: reduced.matches, logShown: 30 },
  playing: true,
  speed: 1,
  carry: 0,
  lastTs: 0,
  busy: false,
  dragging: false,
  panelsAt: 0,
  dirtyPanels: true,
  filter: 'important',
  consoleSeen: 0,
  hashTimer: 0,
};
reduced.addEventListener('change', () => { state.ui.reducedMotion = reduced.matches; });

const cluster = new ClusterView($('cluster'), {
  onSelectNode: (id) => { state.ui.selected = id; state.dirtyPanels = true; redraw(); },
  onSelectMessage: (id) => { state.ui.selectedMsg = id; state.dirtyPanels = true; redraw(); },
});

let errorTimer = 0;
function showError(err) {
  const box = $('error');
  box.textContent = err && err.message ? err.message : String(err);
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

function announce(lines) {
  if (!lines.length) return;
  const a = $('announcer');
  for (const l of lines.slice(-3)) {
    const p = document.createElement('p');
    p.textContent = l;
    a.append(p);
  }
  while (a.childElementCount > 6) a.firstElementChild.remove();
}

function frameArgs(extra = {}) {
  return { since: state.model.lastSeq, log_window: 60, ...extra };
}

function take(frame, reset = false) {
  state.model = applyFrame(state.model, frame, { reset });
  if (!state.firstLeaderAt && frame.view.nodes.some((n) => n.up && n.role === 'leader')) state.firstLeaderAt = performance.now();
  if (reset) state.consoleSeen = 0;
  announce(state.model.announcements);
  state.dirtyPanels = true;
  redraw();
}

/** call runs an engine call that returns a Frame, reporting errors. */
async function call(op, args, { reset = false } = {}) {
  while (state.busy) await new Promise((r) => setTimeout(r, 5));
  state.busy = true;
  try {
    const frame = await state.engine.call(op, args);
    take(frame, reset);
    return frame;
  } catch (err) {
    showError(err);
    return null;
  } finally {
    state.busy = false;
  }
}

async function command(cmd) {
  const f = await call('command', cmd);
  if (f) scheduleHash();
  return f;
}

function redraw() {
  const f = state.model.frame;
  if (!f) return;
  cluster.draw(f.view, state.ui);
  const now = performance.now();
  if (state.dirtyPanels && (now - state.panelsAt > 120 || !state.playing)) {
    state.dirtyPanels = false;
    state.panelsAt = now;
    drawPanels(f);
  }
}

function drawPanels(f) {
  const v = f.view;
  $('time').textContent = (v.time / 1000).toFixed(3);
  const slider = $('slider');
  slider.max = String(f.horizon);
  if (!state.dragging) slider.value = String(v.time);
  slider.setAttribute('aria-valuetext', `${(v.time / 1000).toFixed(1)} of ${(f.horizon / 1000).toFixed(1)} virtual seconds`);
  const safety = $('safety');
  const ok = v.safety.ok;
  safety.dataset.ok = String(ok);
  safety.textContent = ok ? '✔ safe' : `✖ ${v.safety.violation.property}`;
  safety.title = ok ? 'Every safety property holds so far' : v.safety.violation.text;
  const leader = v.nodes.find((n) => n.up && n.role === 'leader');
  $('status-line').textContent = !ok ? `Stopped: ${v.safety.violation.text}` :
    leader ? `n${leader.id} leads term ${leader.term}; commit index ${leader.commit}; ${v.messages.length} messages in flight${v.manual ? ' (manual delivery)' : ''}` :
      'No leader: electing one…';
  $('manual').checked = v.manual;
  $('client-count').textContent = String(v.clients.length);
  drawCards($('node-cards'), v, state.ui);
  drawEvents($('event-log'), state.model, state.filter);
  drawSelected(v);
  drawMessage(v);
  drawConsole();
  const net = v.network;
  for (const [id, val] of [['lat-min', net.min_latency_ms], ['lat-max', net.max_latency_ms], ['drop', Math.round(net.drop_rate * 100)], ['dup', Math.round(net.duplicate_rate * 100)], ['reorder', Math.round(net.reorder_rate * 100)]]) {
    if (document.activeElement !== $(id)) $(id).value = String(val);
  }
}

function button(label, testid, onClick, title) {
  const b = document.createElement('button');
  b.textContent = label;
  if (testid) b.dataset.testid = testid;
  if (title) b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function drawSelected(v) {
  const id = Math.min(state.ui.selected, v.nodes.length);
  state.ui.selected = id;
  const node = v.nodes[id - 1];
  $('sel-name').textContent = `n${id} (${node.up ? node.role : 'crashed'})`;
  const acts = $('node-actions');
  acts.replaceChildren(
    button(node.up ? 'Crash' : 'Restart', node.up ? `node-${id}-crash` : `node-${id}-restart`, () => command({ kind: node.up ? 'crash' : 'restart', node: id }), node.up ? 'Crash (C)' : 'Restart (R)'),
    button('Isolate', `node-${id}-isolate`, () => command({ kind: 'isolate', node: id }), 'Cut every link of this node (I)'),
    button('Force timeout', `node-${id}-campaign`, () => command({ kind: 'campaign', node: id }), 'Start an election now (T)'),
    button('Make leader', `node-${id}-transfer`, () => command({ kind: 'transfer', node: id }), 'Ask the leader to transfer leadership here (L)'),
  );
  const links = $('links-panel');
  const rows = [];
  for (const other of v.nodes) {
    if (other.id === id) continue;
    const out = isCut(v, id, other.id), back = isCut(v, other.id, id);
    const status = out && back ? 'cut both ways' : out ? `n${id}→n${other.id} cut` : back ? `n${other.id}→n${id} cut` : 'connected';
    rows.push(document.createTextNode(`n${id}–n${other.id}`), Object.assign(document.createElement('span'), { textContent: status }),
      button(out || back ? 'Heal' : 'Cut', `link-${id}-${other.id}`, () => command(out || back ? { kind: 'heal', node: id, peer: other.id } : { kind: 'cut', node: id, peer: other.id })),
      button(`Cut n${id}→n${other.id} only`, `link-${id}-${other.id}-oneway`, () => command({ kind: 'cut', node: id, peer: other.id, one_way: true })));
  }
  links.replaceChildren(...rows);
}

function drawMessage(v) {
  const m = v.messages.find((x) => x.id === state.ui.selectedMsg);
  const acts = $('msg-actions');
  if (!m) {
    $('msg-detail').textContent = 'Click a message in flight to drop it, or in manual mode deliver or duplicate it.';
    acts.replaceChildren();
    return;
  }
  $('msg-detail').textContent = `#${m.id} ${shortType(m)}: ${m.text}${m.deliver_at ? ` (arrives at ${(m.deliver_at / 1000).toFixed(3)} s)` : ' (held)'}${m.lost ? ' — the network will lose it' : ''}`;
  const list = [button('Drop', 'msg-drop', () => command({ kind: 'drop', msg: m.id }))];
  if (v.manual) {
    list.push(button('Deliver', 'msg-deliver', () => command({ kind: 'deliver', msg: m.id })));
    list.push(button('Duplicate', 'msg-duplicate', () => command({ kind: 'duplicate', msg: m.id })));
  }
  acts.replaceChildren(...list);
}

function drawConsole() {
  const out = $('console-output');
  for (const e of state.model.notable) {
    if (e.seq <= state.consoleSeen) continue;
    state.consoleSeen = e.seq;
    if (e.kind === 'client-return' && !e.client) {
      const li = document.createElement('li');
      li.textContent = `${(e.at / 1000).toFixed(3)}s ${e.text.replace(/^client 0:? ?/, '')}`;
      out.prepend(li);
    }
  }
  while (out.childElementCount > 30) out.lastElementChild.remove();
}

function scheduleHash() {
  clearTimeout(state.hashTimer);
  state.hashTimer = setTimeout(updateHash, 400);
}

async function updateHash() {
  try {
    const s = await state.engine.call('export');
    history.replaceState(null, '', `#s=${await encodeSession(s)}`);
  } catch (err) { showError(err); }
}

function setPlaying(on) {
  state.playing = on;
  const b = $('play');
  b.setAttribute('aria-pressed', String(on));
  b.textContent = on ? 'Pause' : 'Play';
  if (!on) scheduleHash();
}

async function loop(ts) {
  if (state.frameTimes) state.frameTimes.push(ts);
  const dt = state.lastTs ? ts - state.lastTs : 0;
  state.lastTs = ts;
  const halted = state.model.frame && !state.model.frame.view.safety.ok;
  if (state.playing && !state.busy && !state.dragging && !halted && state.engine) {
    const { advance, carry } = advanceFor(dt, state.speed, state.carry);
    state.carry = carry;
    state.busy = true;
    try {
      const frame = await state.engine.call('frame', frameArgs({ advance_ms: advance, maintain_steps: 3000 }));
      take(frame);
    } catch (err) {
      showError(err);
      setPlaying(false);
    } finally {
      state.busy = false;
    }
  } else {
    redraw();
  }
  requestAnimationFrame(loop);
}

function act(action, node) {
  const id = node || state.ui.selected;
  const v = state.model.frame && state.model.frame.view;
  switch (action) {
    case 'toggle-play': setPlaying(!state.playing); break;
    case 'next': setPlaying(false); call('next', frameArgs()); break;
    case 'faster': case 'slower': {
      const i = SPEEDS.indexOf(state.speed) + (action === 'faster' ? 1 : -1);
      state.speed = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i))];
      $('speed').value = String(state.speed);
      break;
    }
    case 'crash': command({ kind: 'crash', node: id }); break;
    case 'restart': command({ kind: 'restart', node: id }); break;
    case 'isolate': command({ kind: 'isolate', node: id }); break;
    case 'campaign': command({ kind: 'campaign', node: id }); break;
    case 'transfer': command({ kind: 'transfer', node: id }); break;
    case 'heal': command({ kind: 'heal' }); break;
    case 'manual': command({ kind: 'manual', on: !(v && v.manual) }); break;
    case 'select': if (v && id <= v.nodes.length) { state.ui.selected = id; state.dirtyPanels = true; redraw(); } break;
  }
}

function bind() {
  for (const s of SPEEDS) $('speed').append(new Option(`${s}×`, String(s), s === 1, s === 1));
  $('speed').addEventListener('change', (e) => { state.speed = Number(e.target.value); });
  $('play').addEventListener('click', () => act('toggle-play'));
  $('next').addEventListener('click', () => act('next'));
  const slider = $('slider');
  slider.addEventListener('input', () => { state.dragging = true; $('time').textContent = (Number(slider.value) / 1000).toFixed(3); });
  slider.addEventListener('change', async () => {
    state.dragging = true;
    await call('seek', { t: Number(slider.value), since: 0, log_window: 60 }, { reset: true });
    state.dragging = false;
    scheduleHash();
  });
  $('console-form').addEventListener('submit', (e) => { e.preventDefault(); command({ kind: 'set', key: $('key').value, value: $('value').value }); });
  $('get').addEventListener('click', () => command({ kind: 'get', key: $('key').value }));
  $('del').addEventListener('click', () => command({ kind: 'del', key: $('key').value }));
  $('manual').addEventListener('change', (e) => command({ kind: 'manual', on: e.target.checked }));
  $('net-form').addEventListener('submit', (e) => {
    e.preventDefault();
    command({ kind: 'network', network: {
      min_latency_ms: Number($('lat-min').value), max_latency_ms: Number($('lat-max').value),
      drop_rate: Number($('drop').value) / 100, duplicate_rate: Number($('dup').value) / 100, reorder_rate: Number($('reorder').value) / 100,
    } });
  });
  $('add-client').addEventListener('click', () => command({ kind: 'add-clients', count: 1 }));
  $('remove-client').addEventListener('click', () => command({ kind: 'remove-clients', count: 1 }));
  $('heal-all').addEventListener('click', () => act('heal'));
  $('restart-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const nodes = Number($('nodes-count').value), seed = Number($('seed').value);
    state.model = initialModel();
    const f = await call('create', { nodes, seed }, { reset: true });
    if (f) { state.ui.selected = 1; scheduleHash(); }
  });
  $('share').addEventListener('click', async () => {
    await updateHash();
    try { await navigator.clipboard.writeText(location.href); $('status-line').textContent = 'Link copied: it reproduces exactly this session.'; } catch { $('status-line').textContent = `Share this link: ${location.href}`; }
  });
  $('export').addEventListener('click', async () => {
    try {
      const s = await state.engine.call('export');
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([JSON.stringify(s, null, 1)], { type: 'application/json' }));
      a.download = `seshat-seed${s.config.seed}-${Math.round(s.until / 1000)}s.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (err) { showError(err); }
  });
  $('import').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    let s;
    try { s = JSON.parse(await file.text()); } catch (err) { showError(new Error(`${file.name} is not a session file: ${err.message}`)); return; }
    state.model = initialModel();
    if (await call('import', s, { reset: true })) { setPlaying(false); scheduleHash(); }
    e.target.value = '';
  });
  $('event-filter').addEventListener('change', (e) => { state.filter = e.target.value; state.dirtyPanels = true; redraw(); });
  $('cluster').addEventListener('click', () => { if (state.ui.selectedMsg) { state.ui.selectedMsg = null; state.dirtyPanels = true; redraw(); } });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    const a = actionForKey(e.key);
    if (!a) return;
    if (e.key === ' ' && e.target.closest('button')) return;
    e.preventDefault();
    act(a.action, a.node);
  });
  const dl = $('shortcuts');
  for (const s of SHORTCUTS) {
    const dt = document.createElement('dt');
    dt.append(Object.assign(document.createElement('kbd'), { textContent: s.name }));
    dl.append(dt, Object.assign(document.createElement('dd'), { textContent: s.text }));
  }
}

async function start() {
  bind();
  state.engine = await WasmEngine.start();
  state.engineAt = performance.now();
  const m = location.hash.match(/^#s=(.+)$/);
  if (m) {
    try {
      const s = await decodeSession(m[1]);
      if (await call('import', s, { reset: true })) setPlaying(false);
      else await call('create', {}, { reset: true });
    } catch (err) {
      showError(new Error(`the link's session cannot be read (${err.message}); starting a new cluster`));
      await call('create', {}, { reset: true });
    }
  } else {
    await call('create', { nodes: 5, seed: 1 }, { reset: true });
  }
  const cfg = state.model.frame.view;
  $('nodes-count').value = String(cfg.nodes.length);
  $('seed').value = String(cfg.seed);
  requestAnimationFrame(loop);
}

const ready = start().catch((err) => { showError(err); $('status-line').textContent = `The engine could not start: ${err.message}`; throw err; });
window.seshatPage = {
  ready,
  frame: () => state.model.frame,
  model: () => state.model,
  setSpeed: (s) => { state.speed = s; $('speed').value = String(s); },
  setPlaying,
  wasmMemory: () => state.engine.memory(),
  /** firstLeaderAt is the page time (ms since navigation) a leader was first drawn. */
  firstLeaderAt: () => state.firstLeaderAt || 0,
  /** engineAt is the page time the engine finished loading. */
  engineAt: () => state.engineAt || 0,
  /** engineTiming is when the worker started, instantiated and was ready (page ms). */
  engineTiming: () => {
    const t = state.engine && state.engine.client.timing;
    if (!t) return null;
    const o = performance.timeOrigin;
    return { workerStart: t.start - o, instantiated: t.instantiated - o, ready: t.ready - o };
  },
  /** measureFrames records requestAnimationFrame timestamps for ms and summarises the gaps. */
  measureFrames: (ms) => new Promise((resolve) => {
    state.frameTimes = [];
    let inFlight = 0, samples = 0;
    const sample = setInterval(() => { if (state.model.frame) { inFlight += state.model.frame.view.messages.length; samples++; } }, 100);
    setTimeout(() => {
      clearInterval(sample);
      const t = state.frameTimes;
      state.frameTimes = null;
      const gaps = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
      const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
      resolve({ frames: gaps.length, p50: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1], avgInFlight: samples ? inFlight / samples : 0 });
    }, ms);
  }),
};
