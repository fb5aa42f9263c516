import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageMember, toBase64, fromBase64, memberText, reportOf, MAX_PENDING_TICKS, REPORT_MS, REPORT_BYTES } from './page-member.js';
import { NativeEngine } from './native-engine.js';

/** fakeNative stands for NativeEngine: join answers at once (or when released), sendRaft records. */
function fakeNative({ hold = false } = {}) {
  const n = {
    sent: [],
    onRaft: null,
    release: null,
    join() {
      const reply = { node: 4, peers: [1, 2, 3], raft: { heartbeat_interval_ms: 10 }, max_message_bytes: 1 << 24 };
      if (!hold) return Promise.resolve(reply);
      return new Promise((resolve) => { n.release = () => resolve(reply); });
    },
    sendRaft(bytes) { n.sent.push(Array.from(bytes)); },
    reports: [],
    report(v) { n.reports.push(v); },
  };
  return n;
}

/** fakeWorker answers member calls: every stepped message comes back plus one byte, a tick answers [9]. */
function fakeWorker() {
  const w = {
    calls: [],
    async call(op, args) {
      w.calls.push({ op, args });
      let messages = [];
      if (op === 'member-step') messages = args.messages.map((m) => toBase64(Uint8Array.from([...fromBase64(m), 1])));
      if (op === 'member-tick') messages = [toBase64(Uint8Array.of(9))];
      const view = {
        id: 4, up: true, role: 'follower', term: 2, vote: 1, leader: 1, commit: 3, applied: 3, last_index: 3, first_index: 1, snapshot_index: 0, snapshot_term: 0,
        election_elapsed: 2, voters: [1, 2, 3, 4], log: [], log_omitted: 0, kv: { count: 1, digest: '00000000000000aa', from: '', pairs: [{ key: 'k', value: 'v' }], next: '' },
      };
      return { messages, view, events: [] };
    },
  };
  return w;
}

function fakeClock() {
  const c = { fns: new Map(), next: 1, cleared: [], t: 0 };
  c.now = () => c.t;
  c.setInterval = (fn, ms) => { const id = c.next++; c.fns.set(id, { fn, ms }); return id; };
  c.clearInterval = (id) => { c.fns.delete(id); c.cleared.push(id); };
  return c;
}

const settle = async (pm) => { for (let i = 0; i < 5; i++) await pm.tail; };

test('base64 carries bytes as Go does', () => {
  const bytes = Uint8Array.from({ length: 70000 }, (_, i) => i % 256);
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.equal(toBase64(Uint8Array.of(0xff, 0x00, 0x10)), '/wAQ');
});

test('frames before the member starts wait, then go to the worker in order; answers go back as binary frames', async () => {
  const native = fakeNative({ hold: true });
  const worker = fakeWorker();
  const clock = fakeClock();
  const views = [];
  const pm = new PageMember({ native, worker, clock, onView: (v) => views.push(v) });
  const started = pm.start();
  // Frames can come before join's reply: the leader sends as soon as it has added the member.
  native.onRaft(Uint8Array.of(1));
  native.onRaft(Uint8Array.of(2));
  assert.equal(worker.calls.length, 0);
  native.release();
  const joined = await started;
  assert.equal(joined.node, 4);
  await settle(pm);
  assert.deepEqual(worker.calls[0], { op: 'member-start', args: { id: 4, raft: { heartbeat_interval_ms: 10 } } });
  assert.deepEqual(worker.calls[1], { op: 'member-step', args: { messages: [toBase64(Uint8Array.of(1)), toBase64(Uint8Array.of(2))] } });
  assert.deepEqual(native.sent, [[1, 1], [2, 1]]);
  assert.equal(pm.view.applied, 3);
  assert.match(memberText(pm.view), /^n4 is hosted in this page: follower in term 2, leader n1, applied 3 of 3, 1 key$/);
  assert.ok(views.length >= 2);

  // The wall clock ticks it every heartbeat interval.
  const [[id, { fn, ms }]] = [...clock.fns];
  assert.equal(ms, 10);
  fn();
  await settle(pm);
  assert.deepEqual(worker.calls.at(-1).op, 'member-tick');
  assert.deepEqual(native.sent.at(-1), [9]);

  // Stopped: no more ticks or steps.
  pm.stop();
  assert.deepEqual(clock.cleared, [id]);
  assert.equal(native.onRaft, null);
  const before = worker.calls.length;
  fn();
  pm.receive(Uint8Array.of(5));
  await settle(pm);
  assert.equal(worker.calls.length, before);
});

