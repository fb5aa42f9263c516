import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeEngine } from './fake-engine.js';
import { LIMITS } from '../ui/schema.js';

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

test('committed-log reads a node\'s committed log a page at a time, to the end, and refuses bad arguments in Go\'s words', async () => {
  const e = await FakeEngine.start();
  await assert.rejects(e.call('committed-log', { node: 1 }), (err) => err.kind === 'bad-request' && /before create/.test(err.message));
  await elected(e);
  for (let i = 0; i < 12; i++) await e.call('command', { kind: 'set', key: `k${i}`, value: `v${i}` });
  const f = await e.call('frame', { advance_ms: 1000, log_window: 1000 });
  const n = f.view.nodes[2];
  const got = [];
  let from = 0, pages = 0;
  for (; pages < 100; pages++) {
    const p = await e.call('committed-log', { node: 3, from, limit: 5 });
    assert.equal(p.node, 3);
    assert.equal(p.commit, n.commit);
    assert.ok(p.entries.length <= 5);
    got.push(...p.entries);
    if (!p.next) break;
    from = p.next;
  }
  assert.ok(pages >= 2, `paged (${pages + 1} pages)`);
  assert.deepEqual(got.map((x) => x.index), Array.from({ length: n.commit - n.first_index + 1 }, (_, i) => n.first_index + i), 'every committed entry, in order');
  assert.deepEqual(got, n.log.filter((x) => x.index <= n.commit), 'the entries the view shows');
  assert.ok(got.some((x) => x.op.includes('k11=v11')));
  const last = await e.call('committed-log', { node: 3, from: n.commit + 1 });
  assert.deepEqual([last.entries, last.next], [[], undefined], 'past the commit index: an empty last page');
  const whole = await e.call('committed-log', { node: 3, limit: LIMITS.max_log_page });
  assert.equal(whole.entries.length, got.length);

  const refused = async (args, kind, text) => {
    await assert.rejects(e.call('committed-log', args), (err) => {
      assert.equal(err.kind, kind, JSON.stringify(args));
      assert.match(err.message, text, JSON.stringify(args));
      return true;
    });
  };
  await refused({}, 'bad-request', /^engine: committed-log: node 0 must be 1 or more$/);
  await refused({ node: 6 }, 'unknown-node', /^sim: unknown node: committed log: node 6; the nodes are 1 to 5$/);
  await refused({ node: 3, from: n.commit + 2 }, 'impossible', new RegExp(`from ${n.commit + 2}: n3 has committed up to ${n.commit}`));
  await refused({ node: 3, from: -1 }, 'bad-request', /^engine: committed-log: from -1 must be 0 \(the first the node holds\) or more$/);
  await refused({ node: 3, from: '3' }, 'bad-request', /^engine: committed-log: from "3" must be/);
  await refused({ node: 3, limit: -1 }, 'bad-request', new RegExp(`^engine: committed-log: limit -1 must be 0 \\(the default size\\) to ${LIMITS.max_log_page}$`));
  await refused({ node: 3, limit: LIMITS.max_log_page + 1 }, 'bad-request', /limit 1001 must be 0 \(the default size\) to 1000/);

  // Once a snapshot compacts the log, it is read from the first entry kept.
  for (let i = 0; i < 80; i++) await e.call('command', { kind: 'set', key: `m${i}`, value: 'x' });
  const g = await e.call('frame', { advance_ms: 2000 });
  const c = g.view.nodes[2];
  assert.ok(c.first_index > 1, `n3 compacted its log (first ${c.first_index})`);
  assert.equal((await e.call('committed-log', { node: 3 })).entries[0].index, c.first_index);
  await refused({ node: 3, from: 1 }, 'impossible', new RegExp(`from 1: n3's entries before ${c.first_index} are compacted into its snapshot; read from ${c.first_index} to ${c.commit}`));
});

test('reseed draws the fake cluster\'s random numbers from its seed from then on, in the Go event\'s words', async () => {
  const run = async (seed) => {
    const e = await FakeEngine.start();
    await e.call('create', { nodes: 5, seed: 3 });
    await e.call('frame', { advance_ms: 1000 });
    const at = (await e.call('frame', {})).view.time;
    if (seed !== undefined) await e.call('command', { kind: 'reseed', seed });
    const f = await e.call('frame', { advance_ms: 3000, since: 0 });
    const after = f.events.filter((x) => x.at > at && x.type !== 'reseed').map((x) => `${x.at} ${x.kind} ${x.text}`);
    assert.ok(after.length > 20, `${after.length} events after the reseed`);
    return { at, f, sent: after.join('\n') };
  };
  const plain = await run(), a = await run(7), b = await run(7);
  assert.equal(a.sent, b.sent, 'the same reseed gives the same run');
  assert.notEqual(a.sent, plain.sent, 'a reseed changes the run after it');
  const ev = a.f.events.find((x) => x.kind === 'command' && x.type === 'reseed');
  assert.equal(ev.text, 'random numbers from seed 7 from now on');
  assert.equal(ev.at, a.at);
});
