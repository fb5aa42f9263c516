// Seshat's page: the wiring and the one requestAnimationFrame loop. Where
// things live (web/doc.go has the full map):
//   ui/app.js         the App: model, selection, playback, every engine call
//   ui/model.js       a frame from the engine decoded into the model
//   ui/page-state.js  the page's own state, every field declared
//   ui/panels.js      the panels' names and when each is drawn
//   ui/render/*       the drawing (render/panels.js: each panel)
//   ui/controls/*     input turned into actions (join.js: Join from this page,
//                     session-link.js: the URL and files, forms.js: the forms)
//   ui/key-actions.js the key switch: what each shortcut does
//   test-surface.js   window.seshatPage for the browser tests
import { startEngine, engineKind, realTime, blockedAction, refusedCommands } from './ui/engine.js';
import { App } from './ui/app.js';
import { currentLeader } from './ui/roles.js';
import { meterStep, lagging, formatRate } from './ui/clock.js';
import { announceStep } from './ui/announce.js';
import { newPageState, newEventFilter, noteSaid, takeSaid } from './ui/page-state.js';
import { panelStep } from './ui/panels.js';
import { runAction } from './ui/key-actions.js';
import { nextKeysFrom } from './ui/logs.js';
import { RingView } from './ui/render/ring.js';
import { FlightsCanvas } from './ui/render/flights.js';
import { LogGrid, KvTable } from './ui/render/logs.js';
import { EventList } from './ui/render/events.js';
import { NodeInspector, MessagePanel } from './ui/render/inspector.js';
import { ConsoleView } from './ui/render/console.js';
import { Chrome } from './ui/render/chrome.js';
import { panelDrawers, panelSnapshot, drawSelection, drawStage, revealInspector } from './ui/render/panels.js';
import { showError as showErrorOn, showNotice as showNoticeOn } from './ui/render/notices.js';
import { $ } from './ui/render/dom.js';
import { bindKeyboard, listShortcuts } from './ui/controls/keyboard.js';
import { bindForms } from './ui/controls/forms.js';
import { bindProgress } from './ui/controls/progress.js';
import { bindShrink } from './ui/controls/shrink.js';
import { bindWhy } from './ui/controls/why.js';
import { bindSearch } from './ui/controls/search.js';
import { bindDiagram } from './ui/controls/diagram.js';
import { bindFork } from './ui/controls/fork.js';
import { bindEngineSwitch, applyEngineKind, offerWayOut } from './ui/controls/engine-switch.js';
import { newJoin, offerJoin } from './ui/controls/join.js';
import { SessionLink } from './ui/controls/session-link.js';
import { lazyInterop } from './ui/interop-lazy.js';
import { exposeTestSurface } from './test-surface.js';

const motion = window.matchMedia('(prefers-reduced-motion: reduce)');

// The sticky top bar wraps to a second row on narrower screens: the page
// scrolls a control it brings into view (focus, find, a click) below the
// bar's real height, --topbar-now (style.css), not below one row's.
const topbar = document.querySelector('.topbar');
new ResizeObserver(() => document.documentElement.style.setProperty('--topbar-now', `${topbar.offsetHeight}px`)).observe(topbar);
/** kind is the engine this page runs on (?engine=native|fake; the WebAssembly one by default); switching reloads the page. */
const kind = engineKind(location.search);
const page = newPageState(realTime(kind));
const ui = newEventFilter(page);
const showError = (text) => showErrorOn(page, text);
const showNotice = (text) => showNoticeOn(page, text);

const app = new App(null, {
  onChange: (mode) => {
    if (page.stamps) console.timeStamp(`seshat took ${mode}`);
    page.version++;
    if (mode === 'reset' || mode === 'fresh' || mode === 'refill') renderers.events.invalidate();
    if (mode === 'fresh') showCluster();
    noteSaid(page, app.model.said);
    if (page.tour) page.tour.onFrame();
  },
  onError: (text) => showError(text),
  // A real-time engine has no session to put in the URL.
  onSessionChange: () => { if (page.started && !page.realTime) link.schedule(); },
  // A selection redraws the panels that act on it at once: what the person
  // sees there is what their next click acts on.
  onSelect: () => { if (app.frame) drawSelection(app, renderers); },
});
/** interop is etcd's script interpreter and the export formats (web/interop.wasm), loaded on first use. */
const interop = lazyInterop();
const link = new SessionLink(app, page, { error: showError, notice: showNotice, tour: (id) => openTour(id), interop });

/**
 * openTour opens a chapter of the guided tour by id (the first, or the one
 * left, when absent); the tour's code is loaded on first use. It resolves
 * false after saying why when the chapter does not run.
 */
async function openTour(id) {
  if (!page.tour) {
    const { bindTour } = await import('./ui/controls/tour.js');
    page.tour ||= bindTour(app, { error: showError, notice: showNotice });
  }
  return page.tour.open(id);
}

/**
 * openPlayer opens the etcd scripts player (its code and the interop
 * module are loaded on first use); it resolves false after saying why
 * when the module cannot load.
 */
async function openPlayer() {
  if (!page.player) {
    const { bindPlayer } = await import('./ui/controls/etcd-player.js');
    page.player ||= bindPlayer(interop);
  }
  return page.player.open();
}

