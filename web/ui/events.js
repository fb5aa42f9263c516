// The event log: which events each filter shows and how a line reads.
// DOM-free and pure. Which kinds are routine is the engine's schema
// (schema.js, generated from package wire), not this file's.
import { ROUTINE_EVENT_KINDS } from './schema.js';

/** GROUPS sorts event kinds for the filter and the kind badges. */
export const GROUPS = Object.freeze({
  election: ['timeout', 'role', 'term', 'vote', 'leader'],
  replication: ['append', 'commit', 'apply', 'snapshot-create', 'snapshot-send', 'snapshot-install', 'conf-change'],
  messages: ['send', 'deliver', 'drop', 'duplicate'],
  faults: ['crash', 'restart', 'partition', 'heal', 'network', 'violation'],
  clients: ['client-invoke', 'client-return', 'command'],
});

const GROUP_OF = new Map();
for (const [g, kinds] of Object.entries(GROUPS)) for (const k of kinds) GROUP_OF.set(k, g);

/** groupOf returns an event kind's group ("other" for a kind not listed). */
export function groupOf(kind) {
  return GROUP_OF.get(kind) || 'other';
}

/** isMessageEvent reports whether an event is message traffic (kept for less long). */
export function isMessageEvent(e) {
  return groupOf(e.kind) === 'messages';
}

/** ROUTINE are the routine kinds (wire.EventKind.Routine): left out of the "important" view (a flood under load). */
const ROUTINE = new Set(ROUTINE_EVENT_KINDS);

/**
 * isRoutine reports whether e is routine traffic as the engine counts it
 * (wire.EventKind.Routine, from schema.js): message traffic and entries
 * appended, committed or applied. The engine leaves these out when asked
 * for notable events only.
 */
export function isRoutine(e) {
  return ROUTINE.has(e.kind);
}

/** FILTERS are the event log's filter choices, in menu order. */
export const FILTERS = [
  { value: 'important', text: 'Important' },
  { value: 'all', text: 'Everything' },
  { value: 'election', text: 'Elections' },
  { value: 'replication', text: 'Replication' },
  { value: 'messages', text: 'Messages' },
  { value: 'faults', text: 'Faults & network' },
  { value: 'clients', text: 'Clients & commands' },
];

/**
 * matches reports whether event e passes the filter (a FILTERS value) and
 * the node filter (0: any node; otherwise the event's node or peer).
 */
export function matches(e, filter, node = 0) {
  if (node && e.node !== node && e.peer !== node) return false;
  switch (filter) {
    case 'all': return true;
    case 'important': return !isRoutine(e);
    default: return groupOf(e.kind) === filter;
  }
}

/**
 * detailFor says which events the engine must send for a filter: "all" for
 * the filters that show routine traffic, "notable" for the others, which
 * spares the engine describing and sending thousands of messages a second.
 */
export function detailFor(filter) {
  return filter === 'all' || filter === 'messages' || filter === 'replication' ? 'all' : 'notable';
}

/** BADGES are the short kind labels shown before each event line. */
const BADGES = {
  timeout: 'TIMEOUT', role: 'ROLE', term: 'TERM', vote: 'VOTE', leader: 'LEADER', append: 'APPEND', commit: 'COMMIT',
  apply: 'APPLY', 'snapshot-create': 'SNAP', 'snapshot-send': 'SNAP', 'snapshot-install': 'SNAP', 'conf-change': 'CONF',
  send: 'SEND', deliver: 'RECV', drop: 'DROP', duplicate: 'DUP', crash: 'CRASH', restart: 'RESTART', partition: 'CUT',
  heal: 'HEAL', network: 'NET', violation: 'VIOLATION', 'client-invoke': 'CLIENT', 'client-return': 'REPLY', command: 'YOU',
};

/** badgeOf is the short label of an event kind. */
export function badgeOf(kind) {
  return BADGES[kind] || String(kind).toUpperCase();
}

/**
 * isConsoleEvent reports whether e belongs in the console output: the
 * console's own requests (command events of kind set/get/del) and answers
 * (client-return of client 0, whose client field the JSON omits).
 */
