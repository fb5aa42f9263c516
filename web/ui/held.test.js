import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELD_FILTERS, heldFilterOf, heldShown, heldMessages, groupHeld, heldLabel, overlaps } from './held.js';
import { layoutMessages } from './render/flights.js';
import { ringPositions, nodeRadius, SIZE } from './geometry.js';

const held = (id, from, to, type, extra = {}) => ({ id, from, to, type, term: 2, sent_at: id, deliver_at: 0, ...extra });

test('the held filter hides heartbeats, or keeps only elections or replication; anything else shows all', () => {
  const view = {
    messages: [
      held(1, 1, 2, 'MsgHeartbeat'), held(2, 2, 1, 'MsgHeartbeatResp', { response: true }),
      held(3, 1, 3, 'MsgApp', { entries: 2 }), held(4, 3, 1, 'MsgVote'), held(5, 1, 2, 'MsgPreVoteResp', { response: true }),
      held(6, 2, 3, 'MsgSnap'), { ...held(7, 1, 2, 'MsgHeartbeat'), deliver_at: 40 },
    ],
  };
  const ids = (filter) => heldMessages(view, filter).map((m) => m.id);
  assert.deepEqual(ids('all'), [1, 2, 3, 4, 5, 6], 'a message on its way is not held');
  assert.deepEqual(ids('no-heartbeats'), [3, 4, 5, 6]);
  assert.deepEqual(ids('election'), [4, 5]);
  assert.deepEqual(ids('replication'), [3, 6]);
  for (const bad of ['', 'nope', undefined, '__proto__', 'toString']) {
    assert.equal(heldFilterOf(bad), 'all');
    assert.deepEqual(ids(bad), [1, 2, 3, 4, 5, 6]);
  }
  assert.equal(HELD_FILTERS[0].value, 'all');
  for (const f of HELD_FILTERS) assert.equal(heldFilterOf(f.value), f.value);
  assert.equal(heldShown(held(8, 1, 2, 'MsgSomethingNew'), 'no-heartbeats'), true);
  assert.deepEqual(heldMessages(null), []);
});

test('held messages group by link, oldest first, standing for the selected one when it is there', () => {
  const msgs = [held(4, 2, 1, 'MsgHeartbeatResp', { response: true }), held(5, 1, 2, 'MsgHeartbeat'), held(6, 1, 2, 'MsgApp', { entries: 3 }), held(7, 1, 2, 'MsgHeartbeat')];
  const g = groupHeld(msgs);
  assert.deepEqual(g.map((x) => [x.from, x.to, x.ids, x.rep.id]), [[1, 2, [5, 6, 7], 5], [2, 1, [4], 4]]);
  assert.equal(heldLabel(g[0], false), 'HB +2');
  assert.equal(heldLabel(g[1], false), 'HB✓');
  const sel = groupHeld(msgs, 6);
  assert.equal(sel[0].rep.id, 6);
  assert.equal(heldLabel(sel[0], true), 'A×3 +2');
});

const TYPES = ['MsgHeartbeat', 'MsgHeartbeatResp', 'MsgApp', 'MsgAppResp', 'MsgVote', 'MsgPreVoteResp'];
// A generous width: wider than the page's font draws these labels.
const measure = (label) => label.length * 6.5;

function assertNoOverlap(drawn, what) {
  for (let i = 0; i < drawn.length; i++) {
    const a = drawn[i];
    assert.ok(a.x - a.w / 2 >= 0 && a.x + a.w / 2 <= SIZE && a.y - a.h / 2 >= 0 && a.y + a.h / 2 <= SIZE, `${what}: ${a.label} leaves the drawing`);
    for (let j = i + 1; j < drawn.length; j++) {
      assert.equal(overlaps(a, drawn[j]), false, `${what}: "${a.label}" at (${a.x.toFixed(1)}, ${a.y.toFixed(1)}) overlaps "${drawn[j].label}" at (${drawn[j].x.toFixed(1)}, ${drawn[j].y.toFixed(1)})`);
    }
  }
}

test('150 held messages on a 5-node ring are drawn without two labels overlapping, each counted once', () => {
  // What manual delivery held in the issue: mostly heartbeats from the
  // leader and their replies, appends, then an election's votes.
  const messages = [];
  for (let id = 1; id <= 150; id++) {
    const from = id % 7 === 0 ? 1 + (id % 5) : 1;
    const to = from === 1 ? 2 + (id % 4) : 1 + ((from + id) % 5);
    if (from === to) continue;
    messages.push(held(id, from, to, TYPES[id % TYPES.length], { response: id % 2 === 0, reject: id % 10 === 0, entries: id % 3 }));
  }
  const view = { time: 5000, manual: true, messages };
  const pos = ringPositions(5);
  for (const selected of [0, messages[40].id]) {
    const drawn = layoutMessages(view, pos, nodeRadius(5), false, measure, { selected });
    assertNoOverlap(drawn, `selected ${selected}`);
    assert.equal(drawn.left, 0, 'every held message has a place');
    const ids = drawn.flatMap((d) => d.ids).sort((a, b) => a - b);
    assert.deepEqual(ids, messages.map((m) => m.id), 'each held message is under exactly one tag');
    if (selected) assert.equal(drawn.find((d) => d.ids.includes(selected)).m.id, selected, 'the selected message labels its link');
  }
  // The filter applies to the ring as to the list.
  const noHB = layoutMessages(view, pos, nodeRadius(5), false, measure, { heldFilter: 'no-heartbeats' });
  assert.equal(noHB.flatMap((d) => d.ids).length, heldMessages(view, 'no-heartbeats').length);
  assert.ok(noHB.flatMap((d) => d.ids).every((id) => !/Heartbeat/.test(messages.find((m) => m.id === id).type)), 'no heartbeat drawn');
  assertNoOverlap(noHB, 'no heartbeats');
});

test('with every link holding messages, tags never overlap, on any ring size; up to 7 nodes all have a place', () => {
  for (let n = 1; n <= 9; n++) {
    for (const type of TYPES) {
      const messages = [];
      let id = 1;
      for (let a = 1; a <= n; a++) for (let b = 1; b <= n; b++) if (a !== b) for (let k = 0; k < 150; k++) messages.push(held(id++, a, b, type, { response: type.endsWith('Resp'), reject: true }));
      const view = { time: 0, manual: true, messages };
      const drawn = layoutMessages(view, ringPositions(n), nodeRadius(n), false, measure);
      assertNoOverlap(drawn, `${n} nodes, ${type}`);
      assert.equal(drawn.flatMap((d) => d.ids).length + drawn.left, messages.length, 'drawn or counted as left out');
      if (n <= 7) assert.equal(drawn.left, 0, `${n} nodes, ${type}: every link has its tag`);
    }
  }
});

test('a held layout is reused while the held messages stay the same', () => {
  const view = { time: 0, manual: true, messages: [held(1, 1, 2, 'MsgHeartbeat'), held(2, 1, 3, 'MsgHeartbeat')] };
  const memo = {};
  let measured = 0;
  const counting = (l) => { measured++; return measure(l); };
  const a = layoutMessages(view, ringPositions(3), nodeRadius(3), false, counting, { memo });
  const once = measured;
  const b = layoutMessages({ ...view, time: 50 }, ringPositions(3), nodeRadius(3), false, counting, { memo });
  assert.equal(measured, once, 'no new placement');
  assert.deepEqual(b, a);
  const c = layoutMessages({ ...view, messages: view.messages.slice(1) }, ringPositions(3), nodeRadius(3), false, counting, { memo });
  assert.equal(c.length, 1);
});
