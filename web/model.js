// The page's model: plain data updated by pure functions. No DOM, no
// randomness, no clock: everything here is tested with node --test.

/** Roles as drawn: label, shape and colour class; never colour alone. */
export const ROLES = {
  leader: { label: 'Leader', shape: 'star', short: 'L' },
  candidate: { label: 'Candidate', shape: 'diamond', short: 'C' },
  'pre-candidate': { label: 'Pre-candidate', shape: 'triangle', short: 'P' },
  follower: { label: 'Follower', shape: 'circle', short: 'F' },
  down: { label: 'Crashed', shape: 'cross', short: 'X' },
};

/** roleOf returns the drawn role of a node view. */
export function roleOf(node) {
  return node.up ? node.role || 'follower' : 'down';
}

/** The number of events the page keeps for its event log. */
export const EVENT_KEEP = 400;

/** Event kinds worth keeping longer than the message traffic around them. */
export const NOTABLE = new Set(['timeout', 'role', 'term', 'vote', 'leader', 'commit', 'snapshot-create', 'snapshot-send',
  'snapshot-install', 'conf-change', 'crash', 'restart', 'partition', 'heal', 'network', 'client-invoke', 'client-return',
  'violation', 'command', 'drop', 'duplicate']);

/** initialModel is the state before the first frame. */
export function initialModel() {
  return { frame: null, events: [], notable: [], lastSeq: 0, announcements: [], leaders: {} };
}

/**
 * applyFrame folds a Frame into the model: keeps the view, appends new
 * events (or replaces them after a seek), and derives the announcements for
 * the live region. It returns a new model; the old one is unchanged.
 */
export function applyFrame(model, frame, { reset = false } = {}) {
  const fresh = frame.events || [];
  let events = reset ? fresh.slice() : model.events.concat(fresh);
  if (events.length > EVENT_KEEP) events = events.slice(events.length - EVENT_KEEP);
  let notable = (reset ? [] : model.notable).concat(fresh.filter((e) => NOTABLE.has(e.kind)));
  if (notable.length > EVENT_KEEP) notable = notable.slice(notable.length - EVENT_KEEP);
  const lastSeq = events.length ? events[events.length - 1].seq : reset ? 0 : model.lastSeq;
  return {
    frame,
    events,
    notable,
    lastSeq: reset ? lastSeq : Math.max(model.lastSeq, lastSeq),
    announcements: reset ? [] : announce(fresh),
    leaders: leadersOf(frame.view),
  };
}

function leadersOf(view) {
  const out = {};
  if (!view) return out;
  for (const n of view.nodes) if (n.up && n.role === 'leader') out[n.id] = n.term;
  return out;
}

/**
 * announce turns events into short sentences for screen readers: role
 * changes to leader or candidate, crashes, violations, and at most one
 * commit summary per frame.
 */
export function announce(events) {
  const out = [];
  let commit = null;
  for (const e of events) {
    if (e.kind === 'role' && (e.type === 'leader' || e.type === 'candidate')) out.push(e.text);
    else if (e.kind === 'crash' || e.kind === 'restart' || e.kind === 'violation') out.push(e.text);
    else if (e.kind === 'commit' && (!commit || e.index2 > commit.index2)) commit = e;
    else if (e.kind === 'client-return' && !e.client) out.push(e.text); // console (client 0, omitted in JSON)
  }
  if (commit) out.push(`Entries up to index ${commit.index2} are committed.`);
  return out;
}

/**
 * messageProgress is how far along its link a message is at virtual time
 * `time`: 0 at the sender, 1 at the receiver. Held messages (manual mode)
 * wait near the sender.
 */
export function messageProgress(msg, time) {
  if (!msg.deliver_at) return 0.15;
  const span = msg.deliver_at - msg.sent_at;
  if (span <= 0) return 1;
  return Math.min(1, Math.max(0, (time - msg.sent_at) / span));
}

/** entryState classifies a log entry on a node. */
export function entryState(entry, node) {
  if (node.up && entry.index <= node.applied) return 'applied';
  if (entry.index <= node.commit) return 'committed';
  return 'uncommitted';
}

/** termHue is a stable hue for a term, so every node colours it alike. */
export function termHue(term) {
  return (term * 137.508) % 360;
}

