import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roleOf, currentLeader, electionTimer, nodeSummary } from './roles.js';
import { messageKind, messageLabel, messageProgress, placeMessages, messageTitle, HELD_START, HELD_GAP } from './messages.js';
import { entryState, logColumns, logCell, logSummary, progressMarks, termColour, kvText, kvSummary, nextKeysFrom } from './logs.js';
import { nodePosition, pointOnLink, ringPositions } from './geometry.js';
import { advanceFor, nextSpeed, formatTime, SPEEDS, meterStep, lagging, formatRate } from './clock.js';
import { linkState, cutSet, pairs } from './links.js';
import { matches, groupOf, isConsoleEvent, badgeOf, isRoutine, detailFor, FILTERS, markerOf } from './events.js';
import { actionForKey, shownShortcuts } from './keys.js';
import { blockedAction } from './engine.js';
import { announceStep, initialAnnouncer, GAP_MS, HOLD_MS } from './announce.js';
import { caption } from './render/ring.js';

test('roles: crashed nodes are down, an empty role is a follower, the highest-term leader leads', () => {
  assert.equal(roleOf({ up: false, role: 'leader' }), 'down');
  assert.equal(roleOf({ up: true }), 'follower');
  assert.equal(roleOf({ up: true, role: 'pre-candidate' }), 'pre-candidate');
  const v = { nodes: [{ id: 1, up: true, role: 'leader', term: 2 }, { id: 2, up: true, role: 'leader', term: 3 }, { id: 3, up: false, role: 'leader', term: 9 }] };
  assert.equal(currentLeader(v).id, 2);
  assert.equal(currentLeader({ nodes: [] }), null);
  assert.match(nodeSummary({ id: 2, up: false, term: 4, commit: 7 }), /crashed/);
});

test('the election timer shows the [E, 2E) window, approximately', () => {
  const timing = { election_ticks: 5 };
  const t = electionTimer({ up: true, role: 'follower', election_elapsed: 2 }, timing);
  assert.equal(t.remaining, 0.8);
  assert.equal(t.due, false);
  assert.match(t.text, /approximate/);
  assert.equal(electionTimer({ up: true, role: 'follower', election_elapsed: 6 }, timing).due, true);
  assert.equal(electionTimer({ up: true, role: 'follower', election_elapsed: 12 }, timing).remaining, 0);
  assert.equal(electionTimer({ up: true, role: 'leader', election_elapsed: 0 }, timing), null);
  assert.equal(electionTimer({ up: false, role: '', election_elapsed: 0 }, timing), null);
});

test('message labels tell requests, accepted and rejected responses apart', () => {
  assert.equal(messageLabel({ type: 'MsgApp', entries: 0 }), 'App');
  assert.equal(messageLabel({ type: 'MsgApp', entries: 3 }), 'App×3');
  assert.equal(messageLabel({ type: 'MsgAppResp', response: true }), 'App✓');
  assert.equal(messageLabel({ type: 'MsgAppResp', response: true, reject: true }), 'App✗');
  assert.equal(messageLabel({ type: 'MsgVote' }), 'Vote?');
  assert.equal(messageLabel({ type: 'MsgPreVoteResp', response: true, reject: true }), 'PreVote✗');
  assert.equal(messageLabel({ type: 'MsgHeartbeat' }), 'HB');
  assert.equal(messageLabel({ type: 'MsgFancy' }), 'Fancy');
  assert.equal(messageLabel({ type: 'MsgPreVoteResp', response: true, reject: true }, true), 'PV✗');
  assert.equal(messageLabel({ type: 'MsgApp', entries: 2 }, true), 'A×2');
  assert.equal(messageLabel({ type: 'MsgFancy' }, true), 'Fancy');
  assert.equal(messageKind({ response: true, reject: true }), 'reject');
  assert.match(messageTitle({ id: 4, type: 'MsgApp', from: 1, to: 2, term: 3, deliver_at: 50, lost: true }), /lost/);
  assert.match(messageTitle({ id: 4, type: 'MsgApp', from: 1, to: 2, term: 3, deliver_at: 0 }), /held/);
});

