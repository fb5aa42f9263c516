import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, EngineError, WasmEngine } from './wasm-engine.js';

function fakePort(answer) {
  const port = {
    sent: [],
    postMessage(m) {
      this.sent.push(m);
      queueMicrotask(() => port.onmessage({ data: { id: m.id, reply: answer(m) } }));
    },
  };
  return port;
}

test('calls resolve with results and reject with kinds', async () => {
  const port = fakePort((m) => (m.op === 'ok' ? { ok: true, result: { n: 1 } } : { ok: false, error: 'nope', kind: 'bad-command' }));
  const c = new Client(port);
  assert.deepEqual(await c.call('ok'), { n: 1 });
  await assert.rejects(c.call('bad'), (e) => e instanceof EngineError && e instanceof Error && e.kind === 'bad-command' && e.message === 'nope');
  assert.equal(port.sent.length, 2);
  assert.notEqual(port.sent[0].id, port.sent[1].id);
  assert.deepEqual(port.sent[0].args, {}, 'args default to {}');
});

test('a fatal load error rejects ready and every later call', async () => {
  const port = { postMessage() {} };
  const c = new Client(port);
  port.onmessage({ data: { id: 0, fatal: 'no wasm' } });
  await assert.rejects(c.readyPromise, /no wasm/);
  await assert.rejects(c.call('frame'), (e) => e.kind === 'internal' && /no wasm/.test(e.message));
});

test('answers are matched by id, in any order; strays and junk are ignored', async () => {
  const port = { sent: [], postMessage(m) { this.sent.push(m); } };
  const c = new Client(port);
  const a = c.call('frame', { advance_ms: 1 });
  const b = c.call('frame', { advance_ms: 2 });
  port.onmessage({ data: { id: 999, reply: { ok: true, result: 'stray' } } });
  port.onmessage({ data: null });
  port.onmessage({ data: { id: port.sent[1].id, reply: { ok: true, result: 'b' } } });
  port.onmessage({ data: { id: port.sent[0].id, reply: { ok: true, result: 'a' } } });
  assert.deepEqual([await a, await b], ['a', 'b']);
  const c2 = c.call('frame');
  port.onmessage({ data: { id: port.sent[2].id } });
  await assert.rejects(c2, (e) => e.kind === 'internal' && /no answer/.test(e.message));
});

// FakeWorker stands in for the browser's Worker: the test plays the worker.
class FakeWorker {
  static last = null;
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.terminated = false;
    FakeWorker.last = this;
  }
  postMessage(m) { this.sent.push(m); }
  terminate() { this.terminated = true; }
  send(data) { this.onmessage({ data }); }
}

async function started() {
  const p = WasmEngine.start();
  await Promise.resolve();
  return { p, w: FakeWorker.last };
}

test('start resolves when the worker is ready; call and close', async () => {
  globalThis.Worker = FakeWorker;
  const { p, w } = await started();
  assert.ok(String(w.url).endsWith('/web/engine/worker.js'), String(w.url));
  w.send({ id: 0, ready: true });
  const engine = await p;

  const frame = engine.call('create', { nodes: 3 });
  assert.deepEqual(w.sent[0], { id: 1, op: 'create', args: { nodes: 3 } });
  w.send({ id: 1, reply: { ok: true, result: { view: { time: 0 } } } });
  assert.deepEqual(await frame, { view: { time: 0 } });

  const cmd = engine.call('command', { kind: 'crash', node: 9 });
  w.send({ id: 2, reply: { ok: false, error: 'sim: unknown node: crash: node 9; nodes are 1 to 5', kind: 'unknown-node' } });
  await assert.rejects(cmd, (e) => e.kind === 'unknown-node' && e.message.includes('node 9'));

  const mem = engine.memory();
  assert.equal(w.sent[2].op, '__memory');
  w.send({ id: 3, reply: { ok: true, result: { wasm_bytes: 4096 } } });
  assert.equal(await mem, 4096);

  const pending = engine.call('frame', { advance_ms: 100 });
  engine.close();
  assert.ok(w.terminated);
  await assert.rejects(pending, (e) => e.kind === 'closed');
  await assert.rejects(engine.call('frame'), (e) => e.kind === 'closed');
  w.send({ id: 4, reply: { ok: true, result: 'late' } }); // ignored
});

test('start rejects and stops the worker when the engine cannot load', async () => {
  globalThis.Worker = FakeWorker;
  const { p, w } = await started();
  w.send({ id: 0, fatal: 'cannot start the engine: seshat.wasm: HTTP 404 Not Found' });
  await assert.rejects(p, (e) => e instanceof EngineError && e.kind === 'internal' && /404/.test(e.message));
  assert.ok(w.terminated);
});

test('start rejects when the worker script fails', async () => {
  globalThis.Worker = FakeWorker;
  const { p, w } = await started();
  let prevented = false;
  w.onerror({ message: 'Uncaught SyntaxError', preventDefault() { prevented = true; } });
  await assert.rejects(p, /engine worker failed: Uncaught SyntaxError/);
  assert.ok(prevented && w.terminated);
});

test('an engine that stops later fails pending and later calls', async () => {
  globalThis.Worker = FakeWorker;
  const { p, w } = await started();
  w.send({ id: 0, ready: true });
  const engine = await p;
  const pending = engine.call('frame');
  w.send({ id: 0, fatal: 'the engine stopped (exit code 2); reload the page' });
  await assert.rejects(pending, /engine stopped/);
  await assert.rejects(engine.call('frame'), /engine stopped/);
});

test('progress of a long call reaches onProgress, then null when it is answered; cancel and status are calls of their own', async () => {
  const port = { sent: [], postMessage(m) { this.sent.push(m); } };
  const c = new Client(port);
  const seen = [];
  c.onProgress = (p) => seen.push(p);
  const imp = c.call('import', { version: 1 });
  const id = port.sent[0].id;
  port.onmessage({ data: { id, progress: { op: 'import', at: 5, until: 10 } } });
  port.onmessage({ data: { id: 777, progress: { op: 'seek' } } }); // nobody waits: ignored
  const cancel = c.cancel();
  assert.equal(port.sent[1].op, '__cancel');
  port.onmessage({ data: { id, reply: { ok: false, kind: 'cancelled', error: 'import cancelled' } } });
  port.onmessage({ data: { id: port.sent[1].id, reply: { ok: true, result: { cancelled: true, op: 'import' } } } });
  await assert.rejects(imp, (e) => e.kind === 'cancelled');
  assert.deepEqual(await cancel, { cancelled: true, op: 'import' });
  assert.deepEqual(seen, [{ op: 'import', at: 5, until: 10 }, null]);
  const st = c.status();
  assert.equal(port.sent[2].op, '__status');
  port.onmessage({ data: { id: port.sent[2].id, reply: { ok: true, result: { busy: false } } } });
  assert.deepEqual(await st, { busy: false });
});