export function isConsoleEvent(e) {
  if (e.kind === 'client-return') return !e.client;
  return e.kind === 'command' && (e.type === 'set' || e.type === 'get' || e.type === 'del');
}

/** consoleLine turns a console event into the line the console shows. */
export function consoleLine(e) {
  if (e.kind === 'client-return') return { dir: 'in', text: e.text.replace(/^client 0:\s*/, '') };
  return { dir: 'out', text: e.text.replace(/^console:\s*/, '') };
}

/** MARKER_KINDS are the events marked on the time-travel slider. */
export function markerOf(e) {
  if (e.kind === 'role' && e.type === 'leader') return { cls: 'leader', label: `n${e.node} leader (term ${e.term})` };
  if (e.kind === 'crash' || e.kind === 'restart' || e.kind === 'violation') return { cls: e.kind, label: e.text };
  if (e.kind === 'partition' || e.kind === 'heal') return { cls: 'net', label: e.text };
  if (e.kind === 'command' && e.type !== 'manual') return { cls: 'command', label: e.text };
  return null;
}

/** LOG_KEPT is the most rows the event log holds: scrolling down shows older ones up to it. */
export const LOG_KEPT = 200;
/** LOG_ROW_PX is the least height of an event log row in CSS px (style.css .ev: one line). */
export const LOG_ROW_PX = 18;
/** LOG_MORE is how many older rows each scroll near the log's end adds, and how many rows past a screenful the log draws at its top. */
export const LOG_MORE = 20;

/**
 * logFirst is how many rows the event log draws while scrolled to its top,
 * for a list height in CSS px: a screenful and LOG_MORE more, not LOG_KEPT
 * (rows out of sight cost layout and paint on every redraw).
 */
export function logFirst(height) {
  return Math.min(LOG_KEPT, Math.ceil(Math.max(0, height || 0) / LOG_ROW_PX) + LOG_MORE);
}

/**
 * logLimit is how many rows the event log draws next, given how many it
 * draws now, its first screenful (logFirst) and where its scroll position
 * is: near the end it draws LOG_MORE more (up to LOG_KEPT), back at the
 * top a first screenful again.
 */
export function logLimit(limit, first, { nearEnd, atTop }) {
  if (nearEnd) return Math.min(LOG_KEPT, Math.max(limit, first) + LOG_MORE);
  if (atTop) return first;
  return Math.max(limit, first);
}

/**
 * logPlan says how the event log gets from the rows it shows to the newest
 * limit events of source (oldest first, by seq) that pass the filters.
 * shown is {key, newest, count, limit}: the filter key the rows were drawn
 * for, the newest seq the log had seen, how many rows it shows and the
 * limit it drew them with. It returns {rebuild, rows, count, shown}: with
 * rebuild, rows are every row to show (newest first); without, the new
 * rows to put on top (newest first), and count the rows to keep in all
 * (the oldest beyond it go); shown is what the log shows once drawn.
 */
export function logPlan(shown, source, filter, node, limit) {
  const key = `${filter}|${node}`;
  const last = source.length ? source[source.length - 1].seq : 0;
  const next = (rebuild, rows, count) => ({ rebuild, rows, count, shown: { key, newest: last, count, limit } });
  // A new filter, a restart (seek) or a longer limit (older rows wanted
  // below the ones shown) builds the list afresh.
  if (key === shown.key && source.length && shown.newest <= last && limit <= shown.limit) {
    const rows = newestMatching(source, filter, node, limit, shown.newest);
    // As many new rows as the log draws: they are all it shows.
    if (rows.length >= limit) return next(true, rows, rows.length);
    return next(false, rows, Math.min(limit, shown.count + rows.length));
  }
  const rows = newestMatching(source, filter, node, limit, 0);
  return next(true, rows, rows.length);
}

/** newestMatching returns up to limit events of source after seq that pass the filters, newest first. */
function newestMatching(source, filter, node, limit, after) {
  const rows = [];
  for (let i = source.length - 1; i >= 0 && source[i].seq > after && rows.length < limit; i--) if (matches(source[i], filter, node)) rows.push(source[i]);
  return rows;
}