test('messages interpolate between sent_at and deliver_at', () => {
  const m = { sent_at: 100, deliver_at: 120 };
  assert.equal(messageProgress(m, 100), 0);
  assert.equal(messageProgress(m, 110), 0.5);
  assert.equal(messageProgress(m, 90), 0);
  assert.equal(messageProgress(m, 500), 1);
  assert.equal(messageProgress({ sent_at: 100, deliver_at: 100 }, 100), 1);
  assert.equal(messageProgress({ sent_at: 100, deliver_at: 0 }, 500), null);
});

test('held messages queue at the sender; reduced motion draws everything still', () => {
  const msgs = [
    { from: 1, to: 2, sent_at: 0, deliver_at: 0 },
    { from: 1, to: 2, sent_at: 5, deliver_at: 0 },
    { from: 2, to: 1, sent_at: 0, deliver_at: 0 },
    { from: 1, to: 3, sent_at: 0, deliver_at: 40 },
  ];
  const p = placeMessages(msgs, 10);
  assert.deepEqual(p.slice(0, 3), [HELD_START, HELD_START + HELD_GAP, HELD_START]);
  assert.equal(p[3], 0.25);
  const still = placeMessages(msgs, 10, true);
  assert.equal(still[3], 0.5);
  assert.deepEqual(placeMessages(msgs, 30, true), still, 'reduced motion does not move with time');
});

test('log cells: compacted, applied, committed, uncommitted, none', () => {
  const n = { id: 1, up: true, first_index: 4, snapshot_index: 3, snapshot_term: 1, applied: 5, commit: 7, last_index: 8,
    log: [4, 5, 6, 7, 8].map((i) => ({ index: i, term: i < 6 ? 1 : 2, type: 'normal', op: i === 6 ? '' : `set k=${i}` })) };
  assert.deepEqual([2, 4, 5, 6, 7, 8, 9].map((i) => entryState(n, i)), ['compacted', 'applied', 'applied', 'committed', 'committed', 'uncommitted', 'none']);
  assert.equal(entryState({ ...n, up: false, applied: 0 }, 5), 'committed', 'a crashed node applied nothing');
  assert.equal(logCell(n, 6).op, 'empty entry of a new leader');
  assert.equal(logCell(n, 6).term, 2);
  assert.match(logCell(n, 2).text, /snapshot at 3/);
  assert.match(logCell(n, 8).text, /not committed/);
  assert.deepEqual(logColumns({ nodes: [n, { ...n, last_index: 30 }] }, 10), { lo: 21, hi: 30 });
  assert.deepEqual(logColumns({ nodes: [{ last_index: 3 }] }, 10), { lo: 1, hi: 3 });
  assert.equal(termColour(1), termColour(11));
  assert.notEqual(termColour(1), termColour(2));
  assert.deepEqual(kvText({ kv: { count: 2, pairs: [{ key: 'a', value: '1' }, { key: 'b', value: 'x', cut: true }] } }), ['a=1', 'b=x…']);
  assert.equal(kvSummary({ kv: { count: 120, digest: '0123456789abcdef', from: 'k50', pairs: [{ key: 'k50', value: '1' }], next: 'k51' } }), '1 of 120 keys from "k50", digest 01234567');
  assert.equal(kvSummary({ kv: { count: 1, digest: '0123456789abcdef', pairs: [{ key: 'a', value: '1' }] } }), '1 key, digest 01234567');
  assert.equal(nextKeysFrom({ nodes: [{ up: true, kv: { next: 'k9' } }, { up: true, kv: { next: 'k5' } }, { up: false, kv: { next: 'a' } }, { up: true, kv: { next: '' } }] }), 'k5');
  const marks = progressMarks({ id: 1, progress: [{ id: 1, match: 8, next: 9 }, { id: 2, match: 5, next: 6, state: 'replicate' }] });
  assert.deepEqual([...marks.keys()], [2]);
});

