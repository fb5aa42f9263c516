// Messages in flight: short names, accepted vs rejected, and where each is
// drawn at a virtual time. DOM-free and pure.

/** etcd message types: a short label and a family (for colour and the legend). */
const TYPES = {
  MsgApp: { tiny: 'A', short: 'App', family: 'replication', name: 'AppendEntries' },
  MsgAppResp: { tiny: 'A', short: 'App', family: 'replication', name: 'AppendEntries reply' },
  MsgHeartbeat: { tiny: 'H', short: 'HB', family: 'replication', name: 'heartbeat' },
  MsgHeartbeatResp: { tiny: 'H', short: 'HB', family: 'replication', name: 'heartbeat reply' },
  MsgSnap: { tiny: 'S', short: 'Snap', family: 'replication', name: 'snapshot' },
  MsgVote: { tiny: 'V', short: 'Vote', family: 'election', name: 'vote request' },
  MsgVoteResp: { tiny: 'V', short: 'Vote', family: 'election', name: 'vote' },
  MsgPreVote: { tiny: 'PV', short: 'PreVote', family: 'election', name: 'pre-vote request' },
  MsgPreVoteResp: { tiny: 'PV', short: 'PreVote', family: 'election', name: 'pre-vote' },
  MsgTimeoutNow: { tiny: 'TN', short: 'TimeoutNow', family: 'election', name: 'timeout-now (leader transfer)' },
  MsgTransferLeader: { short: 'Transfer', family: 'election', name: 'leader transfer request' },
  MsgReadIndex: { tiny: 'R', short: 'ReadIdx', family: 'read', name: 'read-index request' },
  MsgReadIndexResp: { tiny: 'R', short: 'ReadIdx', family: 'read', name: 'read-index reply' },
  MsgProp: { short: 'Prop', family: 'client', name: 'proposal' },
};

function typeInfo(type) {
  return TYPES[type] || { short: String(type || '?').replace(/^Msg/, ''), family: 'other', name: String(type || 'message') };
}

/** messageKind is "request", "accept" (an accepted response) or "reject". */
export function messageKind(m) {
  if (!m.response) return 'request';
  return m.reject ? 'reject' : 'accept';
}

/** messageFamily groups types for colour: replication, election, read, client, other. */
export function messageFamily(m) {
  return typeInfo(m.type).family;
}

/**
 * messageLabel is the short label drawn on a message: "App", "App×3" (three
 * entries), "Vote?" (a request), "Vote✓", "App✗". Accepted and rejected
 * responses differ in the label, not only in colour. compact gives the
 * one- or two-letter form for a crowded ring: "A×3", "V?", "PV✗".
 */
export function messageLabel(m, compact = false) {
  const t = typeInfo(m.type);
  const name = compact && t.tiny ? t.tiny : t.short;
  const kind = messageKind(m);
  if (kind === 'accept') return `${name}✓`;
  if (kind === 'reject') return `${name}✗`;
  if (t.family === 'election' && m.type !== 'MsgTimeoutNow' && m.type !== 'MsgTransferLeader') return `${name}?`;
  if (m.type === 'MsgApp' && m.entries > 0) return `${name}×${m.entries}`;
  if (m.type === 'MsgSnap' && m.bytes > 0 && !compact) return `${name} ${formatBytes(m.bytes)}`;
  return name;
}

/** formatBytes writes a size in bytes as 512 B, 3.4 kB, 1.2 MB. */
export function formatBytes(n) {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** COMPACT_OVER is how many messages in flight switch labels to their compact form. */
export const COMPACT_OVER = 40;

/** messageTitle says in words what a message is, for tooltips and the inspector. */
export function messageTitle(m) {
  const t = typeInfo(m.type);
  const kind = messageKind(m);
  const verdict = kind === 'accept' ? ' (accepted)' : kind === 'reject' ? ' (rejected)' : '';
  const fate = !m.deliver_at ? ', held until you deliver or drop it' : m.lost ? ', will be lost by the network' : '';
  const size = m.type === 'MsgSnap' && m.bytes > 0 ? ` carrying ${formatBytes(m.bytes)} of state` : '';
  return `#${m.id} ${t.name}${size}${verdict} n${m.from}→n${m.to}, term ${m.term}${fate}`;
}

/**
 * messageProgress is how far along its link a message is at virtual time
 * `time`: 0 at the sender, 1 at the receiver. A held message (manual mode,
 * deliver_at 0) has no progress: null.
 */
export function messageProgress(m, time) {
  if (!m.deliver_at) return null;
  const span = m.deliver_at - m.sent_at;
  if (span <= 0) return 1;
  return Math.min(1, Math.max(0, (time - m.sent_at) / span));
}

/** Where held messages queue on their link, and how far apart. */
export const HELD_START = 0.16;
export const HELD_GAP = 0.11;
const HELD_MAX = 0.6;

/**
 * placeMessages returns, for each message (in order), the fraction of its
 * link where it is drawn. Moving messages interpolate between sent_at and
 * deliver_at; held ones queue near their sender, the oldest first; with
 * reducedMotion nothing moves: messages sit at the middle of their link,
 * several on one link spread apart.
 */
export function placeMessages(messages, time, reducedMotion = false) {
  const queued = new Map(); // "from>to" -> count so far
  const out = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const p = messageProgress(m, time);
    if (p !== null && !reducedMotion) {
      out[i] = p;
      continue;
    }
    const key = `${m.from}>${m.to}${p === null ? 'h' : 'f'}`;
    const k = queued.get(key) || 0;
    queued.set(key, k + 1);
    if (p === null) out[i] = Math.min(HELD_MAX, HELD_START + k * HELD_GAP);
    else out[i] = 0.5 + (k % 2 ? -1 : 1) * Math.ceil(k / 2) * 0.09;
  }
  return out;
}
