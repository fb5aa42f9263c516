import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeClientState, isolateState } from './actions.js';

const view = (clients, cuts = []) => ({
  nodes: [1, 2, 3].map((id) => ({ id, up: true, role: 'follower' })),
  clients: Array.from({ length: clients }, (_, i) => ({ id: i + 1 })),
  cuts,
});

test('−1 client is disabled, saying why, when there is no client', () => {
  const none = removeClientState(view(0));
  assert.equal(none.disabled, true);
  assert.match(none.title, /no client/i);
  const one = removeClientState(view(1));
  assert.equal(one.disabled, false);
  assert.match(one.title, /Remove a client/);
});

test('Isolate is disabled, saying why, on a node already isolated', () => {
  const both = (a, b) => [{ from: a, to: b }, { from: b, to: a }];
  const isolated = isolateState(view(0, [...both(1, 2), ...both(1, 3)]), 1);
  assert.equal(isolated.disabled, true);
  assert.match(isolated.title, /n1 is already isolated/);
  // One direction open to n3: isolating still cuts something.
  const partly = isolateState(view(0, [...both(1, 2), { from: 1, to: 3 }]), 1);
  assert.equal(partly.disabled, false);
  assert.equal(isolateState(view(0), 2).disabled, false);
  const single = { nodes: [{ id: 1, up: true }], clients: [], cuts: [] };
  assert.equal(isolateState(single, 1).disabled, true, 'a one-node cluster has no link to cut');
});