test('a row of the log grid in words: runs by state, terms, membership changes, the end', () => {
  const log = [4, 5, 6, 7, 8].map((i) => ({ index: i, term: i < 6 ? 1 : 2, type: i === 7 ? 'conf-change-v2' : 'normal' }));
  const n = { id: 3, up: true, first_index: 4, snapshot_index: 3, snapshot_term: 1, applied: 5, commit: 7, last_index: 8, log };
  assert.equal(logSummary(n, 2, 10),
    'n3 log, indexes 2 to 10: 2 to 3 compacted; 4 to 5 applied; 6 to 7 committed, not applied; 8 not committed; terms 1, 2; membership change at 7; the log ends at 8');
  assert.equal(logSummary({ ...n, up: false }, 6, 8), 'n3 log, indexes 6 to 8: 6 to 7 committed, not applied; 8 not committed; term 2; membership change at 7');
  assert.equal(logSummary(n, 20, 30), 'n3 log: ends at index 8, before the shown indexes');
  assert.equal(logSummary({ id: 1, last_index: 0 }, 1, 0), 'n1 log: empty');
  const many = { id: 1, up: true, first_index: 1, applied: 20, commit: 20, last_index: 20,
    log: Array.from({ length: 20 }, (_, k) => ({ index: k + 1, term: 1, type: 'conf-change' })) };
  assert.match(logSummary(many, 1, 20), /membership changes at 1, 2, 3, 4, 5$/, 'at most 5 named');
});

test('ring geometry and lanes', () => {
  const p = nodePosition(0, 4, 100, 100, 50);
  assert.ok(Math.abs(p.x - 100) < 1e-9 && Math.abs(p.y - 50) < 1e-9);
  assert.deepEqual(nodePosition(0, 1, 10, 20, 5), { x: 10, y: 20 });
  assert.equal(ringPositions(7).length, 7);
  const a = { x: 0, y: 0 }, b = { x: 100, y: 0 };
  const q = pointOnLink(a, b, 0.5, 10, 6);
  assert.deepEqual([q.x, q.y], [50, 6]);
  const r = pointOnLink(b, a, 0.5, 10, 6);
  assert.deepEqual([r.x, r.y], [50, -6], 'the reverse direction uses the other lane');
  assert.equal(pointOnLink(a, b, 0, 10, 0).x, 10);
  assert.equal(pointOnLink(a, b, 1, 10, 0).x, 90);
});

test('speed: fractions carry, stalls are capped', () => {
  let carry = 0, total = 0;
  for (let i = 0; i < 10; i++) {
    const r = advanceFor(16, 0.1, carry);
    total += r.advance;
    carry = r.carry;
  }
  assert.equal(total, 16);
  assert.equal(advanceFor(10000, 100).advance, 10000, 'a long stall is capped');
  assert.equal(nextSpeed(1, 1), 2);
  assert.equal(nextSpeed(100, 1), 100);
  assert.equal(nextSpeed(0.1, -1), 0.1);
  assert.equal(SPEEDS[0], 0.1);
  assert.equal(formatTime(200), '0.200');
});

test('links: open, cut, one-way', () => {
  const cuts = cutSet({ cuts: [{ from: 1, to: 2 }, { from: 2, to: 1 }, { from: 3, to: 1 }] });
  assert.equal(linkState(cuts, 1, 2).state, 'cut');
  assert.equal(linkState(cuts, 1, 3).state, 'one-way');
  assert.equal(linkState(cuts, 1, 3).ba, true);
  assert.match(linkState(cuts, 1, 3).text, /n3→n1 cut/);
  assert.equal(linkState(cuts, 2, 3).state, 'open');
  assert.equal(pairs(4).length, 6);
});

