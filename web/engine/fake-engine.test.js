import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeEngine } from './fake-engine.js';

const leaderOf = (f) => f.view.nodes.find((n) => n.up && n.role === 'leader');

async function elected(e, nodes = 5, seed = 1) {
  await e.call('create', { nodes, seed });
  let f;
  for (let i = 0; i < 40; i++) {
    f = await e.call('frame', { advance_ms: 100, since: 0, log_window: 30 });
    if (leaderOf(f)) return f;
  }
  throw new Error('no leader');
}

test('the fake cluster elects a leader and replicates a write to every node', async () => {
  const e = await FakeEngine.start();
  const f0 = await elected(e);
  assert.equal(f0.view.nodes.length, 5);
  await e.call('command', { kind: 'set', key: 'color', value: 'teal' });
  const f = await e.call('frame', { advance_ms: 500, since: 0 });
  for (const n of f.view.nodes) {
    assert.deepEqual(n.kv.pairs, [{ key: 'color', value: 'teal' }], `n${n.id}`);
    assert.equal(n.kv.count, 1);
    assert.equal(n.kv.digest, f.view.nodes[0].kv.digest, 'equal stores show equal digests');
    assert.equal(n.commit, n.applied);
  }
  assert.ok(f.events.some((x) => x.kind === 'client-return' && !x.client && /set color=teal #1 → OK/.test(x.text)));
});

test('errors carry the protocol kinds', async () => {
  const e = await FakeEngine.start();
  await assert.rejects(e.call('frame', {}), (err) => err.kind === 'bad-request');
  await e.call('create', {});
  await assert.rejects(e.call('command', { kind: 'crash', node: 9 }), (err) => err.kind === 'unknown-node' && /nodes are 1 to 5/.test(err.message));
  await assert.rejects(e.call('command', { kind: 'restart', node: 1 }), (err) => err.kind === 'impossible');
  await assert.rejects(e.call('command', { kind: 'drop', msg: 999 }), (err) => err.kind === 'unknown-message');
  await assert.rejects(e.call('create', { nodes: 12 }), (err) => err.kind === 'bad-config');
});

test('crashing the leader elects another; seek and import reproduce the run', async () => {
  const e = await FakeEngine.start();
  const f0 = await elected(e, 5, 7);
  const old = leaderOf(f0).id;
  await e.call('command', { kind: 'crash', node: old });
  const f1 = await e.call('frame', { advance_ms: 3000, since: 0 });
  assert.ok(leaderOf(f1) && leaderOf(f1).id !== old);
  const at = f1.view.time;
  const session = await e.call('export');
  assert.equal(session.until, at);
  const back = await e.call('seek', { t: 300, since: 0 });
  assert.equal(back.view.time, 300);
  const again = await e.call('seek', { t: at, since: 0 });
  assert.deepEqual(again.view, f1.view, 'replaying the recorded past gives the same view');
  const e2 = await FakeEngine.start();
  const imported = await e2.call('import', session);
  assert.deepEqual(imported.view, f1.view);
});

test('manual mode holds messages until delivered', async () => {
  const e = await FakeEngine.start();
  await elected(e);
  await e.call('command', { kind: 'manual', on: true });
  const f = await e.call('frame', { advance_ms: 150, since: 0 });
  const held = f.view.messages.filter((m) => m.deliver_at === 0);
  assert.ok(held.length > 0);
  const g = await e.call('command', { kind: 'deliver', msg: held[0].id });
  assert.ok(!g.view.messages.some((m) => m.id === held[0].id));
});
