import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, EngineError } from './wasm-engine.js';

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
  await assert.rejects(c.call('bad'), (e) => e instanceof EngineError && e.kind === 'bad-command' && e.message === 'nope');
  assert.equal(port.sent.length, 2);
  assert.notEqual(port.sent[0].id, port.sent[1].id);
});

test('a fatal load error rejects ready and every later call', async () => {
  const port = { postMessage() {} };
  const c = new Client(port);
  port.onmessage({ data: { id: 0, fatal: 'no wasm' } });
  await assert.rejects(c.readyPromise, /no wasm/);
  await assert.rejects(c.call('frame'), /no wasm/);
});