test('event filters by kind and node', () => {
  const e = { kind: 'send', node: 1, peer: 2 };
  assert.equal(matches(e, 'important'), false);
  assert.equal(matches({ kind: 'commit' }, 'important'), false, 'routine replication is not important');
  assert.equal(matches({ kind: 'commit' }, 'replication'), true);
  assert.equal(matches({ kind: 'crash' }, 'important'), true);
  assert.equal(matches(e, 'messages'), true);
  assert.equal(matches(e, 'all', 2), true);
  assert.equal(matches(e, 'all', 3), false);
  assert.equal(matches({ kind: 'role', node: 3 }, 'election', 3), true);
  assert.equal(groupOf('mystery'), 'other');
  assert.equal(badgeOf('command'), 'YOU');
  assert.equal(isConsoleEvent({ kind: 'client-return', client: 4 }), false);
  assert.equal(isConsoleEvent({ kind: 'client-return' }), true);
});

test('keyboard map', () => {
  assert.deepEqual(actionForKey(' '), { action: 'toggle-play' });
  assert.deepEqual(actionForKey('3'), { action: 'select', node: 3 });
  assert.deepEqual(actionForKey('C'), { action: 'crash' });
  assert.deepEqual(actionForKey('='), { action: 'faster' });
  assert.deepEqual(actionForKey(']'), { action: 'cycle-message', dir: 1 });
  assert.deepEqual(actionForKey('ArrowLeft'), { action: 'back' });
  assert.equal(actionForKey('c', { ctrlKey: true }), null, 'ctrl+c stays copy');
  assert.equal(actionForKey('q'), null);
  const shown = shownShortcuts();
  assert.ok(shown.some((s) => s.name === 'Space'));
  assert.ok(shown.every((s) => s.text));
  // On native nodes the list leaves out what real time cannot do.
  const refused = { manual: 'why', deliver: 'why', drop: 'why', duplicate: 'why' }; // as the dev server's hello says
  const native = shownShortcuts((action) => blockedAction('native', action, refused) !== null);
  assert.ok(native.length < shown.length && native.length > 0);
  assert.ok(!native.some((s) => /next event|travel|faster|manual/i.test(s.text)), JSON.stringify(native));
  assert.deepEqual(shownShortcuts((action) => blockedAction('wasm', action) !== null), shown);
});

test('announcements are throttled, commits collapse, important ones go first', () => {
  let s = initialAnnouncer();
  let r = announceStep(s, [{ text: 'Committed up to index 5.', priority: 0, commit: 5 }], 0);
  assert.equal(r.say, null, 'lesser news waits for company');
  r = announceStep(r.state, [], HOLD_MS);
  assert.equal(r.say, 'Committed up to index 5.');
  const t0 = HOLD_MS;
  r = announceStep(r.state, [{ text: 'Committed up to index 6.', priority: 0, commit: 6 }, { text: 'n2 crashed.', priority: 2 }], t0 + 100);
  assert.equal(r.say, null, 'too soon after the last utterance');
  r = announceStep(r.state, [{ text: 'Committed up to index 9.', priority: 0, commit: 9 }], t0 + 200);
  assert.equal(r.state.queue.length, 2, 'older commits collapse into the newest');
  r = announceStep(r.state, [], t0 + GAP_MS);
  assert.equal(r.say, 'n2 crashed. Committed up to index 9.');
  assert.equal(announceStep(r.state, [], t0 + GAP_MS * 3).say, null);
});

test('a candidate and the leader that follows are said together', () => {
  let r = announceStep(initialAnnouncer(), [{ text: 'n1 is a candidate for term 2.', priority: 1 }], 0);
  assert.equal(r.say, null);
  r = announceStep(r.state, [{ text: 'n1 is now the leader, term 2.', priority: 2 }], 50);
  assert.equal(r.say, 'n1 is a candidate for term 2. n1 is now the leader, term 2.');
});