const select = (id) => app.select(id);
const renderers = {
  ring: new RingView($('links'), $('nodes'), $('labels'), { onSelectNode: (id) => { select(id); revealInspector(motion.matches); } }),
  flights: new FlightsCanvas($('flights'), $('cluster')),
  grid: new LogGrid($('log-grid'), { onSelectNode: select, onCell: (node, index) => { if (renderers.why) { renderers.why.askEntry(node, index); revealInspector(motion.matches); } } }),
  kv: new KvTable($('kv-table')),
  events: new EventList($('event-log'), $('event-empty')),
  inspector: new NodeInspector({ onCommand: (cmd) => app.command(cmd), onAction: (kind) => app.nodeCommand(kind) }),
  messages: new MessagePanel({ onAction: (kind) => app.messageCommand(kind), onSelect: (id) => app.selectMessage(id), onFilter: (f) => app.setHeldFilter(f) }),
  consoleView: new ConsoleView($('console-output')),
  chrome: new Chrome(),
};
const panels = panelDrawers(app, page, ui, renderers);

const join = newJoin({
  native: () => app.engine.inner,
  hosted: (id) => { if (renderers.ring.hosted !== id) { renderers.ring.hosted = id; page.version++; } },
  notice: showNotice,
  error: showError,
});

/** showCluster shows a new cluster's size and seed in the New cluster form, and the stage instead of its placeholder. */
function showCluster() {
  $('stage-empty').hidden = true;
  $('nodes-count').value = String(app.view.nodes.length);
  if (app.view.seed !== undefined) $('seed').value = String(app.view.seed);
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
  const r = announceStep(page.announcer, takeSaid(page), now);
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
    if (page.stamps) console.timeStamp('seshat stage');
    drawStage(app, renderers, motion.matches);
    if (!page.firstLeaderAt && currentLeader(app.view)) page.firstLeaderAt = performance.now();
  }
  const step = panelStep(page.panels, { ts, version: page.version, playing: app.playing, speed: app.speed });
  if (step.snapshot) page.panels.snapshot = panelSnapshot(app);
  for (const name of step.names) {
    if (page.stamps) console.timeStamp(`seshat panel ${name}`);
    panels[name](page.panels.snapshot);
  }
  announce(ts);
}

/** engineLost reports an engine that went away after it started (the dev server stopped). */
function engineLost(err) {
  page.lost = err.message;
  join.stop(); // its websocket is gone: the cluster removes it
  app.setPlaying(false);
  showError(err.message);
  offerWayOut(err.message);
}

/** bindPage wires the controls, the keyboard and the resizing of the page. */
function bindPage() {
  bindEngineSwitch(kind);
  applyEngineKind(kind);
  bindForms(app, ui, {
    share: () => link.shareLink(), exportFile: (format) => link.exportFile(format), importFile: (file) => link.importFile(file),
    error: showError, realTime: page.realTime, limits: () => page.limits,
  });
  const help = () => { $('keys-panel').focus(); $('keys-panel').scrollIntoView({ block: 'nearest' }); };
  bindKeyboard(document, (a) => runAction(app, a, { kind, notice: showNotice, help }));
  listShortcuts($('shortcuts'), (action) => blockedAction(kind, action) !== null);
  motion.addEventListener('change', () => { page.version++; });
  new ResizeObserver((entries) => {
    renderers.grid.resize(entries[0].contentRect.width);
    app.logWindow = Math.max(12, renderers.grid.fit() + 2);
    page.version++;
  }).observe($('log-grid'));
  new ResizeObserver(() => { renderers.flights.fit(); page.version++; }).observe($('cluster'));
  new ResizeObserver((entries) => renderers.events.resize(entries[0].contentRect.height)).observe($('event-log'));
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
    const id = renderers.flights.hit(e.clientX, e.clientY);
    if (id) {
      e.stopPropagation();
      app.selectMessage(id);
      $('msg-title').scrollIntoView({ block: 'nearest' });
    }
  }, true);
}

async function start() {
  bindPage();
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
  // Redrawn now that the engine says which commands it refuses.
  listShortcuts($('shortcuts'), (action) => blockedAction(kind, action, refusedCommands(app.engine)) !== null);
  bindProgress(app);
  bindShrink(app, link);
  renderers.diagram = bindDiagram(app, () => { page.version++; });
  renderers.why = bindWhy(app, (chain) => renderers.diagram.showChain(chain));
  bindSearch(app, () => { page.version++; });
  bindFork(app, { error: showError, notice: showNotice, limits: () => page.limits });
  $('tour-open').addEventListener('click', () => openTour());
  $('etcd-open').addEventListener('click', () => openPlayer());
  if (page.realTime) {
    await attachNative();
    return;
  }
  // Draw whatever the first calls answer, error or not: from here on New
  // cluster works and what it creates is drawn.
  requestAnimationFrame(loop);
  page.limits = await engineLimits();
  await link.open(true);
  page.started = true; // from now on the URL follows the session
  // A link pasted into this tab loads its run (asking first if this one has unsaved commands).
  window.addEventListener('hashchange', () => { link.follow(); });
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

/** attachNative shows the dev server's running cluster: it is shared, so the page does not create one. */
async function attachNative() {
  if (location.hash) {
    link.clear();
    showNotice('Session links replay only in the in-browser engine: this page shows the native cluster as it runs.');
  }
  if (!(await app.attach())) {
    const msg = page.lost || 'The native cluster sent no view (the error above says why)';
    offerWayOut(msg);
    throw new Error(msg);
  }
  page.started = true;
  showCluster();
  offerJoin(join, app.engine.inner);
  requestAnimationFrame(loop);
}

const ready = start();
ready.catch(() => {}); // reported on the page; tests await seshatPage.ready
exposeTestSurface({ ready, app, page, kind, join, diagram: () => renderers.diagram, flights: () => renderers.flights.drawn, openPlayer });
