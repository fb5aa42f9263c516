// Members hosted outside a native cluster (a page, a devserver -join
// process): the page offers only the commands the engine says apply, and a
// member that left is shown as left, not crashed. DOM-free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roleOf, refusedAction, nodeSummary, ROLES, electionTimer } from './roles.js';
import { describeChanges } from './announce.js';
import { caption } from './render/ring.js';

const why = 'n6 is a member hosted outside this server (by a page or a `devserver -join` process): the server cannot crash or restart it';
const member = { id: 6, up: true, role: 'follower', term: 3, leader: 1, commit: 9, applied: 9, member: true, unavailable: { crash: why, restart: why, isolate: 'no isolate', campaign: 'no timeout', cut: 'no cut' } };
const left = { id: 6, up: false, left: true, member: true, term: 3, vote: 2, commit: 9, unavailable: { crash: 'n6 left', restart: 'n6 left', isolate: 'n6 left', campaign: 'n6 left', transfer: 'n6 left', cut: 'n6 left' } };

test('refusedAction reads the engine\'s reasons, and nothing else', () => {
  assert.equal(refusedAction(member, 'crash'), why);
  assert.equal(refusedAction(member, 'campaign'), 'no timeout');
  assert.equal(refusedAction(member, 'transfer'), '', 'transfer to a present member applies');
  assert.equal(refusedAction({ id: 1, up: true }, 'crash'), '', 'a simulated node has no reasons');
  assert.equal(refusedAction(null, 'crash'), '');
  assert.equal(refusedAction({ unavailable: { crash: 7 } }, 'crash'), '', 'a reason that is not text is ignored');
  assert.equal(refusedAction({ unavailable: {} }, 'toString'), '', 'inherited names are not reasons');
  for (const a of ['crash', 'restart', 'isolate', 'campaign', 'transfer', 'cut']) assert.ok(refusedAction(left, a), `${a} on a member that left`);
});

test('a member that left is drawn as left, not crashed, with no timer', () => {
  assert.equal(roleOf(left), 'left');
  assert.equal(ROLES[roleOf(left)].label, 'Left');
  assert.equal(nodeSummary(left), 'n6: left the cluster');
  assert.equal(electionTimer(left, { election_ticks: 5 }), null);
  assert.equal(roleOf({ id: 2, up: false }), 'down', 'a crashed native node is still down');
  assert.match(nodeSummary(member), /member hosted outside the server/);
  const before = { nodes: [{ ...member }], safety: { ok: true } };
  const after = { nodes: [left], safety: { ok: true } };
  assert.deepEqual(describeChanges(before, after).map((c) => c.text), ['n6 left the cluster.']);
});

test('members that left do not count towards a majority', () => {
  const up = (id) => ({ id, up: true, role: 'follower' });
  const gone = (id) => ({ id, up: false, left: true });
  const view = { safety: { ok: true }, nodes: [up(1), up(2), { id: 3, up: false }, gone(4), gone(5)] };
  assert.equal(caption(view), 'electing a leader…');
  view.nodes[1] = { id: 2, up: false };
  assert.equal(caption(view), 'no majority up: no leader possible');
});