test('the ring says why there is no leader', () => {
  const v = (nodes, ok = true) => ({ nodes, safety: { ok } });
  assert.equal(caption(v([{ up: true, role: 'leader', term: 2 }, { up: true }])), '');
  assert.equal(caption(v([{ up: true }, { up: true }, { up: false }])), 'electing a leader…');
  assert.equal(caption(v([{ up: true }, { up: false }, { up: false }])), 'no majority up: no leader possible');
  assert.equal(caption(v([{ up: false }])), 'every node is down');
  assert.equal(caption(v([{ up: true, role: 'leader' }], false)), 'halted: safety violated');
});

test('routine events are what the engine leaves out; filters that show them ask for all', () => {
  const routine = ['send', 'deliver', 'drop', 'duplicate', 'append', 'commit', 'apply'];
  for (const kind of routine) assert.equal(isRoutine({ kind }), true, kind);
  for (const kind of ['role', 'timeout', 'crash', 'snapshot-send', 'conf-change', 'client-return', 'command', 'violation']) assert.equal(isRoutine({ kind }), false, kind);
  // A filter asks for notable events only when it never shows a routine one.
  for (const f of FILTERS) {
    const shows = routine.some((kind) => matches({ kind }, f.value));
    assert.equal(detailFor(f.value), shows ? 'all' : 'notable', f.value);
  }
});

test('the slider markers differ by shape, and the legend draws the same shapes', async () => {
  const { MARKER_SHAPES } = await import('./render/chrome.js');
  const { readFile } = await import('node:fs/promises');
  const html = await readFile(new URL('../index.html', import.meta.url), 'utf8');
  const legend = Object.fromEntries([...html.matchAll(/<path class="mk (\w+)" d="([^"]+)"/g)].map((m) => [m[1], m[2]]));
  assert.deepEqual(legend, MARKER_SHAPES);
  assert.equal(new Set(Object.values(MARKER_SHAPES)).size, Object.keys(MARKER_SHAPES).length, 'every kind its own shape');
  for (const e of [{ kind: 'role', type: 'leader' }, { kind: 'crash' }, { kind: 'restart' }, { kind: 'partition' }, { kind: 'command', type: 'set' }, { kind: 'violation' }]) {
    const mk = markerOf({ at: 1, node: 1, term: 2, text: 't', ...e });
    assert.ok(MARKER_SHAPES[mk.cls], `${e.kind} has a shape`);
  }
});

test('the actual-speed meter measures over a second and shows only a shortfall', () => {
  let m = meterStep(null, 0, 0, true);
  m = meterStep(m, 500, 2000, true);
  assert.equal(m.rate, null, 'no rate before a full window');
  m = meterStep(m, 1000, 45000, true);
  assert.equal(m.rate, 45);
  assert.equal(lagging(m.rate, 100), 45);
  assert.equal(lagging(m.rate, 50), null, 'within 10% of 50x: keeping up');
  assert.equal(meterStep(m, 1100, 100, true).rate, 45, 'a seek back keeps the last rate and restarts the window');
  assert.equal(meterStep(m, 1100, 46000, false).rate, null, 'paused: no rate');
  assert.deepEqual([formatRate(45.4), formatRate(2.46), formatRate(0.094)], ['45×', '2.5×', '0.09×']);
});

test('the election timer never reads a count past its own window', () => {
  const timing = { election_ticks: 5 };
  const t = electionTimer({ up: true, role: 'follower', election_elapsed: 12 }, timing);
  assert.ok(t.elapsed <= t.max, `elapsed ${t.elapsed} of ${t.min}–${t.max}`);
  for (const s of [t.text, t.short]) {
    assert.doesNotMatch(s, /12/);
    assert.match(s, /10\+ of 5–10 ticks/);
    assert.match(s, /approximate/);
  }
  const u = electionTimer({ up: true, role: 'follower', election_elapsed: 7 }, timing);
  assert.equal(u.short, '≈ 7 of 5–10 ticks, may fire (approximate)');
  assert.equal(electionTimer({ up: true, role: 'follower', election_elapsed: 3 }, timing).short, '≈ 3 of 5–10 ticks (approximate)');
});
