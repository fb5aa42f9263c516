// Messages held in manual delivery: which ones the person chose to see
// (a filter), and where each link's held messages are drawn on the ring,
// one tag per link with a count, placed so no two tags overlap. DOM-free
// and pure.
import { messageLabel } from './messages.js';
import { pointOnLink, SIZE } from './geometry.js';

/** HELD_FILTERS are the choices of the held list's filter, the first the default. */
export const HELD_FILTERS = [
  { value: 'all', text: 'all types' },
  { value: 'no-heartbeats', text: 'all but heartbeats' },
  { value: 'election', text: 'votes and pre-votes' },
  { value: 'replication', text: 'appends and snapshots' },
];

const HEARTBEATS = new Set(['MsgHeartbeat', 'MsgHeartbeatResp']);
const ELECTION = new Set(['MsgVote', 'MsgVoteResp', 'MsgPreVote', 'MsgPreVoteResp', 'MsgTimeoutNow', 'MsgTransferLeader']);
const REPLICATION = new Set(['MsgApp', 'MsgAppResp', 'MsgSnap']);

/**
 * heldFilterOf returns the filter named value, or the default for anything
 * else (a value from an old page or a hand-edited control).
 */
export function heldFilterOf(value) {
  return HELD_FILTERS.some((f) => f.value === value) ? value : HELD_FILTERS[0].value;
}

/** heldShown says whether the held message m passes the filter. */
export function heldShown(m, filter) {
  switch (heldFilterOf(filter)) {
    case 'no-heartbeats': return !HEARTBEATS.has(m.type);
    case 'election': return ELECTION.has(m.type);
    case 'replication': return REPLICATION.has(m.type);
    default: return true;
  }
}

/**
 * heldMessages returns the view's held messages (manual delivery: no
 * deliver_at) that pass the filter, in the view's order (oldest first).
 */
export function heldMessages(view, filter = 'all') {
  if (!view || !view.messages) return [];
  return view.messages.filter((m) => !m.deliver_at && heldShown(m, filter));
}

/**
 * groupHeld gathers held messages by directed link (from -> to), ordered
 * by sender then receiver. Each group lists its message ids oldest first
 * and names the message that stands for it: the selected one if the group
 * holds it, otherwise the oldest.
 */
export function groupHeld(held, selected = 0) {
  const byLink = new Map();
  for (const m of held) {
    const key = `${m.from}>${m.to}`;
    let g = byLink.get(key);
    if (!g) { g = { from: m.from, to: m.to, msgs: [] }; byLink.set(key, g); }
    g.msgs.push(m);
  }
  return [...byLink.values()]
    .sort((a, b) => a.from - b.from || a.to - b.to)
    .map((g) => ({ from: g.from, to: g.to, ids: g.msgs.map((m) => m.id), rep: g.msgs.find((m) => m.id === selected) || g.msgs[0] }));
}

/** heldLabel is a group's tag: its message's label, and "+k" for the k more held behind it. */
export function heldLabel(group, compact) {
  const label = messageLabel(group.rep, compact);
  return group.ids.length > 1 ? `${label} +${group.ids.length - 1}` : label;
}

/** Where tags may go along a link (0 at the sender) and beside it (lanes, right of travel). */
const ALONG = Array.from({ length: 19 }, (_, i) => (i + 1) / 20).sort((a, b) => Math.abs(a - 0.2) - Math.abs(b - 0.2) || a - b);
const LANES = [1, 2.8, 4.6, 0, -1, -2.8, -4.6, 6.4, -6.4];
/** MARGIN is the gap kept between two tags' boxes. */
const MARGIN = 1;

/** overlaps says whether two centred boxes {x, y, w, h} overlap (closer than MARGIN). */
export function overlaps(a, b) {
  return Math.abs(a.x - b.x) * 2 < a.w + b.w + 2 * MARGIN && Math.abs(a.y - b.y) * 2 < a.h + b.h + 2 * MARGIN;
}

/**
 * nodeBoxes are the boxes the ring's nodes and their labels take (viewBox
 * units), which held tags keep clear of when they can.
 */
export function nodeBoxes(pos, r) {
  return pos.flatMap((p) => [{ x: p.x, y: p.y, w: 2 * r + 6, h: 2 * r + 6 }, { x: p.x, y: p.y + r + 29, w: 112, h: 28 }]);
}

/**
 * layoutHeld places one tag per group: on its link, near the sender when
 * there is room, else further along or further beside it, never
 * overlapping another tag, nor a node or its labels when any place avoids
 * them. pos are node positions, r the node radius, h a tag's height, lane
 * the first lane's offset, measure(label) a label's width; compact asks for
 * the short labels. A group that finds no free place is left out and
 * counted: the held list still shows it. Returns {tags, left}, each tag
 * {m, ids, x, y, angle, label, w}.
 */
export function layoutHeld(groups, pos, r, { h, lane, measure, compact = false }) {
  const tags = [];
  const blocked = nodeBoxes(pos, r);
  const wanted = [];
  for (const g of groups) {
    const a = pos[g.from - 1], b = pos[g.to - 1];
    if (!a || !b) continue;
    const label = heldLabel(g, compact);
    wanted.push({ g, a, b, label, w: Math.ceil(measure(label)) + 10 });
  }
  const free = (box, avoidNodes) => box.x - box.w / 2 >= 0 && box.x + box.w / 2 <= SIZE && box.y - box.h / 2 >= 0 && box.y + box.h / 2 <= SIZE &&
    !tags.some((t) => overlaps(t, box)) && !(avoidNodes && blocked.some((o) => overlaps(o, box)));
  let left = 0;
  for (const want of wanted) {
    let spot = null;
    for (const avoidNodes of [true, false]) {
      for (const k of LANES) {
        for (const t of ALONG) {
          const p = pointOnLink(want.a, want.b, t, r + 14, lane * k);
          const box = { x: p.x, y: p.y, w: want.w, h };
          if (free(box, avoidNodes)) { spot = { ...box, angle: p.angle }; break; }
        }
        if (spot) break;
      }
      if (spot) break;
    }
    if (!spot) { left += want.g.ids.length; continue; }
    tags.push({ m: want.g.rep, ids: want.g.ids, x: spot.x, y: spot.y, w: spot.w, h, angle: spot.angle, label: want.label });
  }
  return { tags, left };
}
