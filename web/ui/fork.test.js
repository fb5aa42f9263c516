import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeNetwork, forkSummary, forkRows, nodeState, compareCaption } from './fork.js';

const node = (id, role, term, commit, up = true) => ({ id, role, term, commit, applied: commit, last_index: commit + 1, up });

test('a fork that differs: where, how, and the two clusters side by side', () => {
  const r = {
    at: 3000, until: 8000, diverged: true, time: 3010, compared: 16,
    original: { kind: 'client-invoke', at: 3010, text: 'client 2 sent get k0 #60' }, forked: { kind: 'deliver', at: 3010, msg: 41, text: 'delivered 1->2 MsgApp' },
    view_at: 3010,
    original_view: { nodes: [node(1, 'leader', 2, 6), node(2, 'follower', 2, 6)] },
    forked_view: { nodes: [node(1, 'leader', 2, 6), node(2, 'follower', 2, 5), node(3, 'follower', 2, 5)] },
  };
  const change = describeNetwork({ min_latency_ms: 10, max_latency_ms: 50, drop_rate: 0.3, duplicate_rate: 0, reorder_rate: 0.05 });
  assert.equal(change, 'latency 10–50 ms, drop 30%, reorder 5%');
  assert.equal(forkSummary(r, change), 'Forked at 3.000 s with latency 10–50 ms, drop 30%, reorder 5%: the runs first differ at 3.010 s, after 16 events alike. Here: 3.010 s, client 2 sent get k0 #60. In the fork: 3.010 s, #41, delivered 1->2 MsgApp.');
  assert.deepEqual(forkRows(r).map((x) => [x.id, x.differs]), [[1, false], [2, true], [3, true]]);
  assert.equal(forkRows(r)[2].here, 'not in this run');
  assert.equal(nodeState(node(2, 'follower', 3, 7, false)), 'down, term 3, log to 8, commit 7, applied —');
  assert.equal(compareCaption(r, r), 'Both runs at 3.010 s, where they first differ: n2, n3 differ.');
  assert.match(forkSummary({ ...r, forked: {} }, change), /In the fork: nothing more\.$/);
});

test('a fork that never differs says so, and has no rows', () => {
  const r = { at: 3000, until: 13000, diverged: false, compared: 4021 };
  assert.equal(forkSummary(r, 'drop 0%'), 'Forked at 3.000 s with drop 0%: no difference in the 10.000 s compared (4021 events alike).');
  assert.deepEqual(forkRows(r), []);
});

test('both runs at another time: the caption says where that is against the first difference', () => {
  const fork = { at: 3000, until: 13000, diverged: true, time: 5000 };
  const same = { nodes: [node(1, 'leader', 2, 6)] };
  const before = { diverged: false, view_at: 4000, original_view: same, forked_view: same };
  assert.equal(compareCaption(before, fork), 'Both runs at 4.000 s, 1.000 s before they first differ: every node alike.');
  assert.deepEqual(forkRows(before).map((x) => x.differs), [false]);
  const after = { diverged: true, time: 5000, view_at: 7500, original_view: same, forked_view: { nodes: [node(1, 'candidate', 3, 6)] } };
  assert.equal(compareCaption(after, fork), 'Both runs at 7.500 s, 2.500 s after they first differ: n1 differs.');
  assert.equal(forkRows(after)[0].fork, 'candidate, term 3, log to 7, commit 6, applied 6');
  const none = { diverged: false, view_at: 9000, original_view: same, forked_view: same };
  assert.equal(compareCaption(none, { ...fork, diverged: false }), 'Both runs at 9.000 s, with no difference yet: every node alike.');
});