test('a slow worker makes ticks wait, then skip', async () => {
  const native = fakeNative();
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const worker = fakeWorker();
  const inner = worker.call;
  worker.call = async (op, args) => { if (op === 'member-tick') await gate; return inner(op, args); };
  const clock = fakeClock();
  const pm = new PageMember({ native, worker, clock });
  await pm.start();
  for (let i = 0; i < 5; i++) pm.tick();
  assert.equal(pm.counts.skippedTicks, 5 - MAX_PENDING_TICKS);
  release();
  await settle(pm);
  assert.equal(worker.calls.filter((c) => c.op === 'member-tick').length, MAX_PENDING_TICKS);
});

test('a failed join leaves nothing running', async () => {
  const native = fakeNative();
  native.join = () => Promise.reject(Object.assign(new Error('no leader'), { kind: 'unavailable' }));
  const clock = fakeClock();
  const pm = new PageMember({ native, worker: fakeWorker(), clock });
  await assert.rejects(pm.start(), /no leader/);
  assert.equal(native.onRaft, null);
  assert.equal(clock.fns.size, 0);
});

/** fakeSocket answers join like the bridge, and records what the page sends. */
function fakeSocket() {
  const ws = {
    sent: [],
    readyState: 1,
    send(data) {
      ws.sent.push(data);
      if (typeof data !== 'string') return;
      const msg = JSON.parse(data);
      if (msg.op === 'join') queueMicrotask(() => ws.onmessage({ data: JSON.stringify({ id: msg.id, reply: { ok: true, result: { node: 6, peers: [1, 2, 3, 4, 5], raft: { heartbeat_interval_ms: 100 } } } }) }));
    },
    close() {},
  };
  return ws;
}

test('the native engine joins, hands binary frames to onRaft and sends raft messages as binary frames', async () => {
  const ws = fakeSocket();
  const engine = new NativeEngine(ws, 'ws://test/ws');
  assert.equal(ws.binaryType, 'arraybuffer');
  engine.hello = { engine: 'native', protocol: 1, join: false };
  await assert.rejects(engine.join(), (err) => err.kind === 'impossible');
  engine.hello.join = true;
  const j = await engine.join();
  assert.equal(j.node, 6);
  const got = [];
  engine.receive(Uint8Array.of(7, 8).buffer); // no listener yet: dropped
  engine.onRaft = (b) => got.push(Array.from(b));
  engine.receive(Uint8Array.of(1, 2, 3).buffer);
  engine.receive(new Uint8Array([0, 4, 5, 0]).subarray(1, 3));
  assert.deepEqual(got, [[1, 2, 3], [4, 5]]);
  engine.sendRaft(Uint8Array.of(9));
  assert.deepEqual(Array.from(ws.sent.at(-1)), [9]);
  engine.close();
});

test('the member view is reported to the server at most every REPORT_MS, its pairs cut to fit a frame', async () => {
  const native = fakeNative();
  const clock = fakeClock();
  const pm = new PageMember({ native, worker: fakeWorker(), clock });
  await pm.start();
  assert.equal(native.reports.length, 1);
  assert.deepEqual(Object.keys(native.reports[0]).sort(), ['applied', 'commit', 'election_elapsed', 'first_index', 'id', 'kv', 'last_index', 'leader', 'log', 'log_omitted', 'role', 'snapshot_index', 'snapshot_term', 'term', 'vote']);
  assert.equal(native.reports[0].election_elapsed, 2, 'the member\'s election clock reaches the server, which draws its timer');
  pm.tick();
  await settle(pm);
  assert.equal(native.reports.length, 1);
  clock.t += REPORT_MS;
  pm.tick();
  await settle(pm);
  assert.equal(native.reports.length, 2);
  const big = { id: 4, kv: { count: 9000, digest: 'ab'.repeat(8), from: '', next: 'key5000', pairs: Array.from({ length: 5000 }, (_, i) => ({ key: `key${i}`, value: 'x'.repeat(20) })) } };
  const r = reportOf(big);
  assert.ok(r.kv.pairs.length > 100 && r.kv.pairs.length < 5000);
  assert.equal(r.kv.count, 9000);
  assert.equal(r.kv.next, `key${r.kv.pairs.length}`);
  assert.ok(JSON.stringify(r).length < REPORT_BYTES + 4096);
});
