// Seshat's page: wiring and the one requestAnimationFrame loop. The engine
// computes (Go in a Web Worker, or the dev server's native nodes with
// ?engine=native); ui/app.js keeps the state; ui/render/* draw it;
// ui/controls/* turn input into actions.
import { startEngine, engineKind, realTime, blockedAction, refusedCommands } from './ui/engine.js';
import { App } from './ui/app.js';
import { currentLeader } from './ui/roles.js';
import { nodeRadius } from './ui/geometry.js';
import { meterStep, lagging, formatRate } from './ui/clock.js';
import { initialAnnouncer, announceStep } from './ui/announce.js';
import { RingView } from './ui/render/ring.js';
import { FlightsCanvas } from './ui/render/flights.js';
import { LogGrid, KvTable } from './ui/render/logs.js';
import { nextKeysFrom } from './ui/logs.js';
import { EventList } from './ui/render/events.js';
import { NodeInspector, MessagePanel } from './ui/render/inspector.js';
import { ConsoleView } from './ui/render/console.js';
import { Chrome } from './ui/render/chrome.js';
import { $ } from './ui/render/dom.js';
import { bindKeyboard, listShortcuts } from './ui/controls/keyboard.js';
import { bindForms, syncNodeFilter } from './ui/controls/forms.js';
import * as share from './ui/controls/share.js';
import { bindProgress } from './ui/controls/progress.js';
import { bindEngineSwitch, applyEngineKind, showDropped, offerWayOut } from './ui/controls/engine-switch.js';

/** Panels (logs, events, inspector) redraw at most this often while playing (slower at high speed: nobody reads 10 updates a second). */
const PANEL_MS = 120;
const PANEL_FAST_MS = 250;
const ERROR_MS = 12000;

const motion = window.matchMedia('(prefers-reduced-motion: reduce)');
/** kind is the engine this page runs on (?engine=native|fake; the WebAssembly one by default); switching reloads the page. */
const kind = engineKind(location.search);
const page = {
  realTime: realTime(kind),
  version: 0, drawnStage: -1, drawnPanels: -1, panelsAt: 0, panelQueue: [], panelState: null, frameTimes: null,
  firstLeaderAt: 0, engineAt: 0, hashTimer: 0, hashGen: 0, errorTimer: 0, noticeTimer: 0,
  announcer: initialAnnouncer(), shownErrors: [], meter: null, meterText: '',
};
const ui = { filter: 'important', node: 0, redraw: () => { page.version++; } };

const app = new App(null, {
  onChange: (mode) => {
    page.version++;
    if (mode === 'reset' || mode === 'fresh' || mode === 'refill') events.invalidate();
    if (mode === 'fresh') showCluster();
    if (app.model.said.length) page.pendingSaid = (page.pendingSaid || []).concat(app.model.said);
  },
  onError: (text) => showError(text),
  // A real-time engine has no session to put in the URL.
  onSessionChange: () => { if (page.started && !page.realTime) scheduleHash(); },
  // A selection redraws the panels that act on it at once: what the person
  // sees there is what their next click acts on.
  onSelect: () => { if (app.frame) drawSelection(); },
});

const select = (id) => app.select(id);

/**
 * revealInspector brings the node panel into view when it is off screen (on
 * a phone it is below the ring), its title clear of the sticky bars.
 */
function revealInspector() {
  const title = $('insp-title');
  const cover = Math.max(0, ...['.topbar', '.timeline'].map((sel) => {
    const el = document.querySelector(sel);
    return el && getComputedStyle(el).position === 'sticky' ? el.getBoundingClientRect().bottom : 0;
  }));
  const r = title.getBoundingClientRect();
  if (r.top >= cover && r.bottom <= window.innerHeight) return;
  title.style.scrollMarginTop = `${Math.ceil(cover) + 8}px`;
  title.scrollIntoView({ block: 'start', behavior: motion.matches ? 'auto' : 'smooth' });
}