/** Short names for etcd's message types. */
const SHORT = {
  MsgApp: 'Append', MsgAppResp: 'Append ack', MsgHeartbeat: 'Heartbeat', MsgHeartbeatResp: 'Heartbeat ack',
  MsgVote: 'Vote?', MsgVoteResp: 'Vote', MsgPreVote: 'PreVote?', MsgPreVoteResp: 'PreVote',
  MsgSnap: 'Snapshot', MsgTimeoutNow: 'TimeoutNow', MsgReadIndex: 'ReadIndex', MsgReadIndexResp: 'ReadIndex ack',
  MsgTransferLeader: 'Transfer', MsgProp: 'Propose',
};

/** shortType names a message for its label; rejections say so. */
export function shortType(msg) {
  const s = SHORT[msg.type] || msg.type.replace(/^Msg/, '');
  if (msg.response && msg.reject) {
    if (msg.type === 'MsgVoteResp' || msg.type === 'MsgPreVoteResp') return `${s} ✗ no`;
    return `${s} ✗ reject`;
  }
  if (msg.response && (msg.type === 'MsgVoteResp' || msg.type === 'MsgPreVoteResp')) return `${s} ✓ yes`;
  return s;
}

/** nodePosition places node i of n on a ring. */
export function nodePosition(i, n, cx, cy, r) {
  if (n === 1) return { x: cx, y: cy };
  const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
  return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
}

/** timerFraction is how much of the election timeout is left (0..1). */
export function timerFraction(node, timing) {
  if (!node.up || node.role === 'leader') return null;
  const min = timing.election_ticks;
  return Math.max(0, 1 - node.election_elapsed / min);
}

/** isCut reports whether the link a -> b is cut. */
export function isCut(view, a, b) {
  return view.cuts.some((c) => c.from === a && c.to === b);
}

/** Keyboard shortcuts: key -> action name, with their descriptions. */
export const SHORTCUTS = [
  { key: ' ', name: 'Space', action: 'toggle-play', text: 'play / pause' },
  { key: 'n', name: 'N', action: 'next', text: 'step to the next event' },
  { key: '+', name: '+', action: 'faster', text: 'faster' },
  { key: '-', name: '−', action: 'slower', text: 'slower' },
  { key: 'c', name: 'C', action: 'crash', text: 'crash the selected node' },
  { key: 'r', name: 'R', action: 'restart', text: 'restart the selected node' },
  { key: 'i', name: 'I', action: 'isolate', text: 'isolate the selected node' },
  { key: 't', name: 'T', action: 'campaign', text: 'force a timeout on the selected node' },
  { key: 'l', name: 'L', action: 'transfer', text: 'transfer leadership to the selected node' },
  { key: 'h', name: 'H', action: 'heal', text: 'heal every link' },
  { key: 'm', name: 'M', action: 'manual', text: 'manual message delivery on / off' },
  { key: '1-9', name: '1–9', action: 'select', text: 'select a node' },
];

/** actionForKey maps a key press to an action and its node, or null. */
export function actionForKey(key) {
  if (/^[1-9]$/.test(key)) return { action: 'select', node: Number(key) };
  const k = key.length === 1 ? key.toLowerCase() : key;
  const s = SHORTCUTS.find((x) => x.key === k || (k === '=' && x.key === '+'));
  return s ? { action: s.action } : null;
}

/** Speeds the speed control offers (virtual ms per wall ms). */
export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100];

/** advanceFor returns whole virtual ms to advance and the carried fraction. */
export function advanceFor(wallMs, speed, carry) {
  const exact = Math.min(wallMs, 250) * speed + carry;
  const whole = Math.min(Math.floor(exact), 60000);
  return { advance: whole, carry: exact - whole };
}

/** base64url encodes bytes without padding. */
export function toBase64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** fromBase64url decodes what toBase64url encoded. */
export function fromBase64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const s = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/**
 * encodeSession packs a session into a URL hash: "z" + deflated base64url,
 * or "j" + plain base64url where compression streams are missing.
 */
export async function encodeSession(session) {
  const json = new TextEncoder().encode(JSON.stringify(session));
  if (typeof CompressionStream !== 'undefined') {
    return 'z' + toBase64url(await pipe(json, new CompressionStream('deflate-raw')));
  }
  return 'j' + toBase64url(json);
}

/** decodeSession reverses encodeSession; it throws on garbage. */
export async function decodeSession(text) {
  if (!text) throw new Error('empty session');
  const body = fromBase64url(text.slice(1));
  let json;
  if (text[0] === 'z') json = await pipe(body, new DecompressionStream('deflate-raw'));
  else if (text[0] === 'j') json = body;
  else throw new Error('unknown session encoding');
  return JSON.parse(new TextDecoder().decode(json));
}
