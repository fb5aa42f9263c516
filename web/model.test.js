import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialModel, applyFrame, announce, messageProgress, entryState, shortType, nodePosition,
  actionForKey, advanceFor, encodeSession, decodeSession, toBase64url, fromBase64url, roleOf, EVENT_KEEP, timerFraction,
} from './model.js';

const view = (nodes = []) => ({ time: 0, nodes, messages: [], cuts: [], timing: { election_ticks: 5 } });
const ev = (seq, kind, extra = {}) => ({ seq, at: seq, kind, text: `${kind} ${seq}`, ...extra });

test('applyFrame appends events, tracks the last seq, and resets after a seek', () => {
  let m = initialModel();
  m = applyFrame(m, { view: view(), events: [ev(1, 'send'), ev(2, 'deliver')] });
  assert.equal(m.lastSeq, 2);
  m = applyFrame(m, { view: view(), events: [] });
  assert.equal(m.lastSeq, 2, 'no events keeps the last seq');
  m = applyFrame(m, { view: view(), events: [ev(3, 'role', { type: 'leader', text: 'n1 became leader in term 2' })] });
  assert.deepEqual(m.events.map((e) => e.seq), [1, 2, 3]);
  assert.deepEqual(m.announcements, ['n1 became leader in term 2']);
  m = applyFrame(m, { view: view(), events: [ev(1, 'send')] }, { reset: true });
  assert.equal(m.lastSeq, 1);
  assert.equal(m.events.length, 1);
});

test('the event log is capped', () => {
  const many = Array.from({ length: EVENT_KEEP + 50 }, (_, i) => ev(i + 1, 'send'));
  const m = applyFrame(initialModel(), { view: view(), events: many });
  assert.equal(m.events.length, EVENT_KEEP);
  assert.equal(m.events[0].seq, 51);
  assert.equal(m.lastSeq, EVENT_KEEP + 50);
});

test('announcements summarise commits once per frame', () => {
  const out = announce([ev(1, 'commit', { index2: 5 }), ev(2, 'commit', { index2: 7 }), ev(3, 'crash', { text: 'n2 crashed' }), ev(4, 'client-return', { client: 3 })]);
  assert.deepEqual(out, ['n2 crashed', 'Entries up to index 7 are committed.']);
});

test('messages move from sender to receiver; held ones wait near the sender', () => {
  const m = { sent_at: 100, deliver_at: 120 };
  assert.equal(messageProgress(m, 100), 0);
  assert.equal(messageProgress(m, 110), 0.5);
  assert.equal(messageProgress(m, 500), 1);
  assert.equal(messageProgress({ sent_at: 100, deliver_at: 0 }, 500), 0.15);
});

test('entries are applied, committed or not', () => {
  const node = { up: true, applied: 3, commit: 5 };
  assert.equal(entryState({ index: 3 }, node), 'applied');
  assert.equal(entryState({ index: 5 }, node), 'committed');
  assert.equal(entryState({ index: 6 }, node), 'uncommitted');
  assert.equal(entryState({ index: 2 }, { up: false, applied: 0, commit: 4 }), 'committed');
});

test('message labels tell accepted from rejected', () => {
  assert.equal(shortType({ type: 'MsgApp' }), 'Append');
  assert.equal(shortType({ type: 'MsgAppResp', response: true, reject: true }), 'Append ack ✗ reject');
  assert.equal(shortType({ type: 'MsgVoteResp', response: true }), 'Vote ✓ yes');
  assert.equal(shortType({ type: 'MsgVoteResp', response: true, reject: true }), 'Vote ✗ no');
  assert.equal(shortType({ type: 'MsgFancy' }), 'Fancy');
});

test('roles and timers', () => {
  assert.equal(roleOf({ up: false, role: 'leader' }), 'down');
  assert.equal(roleOf({ up: true, role: '' }), 'follower');
  assert.equal(timerFraction({ up: true, role: 'follower', election_elapsed: 2 }, { election_ticks: 5 }), 0.6);
  assert.equal(timerFraction({ up: true, role: 'leader', election_elapsed: 0 }, { election_ticks: 5 }), null);
});

test('nodes sit on a ring', () => {
  const p = nodePosition(0, 4, 100, 100, 50);
  assert.ok(Math.abs(p.x - 100) < 1e-9 && Math.abs(p.y - 50) < 1e-9);
  assert.deepEqual(nodePosition(0, 1, 10, 20, 5), { x: 10, y: 20 });
});

test('keyboard shortcuts', () => {
  assert.deepEqual(actionForKey(' '), { action: 'toggle-play' });
  assert.deepEqual(actionForKey('3'), { action: 'select', node: 3 });
  assert.deepEqual(actionForKey('C'), { action: 'crash' });
  assert.deepEqual(actionForKey('='), { action: 'faster' });
  assert.equal(actionForKey('q'), null);
});

test('speed carries fractions of a millisecond', () => {
  let carry = 0;
  let total = 0;
  for (let i = 0; i < 10; i++) {
    const r = advanceFor(16, 0.1, carry);
    total += r.advance;
    carry = r.carry;
  }
  assert.equal(total, 16);
  assert.equal(advanceFor(10000, 100, 0).advance, 25000, 'a long pause is not replayed at once');
});

test('sessions round-trip through the URL hash', async () => {
  const s = { version: 1, config: { nodes: 5, seed: 42 }, commands: [{ step: 3, at: 1200, cmd: { kind: 'crash', node: 2 } }], until: 5000 };
  const enc = await encodeSession(s);
  assert.match(enc, /^[zj][A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeSession(enc), s);
  assert.deepEqual(fromBase64url(toBase64url(new Uint8Array([0, 250, 7]))), new Uint8Array([0, 250, 7]));
  await assert.rejects(decodeSession('q123'), /unknown session encoding/);
});

test('notable events outlive message traffic', () => {
  let m = initialModel();
  m = applyFrame(m, { view: view(), events: [ev(1, 'role', { type: 'leader' })] });
  const traffic = Array.from({ length: EVENT_KEEP + 10 }, (_, i) => ev(i + 2, 'send'));
  m = applyFrame(m, { view: view(), events: traffic });
  assert.equal(m.events.length, EVENT_KEEP);
  assert.deepEqual(m.notable.map((e) => e.seq), [1]);
  m = applyFrame(m, { view: view(), events: [ev(1, 'crash')] }, { reset: true });
  assert.deepEqual(m.notable.map((e) => e.kind), ['crash']);
});
