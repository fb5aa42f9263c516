// The page's model: the last Frame and what the page keeps across frames
// (events, console lines, slider markers), folded in by pure functions. No
// DOM, no clock, no randomness: tested with node --test.
import { isMessageEvent, isConsoleEvent, consoleLine, markerOf } from './events.js';
import { describeChanges } from './announce.js';

/** How many events of each list the page keeps. */
export const EVENT_KEEP = 500;
export const CONSOLE_KEEP = 60;
export const MARKER_KEEP = 400;

/** initialModel is the model before the first frame. */
export function initialModel() {
  return { frame: null, view: null, events: [], notable: [], console: [], markers: [], lastSeq: 0, said: [] };
}

function capped(list, n) {
  return list.length > n ? list.slice(list.length - n) : list;
}

/**
 * applyFrame folds a Frame into the model and returns a new model (the old
 * one is unchanged).
 *
 * mode "continue" (frame, step, next) appends the events newer than any
 * seen; "command" does too and also forgets slider markers after the current
 * time, because a command rewrites the recorded future; "reset" (create,
 * import, seek) replaces the events with the frame's, which restart there.
 * "fresh" is a reset into another session (create, import): markers go too.
 * "refill" replaces the full event list with the frame's (the newest events
 * of every kind, fetched when the page starts showing routine traffic) and
 * merges its notable events into the kept ones; console and markers stay.
 *
 * lastSeq, the since of the next call, is the trace's event count
 * (view.events): events the page did not ask for are not sent later.
 *
 * said lists the sentences for the live region ({text, priority}) derived
 * from the change between the previous view and this one; none on resets.
 */
export function applyFrame(model, frame, mode = 'continue') {
  if (mode === 'refill') return refill(model, frame);
  const reset = mode === 'reset' || mode === 'fresh';
  const all = frame.events || [];
  const fresh = reset ? all : all.filter((e) => e.seq > model.lastSeq);
  const base = reset ? initialModel() : model;
  const events = capped(base.events.concat(fresh), EVENT_KEEP);
  const notable = capped(base.notable.concat(fresh.filter((e) => !isMessageEvent(e))), EVENT_KEEP);
  const consoleLines = capped(base.console.concat(fresh.filter(isConsoleEvent).map((e) => ({ seq: e.seq, at: e.at, ...consoleLine(e) }))), CONSOLE_KEEP);
  let lastSeq = reset ? 0 : model.lastSeq;
  for (const e of fresh) if (e.seq > lastSeq) lastSeq = e.seq;
  lastSeq = Math.max(lastSeq, frame.view.events || 0);
  const view = frame.view;
  return {
    frame,
    view,
    events,
    notable,
    console: consoleLines,
    markers: foldMarkers(mode === 'fresh' ? [] : model.markers, fresh, mode === 'command' ? view.time : Infinity),
    lastSeq,
    said: reset ? [] : describeChanges(model.view, view),
  };
}

function refill(model, frame) {
  const all = frame.events || [];
  const seen = new Set(model.notable.map((e) => e.seq));
  const added = all.filter((e) => !isMessageEvent(e) && !seen.has(e.seq));
  const notable = added.length ? capped(model.notable.concat(added).sort((a, b) => a.seq - b.seq), EVENT_KEEP) : model.notable;
  let lastSeq = Math.max(model.lastSeq, frame.view.events || 0);
  for (const e of all) if (e.seq > lastSeq) lastSeq = e.seq;
  return { ...model, frame, view: frame.view, events: capped(all, EVENT_KEEP), notable, lastSeq, said: [] };
}

/**
 * foldMarkers adds the slider markers of new events to the list, keeping it
 * sorted by time and free of duplicates (replaying the recorded future
 * produces the same events again), and drops markers after `until`.
 */
export function foldMarkers(markers, events, until = Infinity) {
  const seen = new Set();
  const out = [];
  for (const m of markers) {
    if (m.at > until || seen.has(m.key)) continue;
    seen.add(m.key);
    out.push(m);
  }
  let added = false;
  for (const e of events) {
    const mk = markerOf(e);
    if (!mk) continue;
    const key = `${e.at}|${e.kind}|${e.node || 0}|${e.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, at: e.at, cls: mk.cls, label: mk.label });
    added = true;
  }
  if (added) out.sort((a, b) => a.at - b.at);
  return capped(out, MARKER_KEEP);
}

/** isReplaying reports whether the view is before the session's horizon (the recorded future). */
export function isReplaying(frame) {
  return !!frame && frame.view.time < frame.horizon;
}

/** isHalted reports whether a safety checker stopped the run. */
export function isHalted(frame) {
  return !!frame && (!!frame.halted || (frame.view.safety && !frame.view.safety.ok));
}
