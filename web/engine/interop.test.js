import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteropError, appendDirective, createInterop, loadScript, loadScriptIndex } from './interop.js';

// FakeWorker stands in for the browser's Worker: the test plays the worker.
class FakeWorker {
  static made = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.terminated = false;
    FakeWorker.made.push(this);
  }
  postMessage(m) { this.sent.push(m); }
  terminate() { this.terminated = true; }
  send(data) { this.onmessage({ data }); }
}

const last = () => FakeWorker.made.at(-1);

test('the worker starts on first use; play and export resolve with ok and reject with kind and line', async () => {
  const progress = [];
  const before = FakeWorker.made.length;
  const interop = createInterop({ Worker: FakeWorker, onProgress: (loaded, total) => progress.push([loaded, total]) });
  assert.equal(FakeWorker.made.length, before, 'no worker before the first call');
  const ready = interop.ready();
  const w = last();
  assert.ok(String(w.url).endsWith('/web/engine/interop-worker.js'), String(w.url));
  assert.equal(interop.ready(), ready, 'one worker, one readiness');
  w.send({ id: 0, loading: { loaded: 65536, total: 0 } });
  w.send({ id: 0, loading: { loaded: 100000, total: 100000 } });
  w.send({ id: 0, ready: true });
  await ready;
  assert.deepEqual(progress, [[65536, 0], [100000, 100000]]);

  const played = interop.play('campaign', 'campaign 1\n');
  assert.deepEqual(w.sent[0], { id: 1, op: 'play', args: { name: 'campaign', text: 'campaign 1\n' } });
  w.send({ id: 1, reply: { ok: { name: 'campaign', steps: [], matched: 0, total: 0, yours: 0 } } });
  assert.equal((await played).name, 'campaign');

  const bad = interop.play('mine', 'frobnicate\n');
  w.send({ id: 2, reply: { error: { kind: 'bad-script', message: 'mine:1: etcdscript: unknown directive: "frobnicate"', line: 1 } } });
  await assert.rejects(bad, (e) => e instanceof InteropError && e instanceof Error && e.kind === 'bad-script' && e.line === 1 && /frobnicate/.test(e.message));

  const ex = interop.exportSession({ version: 1 }, 'edn');
  assert.deepEqual(w.sent[2], { id: 3, op: 'export', args: { session: { version: 1 }, format: 'edn', page_url: '' } });
  w.send({ id: 3, reply: { error: { kind: 'bad-session', message: 'sim: invalid session: ...' } } });
  await assert.rejects(ex, (e) => e.kind === 'bad-session' && e.line === 0);

  const stray = interop.play('x', '');
  w.send({ id: 999, reply: { ok: 'stray' } });
  w.send(null);
  w.send({ id: 4 });
  await assert.rejects(stray, (e) => e.kind === 'internal' && /no answer/.test(e.message));

  const pending = interop.play('x', '');
  interop.close();
  assert.ok(w.terminated);
  await assert.rejects(pending, (e) => e.kind === 'closed');
  await assert.rejects(interop.play('x', ''), (e) => e.kind === 'closed');
  await assert.rejects(interop.exportSession({}, 'edn'), (e) => e.kind === 'closed');
});

test('a module that cannot start rejects ready and every call', async () => {
  const interop = createInterop({ Worker: FakeWorker });
  const played = interop.play('x', '');
  last().send({ id: 0, fatal: 'cannot start the interop module: interop.wasm: HTTP 404 Not Found' });
  await assert.rejects(played, (e) => e.kind === 'internal' && /404/.test(e.message));
  await assert.rejects(interop.ready(), /404/);
  await assert.rejects(interop.play('x', ''), /404/);
  interop.close();
});

test('a worker script that fails rejects its calls', async () => {
  const interop = createInterop({ Worker: FakeWorker });
  const ready = interop.ready();
  let prevented = false;
  last().onerror({ message: 'Uncaught SyntaxError', preventDefault() { prevented = true; } });
  await assert.rejects(ready, /interop worker failed: Uncaught SyntaxError/);
  assert.ok(prevented);
  interop.close();
});

test('close before any call starts no worker', async () => {
  const before = FakeWorker.made.length;
  const interop = createInterop({ Worker: FakeWorker });
  interop.close();
  await assert.rejects(interop.ready(), (e) => e.kind === 'closed');
  assert.equal(FakeWorker.made.length, before);
});

test('appendDirective makes a step of its own with no expected output', () => {
  assert.equal(appendDirective('', 'campaign 1'), '\ncampaign 1\n----\n\n');
  assert.equal(appendDirective('raft-state\n----\nok\n', 'stabilize'), 'raft-state\n----\nok\n\nstabilize\n----\n\n');
  assert.equal(appendDirective('raft-state\n----\nok', 'stabilize'), 'raft-state\n----\nok\n\nstabilize\n----\n\n');
});

test('loadScriptIndex resolves each script and the licence against the page; loadScript reads one', async () => {
  const fetched = [];
  const saved = globalThis.fetch;
  globalThis.fetch = async (url) => {
    fetched.push(String(url));
    if (String(url) === 'https://seshat.example/app/etcd-raft/index.json') {
      return new Response(JSON.stringify({ module: 'go.etcd.io/raft/v3', version: 'v3.7.0', license: 'etcd-raft/LICENSE.txt', scripts: [{ name: 'campaign', file: 'etcd-raft/testdata/campaign.txt', bytes: 3 }] }));
    }
    if (String(url).endsWith('/campaign.txt')) return new Response('abc');
    return new Response('nope', { status: 404, statusText: 'Not Found' });
  };
  try {
    const index = await loadScriptIndex('https://seshat.example/app/');
    assert.equal(index.scripts[0].url, 'https://seshat.example/app/etcd-raft/testdata/campaign.txt');
    assert.equal(index.licenseURL, 'https://seshat.example/app/etcd-raft/LICENSE.txt');
    assert.equal(await loadScript(index.scripts[0]), 'abc');
    await assert.rejects(loadScript({ url: 'https://seshat.example/app/etcd-raft/testdata/gone.txt' }), (e) => e.kind === 'internal' && /404/.test(e.message));
    await assert.rejects(loadScriptIndex('https://seshat.example/elsewhere/'), /make wasm/);
  } finally {
    globalThis.fetch = saved;
  }
});
