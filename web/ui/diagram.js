// The space-time diagram: one lane per node, time rightwards, a line per
// message from its sending to its delivery or loss, marks for the notable
// events; drawn from the engine's diagram answer (wire.Diagram). Where each
// thing goes, what a point hits, and the diagram in words. DOM-free and pure.
import { FATES } from './schema.js';

/** DIAGRAM_SPANS are the windows of virtual time (ms) the diagram offers; DIAGRAM_SPAN is the default. */
export const DIAGRAM_SPANS = Object.freeze([1000, 3000, 10000, 30000]);
export const DIAGRAM_SPAN = 3000;
/** spanFor is the shortest window of DIAGRAM_SPANS that holds ms of time (the longest if none does). */
export function spanFor(ms) {
  return DIAGRAM_SPANS.find((s) => s >= ms) || DIAGRAM_SPANS[DIAGRAM_SPANS.length - 1];
}

/** FATE are the fates of a message (generated from wire.FateFlight, FateDelivered, FateLost). */
export const FATE = FATES;
/** GUTTER is the room (CSS px) left of the lanes for their names; AXIS the room above them for the time axis. */
export const GUTTER = 30;
export const AXIS = 16;
/** LANE_MIN and LANE_MAX bound a lane's height (CSS px): lanes share the height there is, within them. */
export const LANE_MIN = 12;
export const LANE_MAX = 40;

/**
 * diagramScale places a diagram d on a box of width by height (CSS px):
 * x(t) for a virtual time and y(id) for a node's lane (its centre), and
 * the canvas's height (taller than the box when the lanes do not fit at
 * LANE_MIN; the box then scrolls).
 */
export function diagramScale(d, width, height = 0) {
  const lanes = new Map(d.nodes.map((id, i) => [id, i]));
  const laneH = Math.max(LANE_MIN, Math.min(LANE_MAX, Math.floor((height - AXIS - 4) / Math.max(1, d.nodes.length))));
  const w = Math.max(1, width - GUTTER - 8);
  const span = Math.max(1, d.to - d.from);
  return {
    x: (t) => GUTTER + ((t - d.from) / span) * w,
    y: (id) => AXIS + (lanes.has(id) ? lanes.get(id) : 0) * laneH + laneH / 2,
    height: AXIS + d.nodes.length * laneH + 4,
    width,
  };
}

/**
 * messageLine is where a message is drawn: from its sending on the
 * sender's lane to its end on the receiver's (delivered or lost); a
 * message still in flight stops at the window's end, on its way as far as
 * its due time says (a held one barely leaves its sender). state is
 * "delivered", "lost", "flight" or "held".
 */
export function messageLine(d, m, s) {
  const x1 = s.x(m.sent), y1 = s.y(m.from), y2 = s.y(m.to);
  if (m.fate === FATE.DELIVERED || m.fate === FATE.LOST) {
    return { x1, y1, x2: s.x(m.end), y2, state: m.fate === FATE.LOST ? 'lost' : 'delivered' };
  }
  const part = m.due > m.sent ? Math.min(1, (d.to - m.sent) / (m.due - m.sent)) : 0.15;
  return { x1, y1, x2: s.x(d.to), y2: y1 + (y2 - y1) * part, state: m.due ? 'flight' : 'held' };
}

/** segmentDistance is the distance from point (px, py) to the segment (x1, y1)-(x2, y2). */
export function segmentDistance(px, py, { x1, y1, x2, y2 }) {
  const dx = x2 - x1, dy = y2 - y1;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len)) : 0;
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

/**
 * hitDiagram returns what is under the point (x, y) (CSS px): {mark} for a
 * mark within 6 px (marks first: they are small), {message} for the
 * nearest message line within 4 px, or null.
 */
export function hitDiagram(d, s, x, y) {
  let best = null, dist = 6;
  for (const mark of d.marks) {
    const r = Math.hypot(x - s.x(mark.at), y - s.y(mark.node));
    if (r <= dist) { best = { mark }; dist = r; }
  }
  if (best) return best;
  dist = 4;
  for (const m of d.messages) {
    const r = segmentDistance(x, y, messageLine(d, m, s));
    if (r <= dist) { best = { message: m }; dist = r; }
  }
  return best;
}

/** timeTicks are the times (ms) to label on the axis: round steps, about `count` of them. */
export function timeTicks(from, to, count = 5) {
  const raw = Math.max(1, (to - from) / count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((v) => v >= raw);
  const out = [];
  for (let t = Math.ceil(from / step) * step; t <= to && out.length < 50; t += step) out.push(t);
  return out;
}

/** MARKS says how each kind of mark is drawn and named: shape and colour; a role change ("role:leader"...) by the role it took. */
const MARKS = {
  'role:leader': ['circle', '#d97706', 'became leader'], 'role:candidate': ['diamond', '#6d28d9', 'became candidate'],
  'role:pre-candidate': ['triangle', '#8b5cf6', 'became pre-candidate'], 'role:follower': ['dot', '#64748b', 'became follower'],
  crash: ['cross', '#0f172a', 'crashed'], restart: ['triangle', '#15803d', 'restarted'],
  'conf-change': ['square', '#0f766e', 'membership change'], command: ['square', '#1d4ed8', 'your command'],
  violation: ['bar', '#b91c1c', 'safety violation'], partition: ['bar', '#dc2626', 'links cut'], heal: ['bar', '#16a34a', 'links healed'],
};

/** markStyle is how a mark is drawn: {shape, colour, name}. */
export function markStyle(mark) {
  const [shape, colour, name] = MARKS[mark.kind === 'role' ? `role:${mark.type}` : mark.kind] || ['dot', '#94a3b8', mark.kind];
  return { shape, colour, name };
}

/** diagramSummary says in words what the diagram shows, for screen readers and the note below it. */
export function diagramSummary(d, heartbeats) {
  const lost = d.messages.filter((m) => m.fate === FATE.LOST).length;
  const flying = d.messages.filter((m) => (m.fate || FATE.FLIGHT) === FATE.FLIGHT).length; // fate is left out when 0
  const secs = (t) => (t / 1000).toFixed(3);
  let text = `From ${secs(d.from)} s to ${secs(d.to)} s: ${d.messages.length} message${d.messages.length === 1 ? '' : 's'} (${lost} lost, ${flying} in flight)`;
  text += `, ${d.marks.length} event${d.marks.length === 1 ? '' : 's'} marked; heartbeats ${heartbeats ? 'shown' : 'hidden'}.`;
  if (d.cut) text += ` The ${d.cut} oldest messages are left out: choose a shorter window.`;
  if (d.kept > d.from) text += ` Before ${secs(d.kept)} s the trace is no longer kept.`;
  return text;
}
