// The engine switch (in the browser, or native nodes on the dev server) and
// the page on an engine that runs in real time: the controls of virtual time
// disabled or hidden, with a note saying why, and what the server could not
// push. Switching loads the page again on the other engine: state is never
// mixed.
import { ENGINES, engineSearch, disabledControls, realTime, REAL_TIME_NOTE, droppedText } from '../engine.js';
import { $, html, setText, show } from '../render/dom.js';

/** engineHref is this page on engine kind (its session hash left out: it belongs to the other engine). */
export function engineHref(kind) {
  return `${location.pathname}${engineSearch(location.search, kind)}`;
}

/** bindEngineSwitch fills the engine menu, showing kind, and reloads on another choice. */
export function bindEngineSwitch(kind) {
  const sel = $('engine-select');
  const list = kind === 'fake' ? ENGINES.concat([{ kind: 'fake', text: 'Fake (for tests)' }]) : ENGINES;
  for (const e of list) sel.append(new Option(e.text, e.kind, e.kind === kind, e.kind === kind));
  sel.addEventListener('change', () => {
    if (sel.value !== kind) location.assign(engineHref(sel.value));
  });
}

/** applyEngineKind shapes the page for engine kind: on a real-time engine, what needs virtual time goes. */
export function applyEngineKind(kind) {
  document.documentElement.dataset.engine = kind;
  for (const id of disabledControls(kind)) {
    const e = $(id);
    e.disabled = true;
    e.title = `Not here: ${REAL_TIME_NOTE}`;
  }
  if (!realTime(kind)) return;
  for (const id of ['tl-label', 'tl-track', 'horizon', 'manual-switch', 'msg-actions', 'session-row', 'session-hint', 'legend-time', 'seed-label', 'insp-why', 'search-form', 'network-fork', 'fork-next', 'reseed-form', 'diagram-toggle', 'tour-open']) show($(id), false);
  for (const id of ['tl-realtime', 'msg-realtime', 'session-realtime', 'engine-chip']) show($(id), true);
  setText($('tagline'), 'etcd Raft v3.7, native nodes on the dev server');
  $('clock').title = 'Wall-clock time since the native cluster started';
  $('play').title = 'Pause / resume the drawing; the native nodes keep running (Space)';
  setText($('status-line'), 'Connecting to the native cluster…');
  setText($('stage-empty'), 'Connecting to the native cluster…');
}

/** showDropped shows what the server could not push to this tab, when anything. */
export function showDropped(dropped) {
  const el = $('dropped-chip');
  const text = droppedText(dropped);
  setText(el, text);
  show(el, !!text);
}

/**
 * offerWayOut puts message over the stage with links to load the page again
 * and to switch to the in-browser engine (when the native one failed).
 */
export function offerWayOut(message) {
  const box = $('stage-empty');
  box.replaceChildren(html('div', {},
    html('p', { text: message }),
    html('a', { href: `${location.pathname}${location.search}`, 'data-testid': 'engine-retry', text: 'Try again' }),
    html('a', { href: engineHref('wasm'), 'data-testid': 'engine-wasm', text: 'Use the in-browser engine (WebAssembly)' })));
  box.classList.add('over');
  box.hidden = false;
}