const ring = new RingView($('links'), $('nodes'), $('labels'), { onSelectNode: (id) => { select(id); revealInspector(); } });
const flights = new FlightsCanvas($('flights'), $('cluster'));
const grid = new LogGrid($('log-grid'), { onSelectNode: select });
const kv = new KvTable($('kv-table'));
const events = new EventList($('event-log'), $('event-empty'));
const inspector = new NodeInspector({ onCommand: (cmd) => app.command(cmd), onAction: (kind) => app.nodeCommand(kind) });
const messages = new MessagePanel({ onAction: (kind) => app.messageCommand(kind), onSelect: (id) => app.selectMessage(id), onFilter: (f) => app.setHeldFilter(f) });
const consoleView = new ConsoleView($('console-output'));
const chrome = new Chrome();

function showError(text) {
  page.shownErrors.push(text);
  if (page.shownErrors.length > 50) page.shownErrors.shift();
  const box = $('error');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(page.errorTimer);
  page.errorTimer = setTimeout(() => { box.hidden = true; }, ERROR_MS);
}

/** showCluster shows a new cluster's size and seed in the New cluster form, and the stage instead of its placeholder. */
function showCluster() {
  $('stage-empty').hidden = true;
  $('nodes-count').value = String(app.view.nodes.length);
  if (app.view.seed !== undefined) $('seed').value = String(app.view.seed);
}

