import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialModel, applyFrame, foldMarkers, isReplaying, isHalted, EVENT_KEEP } from './model.js';

const node = (id, extra = {}) => ({ id, up: true, role: 'follower', term: 2, vote: 0, leader: 0, commit: 3, applied: 3, last_index: 3, first_index: 1, snapshot_index: 0, election_elapsed: 0, log: [], kv: { count: 0, digest: '', from: '', pairs: [], next: '' }, ...extra });
const view = (nodes, extra = {}) => ({ time: 0, nodes, messages: [], cuts: [], clients: [], safety: { ok: true }, timing: { election_ticks: 5, heartbeat_ms: 100 }, ...extra });
const frame = (v, events = [], horizon = v.time) => ({ view: v, events, horizon, halted: null });
const ev = (seq, kind, extra = {}) => ({ seq, at: seq * 10, kind, text: `${kind} ${seq}`, ...extra });

test('events append once, in order, and restart after a seek', () => {
  let m = applyFrame(initialModel(), frame(view([node(1)]), [ev(1, 'send'), ev(2, 'role', { type: 'leader', node: 1 })]), 'fresh');
  assert.equal(m.lastSeq, 2);
  // A frame repeating seen events (two calls in flight) adds nothing twice.
  m = applyFrame(m, frame(view([node(1)]), [ev(2, 'role'), ev(3, 'deliver')]));
  assert.deepEqual(m.events.map((e) => e.seq), [1, 2, 3]);
  assert.deepEqual(m.notable.map((e) => e.seq), [2]);
  m = applyFrame(m, frame(view([node(1)]), []));
  assert.equal(m.lastSeq, 3, 'no events keeps the last seq');
  m = applyFrame(m, frame(view([node(1)]), [ev(1, 'send')]), 'reset');
  assert.equal(m.lastSeq, 1);
  assert.deepEqual(m.events.map((e) => e.seq), [1]);
});

test('the event lists are capped, and notable events outlive traffic', () => {
  let m = applyFrame(initialModel(), frame(view([]), [ev(1, 'crash')]), 'fresh');
  const traffic = Array.from({ length: EVENT_KEEP + 20 }, (_, i) => ev(i + 2, 'send'));
  m = applyFrame(m, frame(view([]), traffic));
  assert.equal(m.events.length, EVENT_KEEP);
  assert.equal(m.events[0].seq, 22);
  assert.deepEqual(m.notable.map((e) => e.kind), ['crash']);
  assert.equal(m.lastSeq, EVENT_KEEP + 21);
});

test('the console keeps its own requests and answers (client 0)', () => {
  const m = applyFrame(initialModel(), frame(view([]), [
    ev(1, 'command', { type: 'set', text: 'console: set a=1' }),
    ev(2, 'client-invoke', { type: 'set', text: 'client 0 sent set a=1 #1' }),
    ev(3, 'client-return', { client: 2, text: 'client 2: get k1 #4 → not found' }),
    ev(4, 'client-return', { type: 'set', text: 'client 0: set a=1 #1 → OK' }),
    ev(5, 'command', { type: 'crash', text: 'x' }),
  ]), 'fresh');
  assert.deepEqual(m.console.map((l) => [l.dir, l.text]), [['out', 'set a=1'], ['in', 'set a=1 #1 → OK']]);
});

test('role changes become announcements; resets announce nothing', () => {
  const v1 = view([node(1), node(2), node(3)]);
  let m = applyFrame(initialModel(), frame(v1), 'fresh');
  assert.deepEqual(m.said, []);
  const v2 = view([node(1, { role: 'leader', term: 3, commit: 4 }), node(2, { up: false, role: '' }), node(3, { role: 'candidate', term: 3 })]);
  m = applyFrame(m, frame(v2));
  assert.deepEqual(m.said.map((s) => s.text), ['n1 is now the leader, term 3.', 'n2 crashed.', 'n3 is a candidate for term 3.']);
  const v3 = view([node(1, { role: 'leader', term: 3, commit: 6 }), node(2, { role: 'follower' }), node(3)]);
  m = applyFrame(m, frame(v3));
  assert.deepEqual(m.said.map((s) => s.text), ['n2 restarted as follower.', 'Committed up to index 6.']);
  m = applyFrame(m, frame(view([node(1), node(2), node(3)])), 'reset');
  assert.deepEqual(m.said, []);
});

test('slider markers: deduplicated on replay, cut after a command, cleared on a new session', () => {
  const e1 = ev(1, 'role', { type: 'leader', node: 1, term: 2, at: 500 });
  const e2 = ev(2, 'crash', { node: 1, at: 900, text: 'n1 crashed' });
  let m = applyFrame(initialModel(), frame(view([]), [e1, e2]), 'fresh');
  assert.deepEqual(m.markers.map((x) => x.cls), ['leader', 'crash']);
  // Seek back: the same events come again; markers stay single.
  m = applyFrame(m, frame(view([], { time: 600 }), [e1]), 'reset');
  m = applyFrame(m, frame(view([], { time: 950 }), [e2]));
  assert.equal(m.markers.length, 2);
  // A command at 600 rewrites the future: the crash at 900 is gone.
  m = applyFrame(m, frame(view([], { time: 600 }), [ev(3, 'partition', { at: 600, text: 'isolated n2' })]), 'command');
  assert.deepEqual(m.markers.map((x) => x.cls), ['leader', 'net']);
  m = applyFrame(m, frame(view([]), []), 'fresh');
  assert.deepEqual(m.markers, []);
  assert.deepEqual(foldMarkers([], [ev(1, 'send')]), []);
});

test('replaying and halted', () => {
  assert.equal(isReplaying(frame(view([], { time: 100 }), [], 300)), true);
  assert.equal(isReplaying(frame(view([], { time: 300 }), [], 300)), false);
  assert.equal(isHalted(frame(view([]))), false);
  assert.equal(isHalted(frame(view([], { safety: { ok: false, violation: { text: 'x' } } }))), true);
});

test('lastSeq follows the trace count, so events left out are not asked for again', () => {
  let m = applyFrame(initialModel(), frame(view([], { events: 40 }), [ev(7, 'role')]), 'fresh');
  assert.equal(m.lastSeq, 40);
  m = applyFrame(m, frame(view([], { events: 90 }), [ev(60, 'crash')]));
  assert.equal(m.lastSeq, 90);
  assert.deepEqual(m.events.map((e) => e.seq), [7, 60]);
  m = applyFrame(m, frame(view([], { events: 12 }), [ev(7, 'role')]), 'reset');
  assert.equal(m.lastSeq, 12, 'a seek back restarts the count');
});

test('a refill brings every kind of event and keeps the notable ones, console and markers', () => {
  let m = applyFrame(initialModel(), frame(view([], { events: 10 }), [
    ev(2, 'role', { type: 'leader', node: 1, term: 2 }),
    ev(9, 'command', { type: 'set', text: 'console: set a=1' }),
  ]), 'fresh');
  const refill = [ev(8, 'send'), ev(9, 'command', { type: 'set', text: 'console: set a=1' }), ev(10, 'append')];
  m = applyFrame(m, frame(view([], { events: 10 }), refill), 'refill');
  assert.deepEqual(m.events.map((e) => e.seq), [8, 9, 10]);
  assert.deepEqual(m.notable.map((e) => e.seq), [2, 9, 10], 'merged once each, in order');
  assert.equal(m.console.length, 1);
  assert.equal(m.markers.length, 2);
  assert.equal(m.lastSeq, 10);
  assert.deepEqual(m.said, []);
});
