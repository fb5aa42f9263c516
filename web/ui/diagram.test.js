import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagramScale, messageLine, segmentDistance, hitDiagram, timeTicks, markStyle, diagramSummary, GUTTER, AXIS, LANE_MIN, LANE_MAX, FATE, DIAGRAM_SPANS, DIAGRAM_SPAN } from './diagram.js';

// A diagram as the engine answers it (wire.Diagram): fate and due are
// left out when 0, as Go's omitempty leaves them.
const d = {
  from: 1000, to: 2000, kept: 0, nodes: [1, 2, 3], types: ['MsgApp', 'MsgHeartbeat'],
  messages: [
    { id: 1, from: 1, to: 2, type: 0, sent: 1000, end: 1100, fate: FATE.DELIVERED },
    { id: 2, from: 1, to: 3, type: 0, sent: 1200, end: 1300, fate: FATE.LOST },
    { id: 3, from: 2, to: 1, type: 1, sent: 1900, due: 2100 },
    { id: 4, from: 3, to: 1, type: 0, sent: 1950 },
  ],
  marks: [{ seq: 9, at: 1500, node: 2, kind: 'role', type: 'leader' }],
};

test('the diagram places time rightwards and a lane per node, sharing the height within bounds', () => {
  const s = diagramScale(d, 1038, AXIS + 4 + 3 * 30);
  assert.equal(s.x(1000), GUTTER);
  assert.equal(s.x(2000), 1038 - 8);
  assert.equal(s.x(1500), GUTTER + 500);
  assert.deepEqual([1, 2, 3].map(s.y), [AXIS + 15, AXIS + 45, AXIS + 75]);
  assert.equal(diagramScale(d, 500, 10).height, AXIS + 3 * LANE_MIN + 4, 'too short: the lanes keep their least height (the box scrolls)');
  assert.equal(diagramScale(d, 500, 5000).height, AXIS + 3 * LANE_MAX + 4, 'tall: the lanes stop growing');
});

test('message lines end where the trace says: delivered, lost, on their way, held', () => {
  const s = diagramScale(d, 1038, AXIS + 4 + 3 * 30);
  const [del, lost, flight, held] = d.messages.map((m) => messageLine(d, m, s));
  assert.deepEqual(del, { x1: s.x(1000), y1: s.y(1), x2: s.x(1100), y2: s.y(2), state: 'delivered' });
  assert.equal(lost.state, 'lost');
  assert.equal(lost.x2, s.x(1300));
  assert.equal(flight.state, 'flight');
  assert.equal(flight.x2, s.x(2000), 'cut at the window\'s end');
  assert.equal(flight.y2, s.y(2) + (s.y(1) - s.y(2)) * 0.5, 'half way: 100 of its 200 ms gone');
  assert.equal(held.state, 'held');
  assert.ok(Math.abs(held.y2 - held.y1) < Math.abs(s.y(1) - s.y(3)) / 2, 'a held message barely leaves its sender');
});

test('a click picks a mark first, then the nearest line within 4 px, else nothing', () => {
  const s = diagramScale(d, 1038, AXIS + 4 + 3 * 30);
  assert.equal(hitDiagram(d, s, s.x(1500) + 3, s.y(2)).mark.seq, 9);
  const del = messageLine(d, d.messages[0], s);
  const mid = { x: (del.x1 + del.x2) / 2, y: (del.y1 + del.y2) / 2 };
  assert.equal(hitDiagram(d, s, mid.x, mid.y + 2).message.id, 1);
  assert.equal(hitDiagram(d, s, mid.x, mid.y + 12), null);
  assert.equal(segmentDistance(3, 4, { x1: 0, y1: 0, x2: 0, y2: 0 }), 5);
  assert.equal(segmentDistance(5, 3, { x1: 0, y1: 0, x2: 10, y2: 0 }), 3);
  assert.equal(segmentDistance(13, 4, { x1: 0, y1: 0, x2: 10, y2: 0 }), 5);
});

test('time ticks fall on round steps inside the window', () => {
  assert.deepEqual(timeTicks(1000, 4000), [1000, 2000, 3000, 4000]);
  assert.deepEqual(timeTicks(0, 1000), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(timeTicks(1234, 1300), [1240, 1260, 1280, 1300]);
  assert.ok(timeTicks(0, 1e12).length <= 50);
});

test('marks: a role change by the role taken, not mistaken for the kind of the same name', () => {
  assert.equal(markStyle({ kind: 'role', type: 'leader' }).name, 'became leader');
  assert.notEqual(markStyle({ kind: 'leader' }).name, 'became leader', 'a node learning its leader is not one becoming leader');
  assert.equal(markStyle({ kind: 'crash' }).shape, 'cross');
  assert.equal(markStyle({ kind: 'timeout' }).name, 'timeout');
});

test('the diagram in words counts what the engine left out as 0', () => {
  assert.equal(diagramSummary(d, false), 'From 1.000 s to 2.000 s: 4 messages (1 lost, 2 in flight), 1 event marked; heartbeats hidden.');
  const cut = diagramSummary({ ...d, cut: 7, kept: 1500 }, true);
  assert.match(cut, /heartbeats shown\. The 7 oldest messages are left out: choose a shorter window\. Before 1\.500 s the trace is no longer kept\.$/);
});

test('the windows offered are ones the engine takes (its request table, generated)', async () => {
  const { REQUEST_KINDS } = await import('./schema.js');
  const span = REQUEST_KINDS.find((r) => r.kind === 'diagram').args.find((a) => a.name === 'span');
  for (const ms of DIAGRAM_SPANS) assert.ok(ms >= span.min && ms <= span.max, `${ms} ms is outside ${span.min}..${span.max}`);
  assert.ok(DIAGRAM_SPANS.includes(DIAGRAM_SPAN));
});
