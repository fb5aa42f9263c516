// The panels' names and when each is drawn. The DOM-heavy panels (chrome,
// log grid, key/value table, event log, selection) redraw from a snapshot
// of the page's state and each skips what did not change. While playing
// they are spread over successive animation frames, one per frame, all from
// the same snapshot: no frame pays for every panel's layout at once, and the
// panels always agree with each other. DOM-free and pure: render/panels.js
// draws them.

/** PANEL names every panel; render/panels.js has one drawing function for each. */
export const PANEL = Object.freeze({
  /** CHROME is the top bar and the timeline: play, speed, clock, slider, status line. */
  CHROME: 'chrome',
  /** LOG_GRID is the nodes' logs side by side by index. */
  LOG_GRID: 'logGrid',
  /** KV is the key/value table of every node's store, with its pager. */
  KV: 'kv',
  /** EVENTS is the event log and its node filter. */
  EVENTS: 'events',
  /** SELECTION is the inspector and the message panel, and the console. */
  SELECTION: 'selection',
});

/**
 * PANEL_ORDER is the order a pass draws the panels in: the chrome first, in
 * the same animation frame as the pass starts (it holds the play button and
 * the clock), the others one per frame after it.
 */
export const PANEL_ORDER = Object.freeze([PANEL.CHROME, PANEL.LOG_GRID, PANEL.KV, PANEL.EVENTS, PANEL.SELECTION]);

/** PANEL_MS is the least time from the end of a panel pass to the start of the next while playing (nobody reads 10 updates a second). */
export const PANEL_MS = 120;
/** PANEL_FAST_MS is that time at 10x and faster. */
export const PANEL_FAST_MS = 250;
/** FAST_SPEED is the speed from which passes are PANEL_FAST_MS apart. */
export const FAST_SPEED = 10;

/**
 * newPanelSchedule is the schedule of a page that has drawn no panel:
 * drawn is the page version the last pass started from, at the time
 * (animation-frame ms) it started or, once it drew its last panel, ended;
 * queue the panels of that pass still to draw and snapshot the page state
 * they draw.
 */
export function newPanelSchedule() {
  return Object.seal({ drawn: -1, at: 0, queue: [], snapshot: null });
}

/**
 * panelStep says which panels to draw in the animation frame at ts, given
 * the page's version, whether it plays and at what speed. It returns
 * {names, snapshot}: names in PANEL_ORDER, and snapshot true when the
 * caller must take a new snapshot (and store it in s.snapshot) before
 * drawing them. Paused, every panel is drawn at once (the user just acted);
 * playing, a pass draws one panel per frame, and the next one starts
 * PANEL_MS (PANEL_FAST_MS when fast) after the last pass ended, so that at
 * least that long of the stage's frames come between two passes however
 * slow the frames are.
 */
export function panelStep(s, { ts, version, playing, speed }) {
  if (s.queue.length) {
    const name = s.queue.shift();
    // The wait for the next pass starts when this one ends: on a slow
    // machine, where each panel's frame is long, a pass would otherwise
    // take longer than the wait and panels would be drawn in every frame.
    if (!s.queue.length) s.at = ts;
    return { names: [name], snapshot: false };
  }
  if (s.drawn === version) return { names: [], snapshot: false };
  if (!playing) {
    s.drawn = version;
    return { names: PANEL_ORDER.slice(), snapshot: true };
  }
  const every = speed >= FAST_SPEED ? PANEL_FAST_MS : PANEL_MS;
  if (ts - s.at < every) return { names: [], snapshot: false };
  s.drawn = version;
  s.at = ts;
  s.queue = PANEL_ORDER.filter((n) => n !== PANEL.CHROME);
  return { names: [PANEL.CHROME], snapshot: true };
}