function showNotice(text) {
  const box = $('notice');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(page.noticeTimer);
  page.noticeTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

function scheduleHash() {
  clearTimeout(page.hashTimer);
  page.hashTimer = setTimeout(updateHash, 500);
}

/**
 * updateHash puts the current session in the URL. Writes race (export and
 * compression are asynchronous): only the newest request writes.
 */
async function updateHash() {
  if (!app.frame) return null;
  const gen = ++page.hashGen;
  const s = await app.exportSession();
  if (!s) return null;
  try {
    const url = await share.sessionURL(s, Math.min(app.view.time, s.until));
    return gen === page.hashGen ? share.setURL(url) : null;
  } catch (err) {
    showError(`Cannot put the session in the URL: ${err.message}`);
    return null;
  }
}

/** drawStage draws the ring and the messages: every frame, it is cheap. */
function drawStage() {
  const v = app.view;
  ring.draw(v, app.selected);
  flights.draw(v, ring.positions(), nodeRadius(v.nodes.length), { selected: app.selectedMsg, reducedMotion: motion.matches, heldFilter: app.heldFilter });
}

/**
 * PANELS draw the DOM-heavy panels from a snapshot of the page's state; each
 * skips what did not change. While playing they are spread over successive
 * animation frames, one per frame, all from the same snapshot: no frame
 * pays for every panel's layout at once, and the panels always agree with
 * each other.
 */
const PANELS = [
  (s) => {
    chrome.draw(s.frame, { playing: s.playing, dragging: s.dragging, markers: s.model.markers });
    const play = $('play');
    play.setAttribute('aria-pressed', String(s.playing));
    play.querySelector('.lbl').textContent = s.playing ? 'Pause' : 'Play';
    const speed = $('speed');
    if (speed.value !== String(s.speed)) speed.value = String(s.speed);
    if (page.realTime) showDropped(app.engine.dropped());
    if (page.lost) $('status-line').textContent = page.lost;
  },
  (s) => grid.draw(s.view, s.selected),
  (s) => {
    kv.draw(s.view);
    $('kv-first').disabled = !app.kvFrom;
    $('kv-more').disabled = !nextKeysFrom(s.view);
  },
  (s) => {
    ui.node = syncNodeFilter(s.view.nodes.length, ui.node);
    events.draw(s.model, ui.filter, ui.node);
  },
  (s) => {
    drawSelection();
    consoleView.draw(s.model.console);
  },
];

/**
 * drawSelection draws the inspector and the message panel for what is
 * selected now and the newest view (not a panel snapshot's): a selection
 * draws them at once, and a later panel pass must not bring back an
 * older selection.
 */
function drawSelection() {
  inspector.draw(app.view, app.selected);
  messages.draw(app.view, app.selectedMsg, app.heldFilter);
}

function panelSnapshot() {
  return {
    frame: app.frame, view: app.view, model: app.model, selected: app.selected, selectedMsg: app.selectedMsg,
    playing: app.playing, dragging: app.dragging, speed: app.speed,
  };
}

/** showActualSpeed says how fast time really goes when the engine cannot keep up with the speed asked for. */
function showActualSpeed(ts) {
  if (page.realTime) return; // no speed to fall short of
  page.meter = meterStep(page.meter, ts, app.view.time, app.playing && !app.dragging);
  const slow = app.playing ? lagging(page.meter.rate, app.speed) : null;
  const text = slow === null ? '' : `actual ${formatRate(slow)}`;
  if (text === page.meterText) return;
  page.meterText = text;
  const el = $('speed-actual');
  el.textContent = text;
  el.hidden = !text;
}

function announce(now) {
  const r = announceStep(page.announcer, page.pendingSaid || [], now);
  page.pendingSaid = null;
  page.announcer = r.state;
  if (r.say) $('announcer').textContent = r.say;
}

function loop(ts) {
  requestAnimationFrame(loop);
  if (page.frameTimes) page.frameTimes.push(ts);
  const t0 = performance.now();
  app.tick(ts);
  if (app.frame) {
    draw(ts);
    showActualSpeed(ts);
  }
  if (page.drawTimes) page.drawTimes.push(performance.now() - t0);
}

function draw(ts) {
  if (page.drawnStage !== page.version) {
    page.drawnStage = page.version;
    drawStage();
    if (!page.firstLeaderAt && currentLeader(app.view)) page.firstLeaderAt = performance.now();
  }
  if (page.panelQueue.length) {
    page.panelQueue.shift()(page.panelState);
  } else if (page.drawnPanels !== page.version) {
    const every = app.speed >= 10 ? PANEL_FAST_MS : PANEL_MS;
    if (!app.playing) {
      // Paused: the user just acted; show everything now.
      page.drawnPanels = page.version;
      const snap = panelSnapshot();
      for (const draw of PANELS) draw(snap);
    } else if (ts - page.panelsAt >= every) {
      page.drawnPanels = page.version;
      page.panelsAt = ts;
      page.panelState = panelSnapshot();
      page.panelQueue = PANELS.slice(1);
      PANELS[0](page.panelState);
    }
  }
  announce(ts);
}

function act(a) {
  const blocked = blockedAction(kind, a.action, refusedCommands(app.engine));
  if (blocked) { showNotice(blocked); return; }
  switch (a.action) {
    case 'toggle-play': app.setPlaying(!app.playing); break;
    case 'next': app.next(); break;
    case 'faster': app.faster(1); break;
    case 'slower': app.faster(-1); break;
    case 'back': app.travel(-1000); break;
    case 'forward': app.travel(1000); break;
    case 'select': app.select(a.node); break;
    case 'crash': case 'restart': case 'isolate': case 'campaign': case 'transfer': app.nodeCommand(a.action); break;
    case 'heal': app.command({ kind: 'heal' }); break;
    case 'manual': app.command({ kind: 'manual', on: !(app.view && app.view.manual) }); break;
    case 'cycle-message': app.cycleMessage(a.dir); break;
    case 'deliver': case 'drop': case 'duplicate': app.messageCommand(a.action); break;
    case 'deselect': app.selectMessage(0); break;
    case 'help': $('keys-panel').focus(); $('keys-panel').scrollIntoView({ block: 'nearest' }); break;
  }
}

async function shareLink() {
  // The URL must not show an older session while this one is packed.
  clearTimeout(page.hashTimer);
  share.clearHash();
  const url = await updateHash();
  if (!url) return;
  app.unsaved = 0;
  showNotice((await share.copyText(url)) ? 'Link copied: it reproduces exactly this session.' : 'The link is in the address bar: it reproduces exactly this session.');
}

async function exportFile() {
  const s = await app.exportSession();
  if (s) {
    share.download(s);
    app.unsaved = 0;
  }
}

async function importFile(file) {
  let s;
  try { s = await share.readFile(file, await app.limits()); } catch (err) { showError(`Import: ${err.message}`); return; }
  if (await app.load(s)) scheduleHash();
}

/** engineLost reports an engine that went away after it started (the dev server stopped). */
function engineLost(err) {
  page.lost = err.message;
  if (page.member) page.member.stop(); // its websocket is gone: the cluster removes it
  app.setPlaying(false);
  showError(err.message);
  offerWayOut(err.message);
}

async function start() {
  bindEngineSwitch(kind);
  applyEngineKind(kind);
  bindForms(app, ui, { share: shareLink, exportFile, importFile, error: showError, realTime: page.realTime, limits: () => page.limits });
  bindKeyboard(document, act);
  listShortcuts($('shortcuts'), (action) => blockedAction(kind, action) !== null);
  motion.addEventListener('change', () => { page.version++; });
  new ResizeObserver((entries) => {
    grid.resize(entries[0].contentRect.width);
    app.logWindow = Math.max(12, grid.fit() + 2);
    page.version++;
  }).observe($('log-grid'));
  new ResizeObserver(() => { flights.fit(); page.version++; }).observe($('cluster'));
  // The key pager asks the engine for another page of each store.
  $('kv-first').addEventListener('click', () => { app.setKvFrom('').then(() => { page.version++; }); });
  $('kv-more').addEventListener('click', () => {
    const next = nextKeysFrom(app.view);
    if (next) app.setKvFrom(next).then(() => { page.version++; });
  });
  // A click on an event selects its node.
  $('event-log').addEventListener('click', (e) => {
    const li = e.target.closest('li[data-node]');
    if (li) app.select(Number(li.dataset.node));
  });
  // A click on the ring selects the message under it, if any.
  $('cluster').parentElement.addEventListener('click', (e) => {
    const id = flights.hit(e.clientX, e.clientY);
    if (id) {
      e.stopPropagation();
      app.selectMessage(id);
      $('msg-title').scrollIntoView({ block: 'nearest' });
    }
  }, true);

  try {
    app.engine = await startEngine(kind, { onFatal: engineLost });
  } catch (err) {
    $('stage-empty').textContent = 'The engine could not start.';
    $('status-line').textContent = `The engine could not start: ${err.message}`;
    showError(`The engine could not start: ${err.message}`);
    if (page.realTime) offerWayOut(err.message);
    throw err;
  }
  page.engineAt = performance.now();
  listShortcuts($('shortcuts'), (action) => blockedAction(kind, action, refusedCommands(app.engine)) !== null);
  bindProgress(app);
  if (page.realTime) {
    await attachNative();
    return;
  }
  // Draw whatever the first calls answer, error or not: from here on New
  // cluster works and what it creates is drawn.
  requestAnimationFrame(loop);
  page.limits = await engineLimits();
  await openLink(true);
  page.started = true; // from now on the URL follows the session
  // A link pasted into this tab loads its run (asking first if this one has unsaved commands).
  window.addEventListener('hashchange', () => { followHash(); });
  if (!app.frame) throw new Error('no cluster could be created');
}

/** engineLimits are the ranges the engine takes for a new cluster (its limits call), or {} if it does not say. */
async function engineLimits() {
  try {
    return await app.engine.call('limits', {});
  } catch {
    return {}; // the engine checks the ranges itself
  }
}

/**
 * openLink opens what the URL asks for: a shared session, a new cluster
 * (#nodes=&seed=) or, on first load, the default cluster. A link that is
 * invalid or that the engine refuses shows its error and changes nothing:
 * on first load the default cluster runs, later the session that was open
 * stays, and the URL goes back to what the page shows.
 */
async function openLink(first) {
  let want = {};
  try {
    want = await share.readHash(page.limits);
  } catch (err) {
    want = null;
    showError(`This link cannot be opened: ${err.message}. ${first ? 'The default cluster runs instead.' : 'The session that was open stays.'}`);
  }
  let ok = null;
  if (want && want.session) {
    ok = await app.load(want.session, want.t, 'The link\'s session');
  } else if (want && (want.nodes !== undefined || want.seed !== undefined)) {
    ok = await app.create({ nodes: want.nodes, seed: want.seed }, 'The link\'s cluster');
    if (ok) app.setPlaying(true);
  }
  if (ok) return;
  await app.engine.idle(); // a New cluster pressed during the load (which it cancelled)
  if (want && (want.session || want.nodes !== undefined || want.seed !== undefined)) want = null; // refused by the engine (its error is shown)
  if (first) {
    if (!want) share.clearHash();
    if (!app.frame) await app.create({}, 'New cluster');
  } else {
    restoreHash();
  }
}

/** restoreHash puts the session the page shows back in the URL, at once. */
function restoreHash() {
  clearTimeout(page.hashTimer);
  share.clearHash();
  updateHash();
}

/** followHash loads the run of a link pasted into this tab, asking first if the open session has unsaved commands. */
async function followHash() {
  // A URL write still in flight belongs to the session being left.
  clearTimeout(page.hashTimer);
  page.hashGen++;
  if (!location.hash) return;
  const n = app.unsaved;
  if (n > 0 && !window.confirm(`Open the link? The session open now has ${n} command${n === 1 ? '' : 's'} not shared or exported; Cancel keeps it.`)) {
    restoreHash();
    return;
  }
  await openLink(false);
}

/** attachNative shows the dev server's running cluster: it is shared, so the page does not create one. */
async function attachNative() {
  if (location.hash) {
    share.clearHash();
    showNotice('Session links replay only in the in-browser engine: this page shows the native cluster as it runs.');
  }
  if (!(await app.attach())) {
    const msg = page.lost || 'The native cluster sent no view (the error above says why)';
    offerWayOut(msg);
    throw new Error(msg);
  }
  page.started = true;
  $('stage-empty').hidden = true;
  $('nodes-count').value = String(app.view.nodes.length);
  if (app.view.seed !== undefined) $('seed').value = String(app.view.seed);
  offerJoin();
  requestAnimationFrame(loop);
}

/** offerJoin shows "Join from this page" when the dev server can host a member of this page. */
function offerJoin() {
  const native = app.engine.inner;
  if (!native.hello || !native.hello.join) return;
  $('member-row').hidden = false;
  $('join-page').addEventListener('click', joinFromPage);
}

/**
 * joinFromPage runs one more Raft node in this page, in an engine worker,
 * and adds it to the native cluster through the websocket
 * (web/engine/page-member.js). The native cluster reports it like its own
 * nodes; the ring marks it as this page's.
 */
async function joinFromPage() {
  const btn = $('join-page');
  const status = $('member-status');
  btn.disabled = true;
  status.hidden = false;
  status.textContent = 'Starting a Raft node in this page…';
  try {
    const [{ WasmEngine }, { PageMember, memberText }] = await Promise.all([import('./engine/wasm-engine.js'), import('./engine/page-member.js')]);
    page.memberWorker = page.memberWorker || await WasmEngine.start();
    page.member = new PageMember({
      native: app.engine.inner,
      worker: page.memberWorker,
      onView: (v) => {
        status.textContent = memberText(v);
        if (ring.hosted !== v.id) { ring.hosted = v.id; page.version++; }
      },
      onError: (err) => showError(`The node in this page: ${err.message}`),
    });
    status.textContent = 'Asking the native cluster to add this page\'s node…';
    const joined = await page.member.start();
    btn.textContent = `n${joined.node} runs in this page`;
    const as = joined.learner
      ? ' as a learner: it receives the log but does not vote (the native nodes keep a quorum of their own)'
      : ' as a voter';
    showNotice(`n${joined.node} joined the native cluster from this page${as}; closing or reloading the page removes it.`);
  } catch (err) {
    if (page.member) page.member.stop();
    page.member = null;
    btn.disabled = false;
    status.textContent = `Join from this page failed: ${err.message}`;
    showError(`Join from this page: ${err.message}`);
  }
}

const ready = start();
ready.catch(() => {}); // reported on the page; tests await seshatPage.ready

/** seshatPage is the page's surface for browser tests and the console. */
window.seshatPage = {
  ready,
  frame: () => app.frame,
  model: () => app.model,
  setSpeed: (s) => app.setSpeed(s),
  setPlaying: (on) => app.setPlaying(on),
  selectNode: (id) => app.select(id),
  /** command sends a Command (wire/command.go) as the controls do; it resolves with the Frame, or null after showing the error. */
  command: (cmd) => app.command(cmd),
  /** create starts a new cluster from a Config (wire/config.go; omitted fields keep their defaults). */
  create: (cfg) => app.create(cfg),
  /** seek travels to virtual time t (ms). */
  seek: (t) => app.seek(t),
  /** member is the view of the node this page hosts (Join from this page), or null. */
  member: () => (page.member ? page.member.view : null),
  /** joinFromPage clicks "Join from this page". */
  joinFromPage: () => joinFromPage(),
  /** engineKind is the engine the page runs on: 'wasm', 'native' or 'fake'. */
  engineKind: () => kind,
  /** dropped is what the native cluster could not push to this tab ({frames, events}); null on other engines. */
  dropped: () => (app.engine ? app.engine.dropped() : null),
  wasmMemory: () => app.engine.memory(),
  /** shownErrors lists the error messages shown to the user (the newest 50); take empties the list. */
  shownErrors: (take = false) => { const out = page.shownErrors.slice(); if (take) page.shownErrors.length = 0; return out; },
  /** firstLeaderAt is the page time (ms since navigation) a leader was first drawn. */
  firstLeaderAt: () => page.firstLeaderAt,
  /** engineAt is the page time the engine finished loading. */
  engineAt: () => page.engineAt,
  /** engineTiming is when the worker started, instantiated and was ready (page ms), if it says. */
  engineTiming: () => {
    const t = app.engine && app.engine.timing();
    if (!t) return null;
    const o = performance.timeOrigin;
    return { workerStart: t.start - o, instantiated: t.instantiated - o, ready: t.ready - o };
  },
  /** measureFrames records animation frame times for ms and summarises the gaps. */
  measureFrames: (ms) => new Promise((resolve) => {
    page.frameTimes = [];
    page.drawTimes = [];
    let inFlight = 0, samples = 0;
    const sample = setInterval(() => { if (app.frame) { inFlight += app.view.messages.length; samples++; } }, 100);
    setTimeout(() => {
      clearInterval(sample);
      const t = page.frameTimes;
      const work = page.drawTimes.sort((a, b) => a - b);
      page.frameTimes = page.drawTimes = null;
      const gaps = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
      const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
      // p50/p95/max: gaps between animation frames; work*: the page's own
      // JavaScript per frame (engine calls run in the worker).
      resolve({ frames: gaps.length, p50: q(gaps, 0.5), p95: q(gaps, 0.95), max: gaps[gaps.length - 1], avgInFlight: samples ? inFlight / samples : 0,
        workP50: q(work, 0.5), workP95: q(work, 0.95), workMax: work[work.length - 1] });
    }, ms);
  }),
};
