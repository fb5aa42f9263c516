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
