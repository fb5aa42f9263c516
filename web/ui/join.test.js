import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinFlow, JOIN } from './join.js';

/**
 * harness builds a flow on a fake engine: the worker and the member are
 * fakes whose start resolves or rejects as told; it records what the flow
 * shows and says.
 */
function harness({ workerFails = 0, joinFails = 0, joined = { node: 4, learner: false } } = {}) {
  const h = { shown: [], notices: [], errors: [], hosted: [], workers: 0, members: [], stops: 0 };
  class FakeMember {
    constructor(opts) { this.opts = opts; this.view = null; h.members.push(this); }
    async start() {
      if (joinFails-- > 0) throw new Error('the cluster refused');
      this.view = { id: joined.node };
      this.opts.onView(this.view);
      return joined;
    }
    stop() { h.stops++; }
  }
  const native = { name: 'native' };
  h.flow = new JoinFlow({
    load: async () => ({
      startWorker: async () => { h.workers++; if (workerFails-- > 0) throw new Error('no worker'); return { name: 'worker' }; },
      PageMember: FakeMember,
      memberText: (v) => `n${v.id} here`,
    }),
    native: () => native,
    show: (p) => h.shown.push({ ...p, state: h.flow.state }),
    hosted: (id) => h.hosted.push(id),
    notice: (t) => h.notices.push(t),
    error: (t) => h.errors.push(t),
  });
  h.native = native;
  return h;
}

test('a join goes idle, starting, asking, joined and shows each step', async () => {
  const h = harness();
  assert.equal(h.flow.state, JOIN.IDLE);
  assert.equal(h.flow.view, null);
  assert.equal(await h.flow.join(), true);
  assert.equal(h.flow.state, JOIN.JOINED);
  assert.deepEqual(h.shown.map((s) => s.state), [JOIN.STARTING, JOIN.ASKING, JOIN.ASKING, JOIN.JOINED]);
  assert.equal(h.shown[0].disabled, true);
  assert.equal(h.shown[2].status, 'n4 here');
  assert.equal(h.shown[3].button, 'n4 runs in this page');
  assert.equal(h.members[0].opts.native, h.native);
  assert.deepEqual(h.hosted, [4]);
  assert.match(h.notices[0], /n4 joined the native cluster from this page as a voter/);
  assert.deepEqual(h.errors, []);
  assert.deepEqual(h.flow.view, { id: 4 });
  assert.equal(await h.flow.join(), false, 'a second join does nothing');
  assert.equal(h.members.length, 1);
});

test('a learner is told it does not vote', async () => {
  const h = harness({ joined: { node: 5, learner: true } });
  await h.flow.join();
  assert.match(h.notices[0], /n5 .* as a learner: it receives the log but does not vote/);
});

test('a refused join stops the member, says why, and can be retried on the same worker', async () => {
  const h = harness({ joinFails: 1 });
  assert.equal(await h.flow.join(), false);
  assert.equal(h.flow.state, JOIN.FAILED);
  assert.equal(h.stops, 1);
  assert.equal(h.flow.view, null);
  const last = h.shown[h.shown.length - 1];
  assert.deepEqual(last, { disabled: false, status: 'Join from this page failed: the cluster refused', state: JOIN.FAILED });
  assert.deepEqual(h.errors, ['Join from this page: the cluster refused']);
  assert.equal(await h.flow.join(), true);
  assert.equal(h.workers, 1, 'the worker is reused');
  assert.equal(h.members.length, 2);
});

test('a worker that does not start fails the join with nothing to stop', async () => {
  const h = harness({ workerFails: 1 });
  assert.equal(await h.flow.join(), false);
  assert.equal(h.stops, 0);
  assert.deepEqual(h.errors, ['Join from this page: no worker']);
  assert.equal(await h.flow.join(), true);
  assert.equal(h.workers, 2);
});

test('a join pressed twice while starting joins once', async () => {
  const h = harness();
  const [a, b] = await Promise.all([h.flow.join(), h.flow.join()]);
  assert.deepEqual([a, b], [true, false]);
  assert.equal(h.members.length, 1);
});

test('stop stops the hosted node, and is harmless before a join', async () => {
  const h = harness();
  h.flow.stop();
  assert.equal(h.stops, 0);
  await h.flow.join();
  h.flow.stop();
  assert.equal(h.stops, 1);
});
