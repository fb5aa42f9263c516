// End to end in node: the real worker.js, wasm_exec.js and seshat.wasm,
// driven through WasmEngine, with node's worker_threads standing in for a
// browser's Web Worker. It needs the built engine: `make wasm` (make
// test-web does it), or SESHAT_WASM_DIR naming a directory holding
// seshat.wasm and wasm_exec.js. Without one it skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webWorker as nodeWebWorker } from './testdata/node-worker.mjs';
import { WasmEngine } from './wasm-engine.js';

const dir = process.env.SESHAT_WASM_DIR || fileURLToPath(new URL('../', import.meta.url));
const built = existsSync(join(dir, 'seshat.wasm')) && existsSync(join(dir, 'wasm_exec.js'));
const skip = built ? false : `no seshat.wasm and wasm_exec.js in ${dir}: run make wasm`;

/** webWorker is a Worker class for WasmEngine.start (testdata/node-worker.mjs). */
const webWorker = ({ from = dir, mime = 'application/wasm' } = {}) => nodeWebWorker({ from, mime });

const leader = (frame) => frame.view.nodes.find((n) => n.up && n.role === 'leader');

test('the engine elects a leader within 5 virtual seconds', { skip }, async () => {
  globalThis.Worker = webWorker();
  const engine = await WasmEngine.start();
  try {
    const defaults = await engine.call('defaults');
    assert.equal(defaults.nodes, 5);
    let frame = await engine.call('create', { nodes: 5, seed: 1 });
    assert.equal(frame.view.nodes.length, 5);
    let seen = frame.events.length;
    for (let i = 0; i < 50; i++) {
      frame = await engine.call('frame', { advance_ms: 100, since: seen, log_window: 60, maintain_steps: 1000 });
      for (const e of frame.events) assert.equal(e.seq, ++seen, 'events arrive in order, each once');
    }
    assert.equal(frame.view.time, 5000);
    assert.ok(leader(frame), 'a leader by 5 s');
    assert.equal(frame.halted, null);

    frame = await engine.call('command', { kind: 'set', key: 'x', value: '42' });
    assert.equal(frame.events[0].seq, seen + 1, 'a command frame carries its own events');
    frame = await engine.call('frame', { advance_ms: 200, since: frame.events.at(-1).seq });
    assert.ok(frame.view.nodes.every((n) => n.kv.count === 1 && n.kv.pairs.some((kv) => kv.key === 'x' && kv.value === '42')));

    await assert.rejects(engine.call('command', { kind: 'crash', node: 9 }), (e) => e.kind === 'unknown-node');
    await assert.rejects(engine.call('frame', { advance_ms: 3600000 }), (e) => e.kind === 'bad-request');
    await assert.rejects(engine.call('warp'), (e) => e.kind === 'bad-request');

    const session = await engine.call('export');
    assert.equal(session.until, 5200);
    frame = await engine.call('seek', { t: 2500, since: 0 });
    assert.equal(frame.view.time, 2500);
    frame = await engine.call('import', session);
    assert.equal(frame.view.time, 5200);
    assert.ok((await engine.memory()) > 1 << 20, 'memory reports the instance size');
  } finally {
    engine.close();
  }
});

test('committed-log reads a node\'s committed log through the worker, a page at a time, to the end', { skip }, async () => {
  globalThis.Worker = webWorker();
  const engine = await WasmEngine.start();
  try {
    await engine.call('create', { nodes: 3, seed: 2, clients: { count: 2, rate_per_sec: 20, timeout_ms: 500, keys: 4 } });
    const frame = await engine.call('frame', { advance_ms: 3000, log_window: 1000 });
    const n = frame.view.nodes[1];
    const got = [];
    let from = 0, pages = 0;
    for (; pages < 1000; pages++) {
      const p = await engine.call('committed-log', { node: 2, from, limit: 10 });
      assert.equal(p.commit, n.commit);
      got.push(...p.entries);
      if (!p.next) break;
      from = p.next;
    }
    assert.ok(pages >= 2, `paged (${pages + 1} pages)`);
    assert.deepEqual(got, n.log.filter((e) => e.index <= n.commit), 'the committed entries the view shows, in order');
    await assert.rejects(engine.call('committed-log', { node: 4 }), (e) => e.kind === 'unknown-node' && /node 4/.test(e.message));
    await assert.rejects(engine.call('committed-log', { node: 2, limit: 1001 }), (e) => e.kind === 'bad-request' && /limit 1001/.test(e.message));
    await assert.rejects(engine.call('committed-log', { node: 2, from: n.commit + 2 }), (e) => e.kind === 'impossible' && /from /.test(e.message));
  } finally {
    engine.close();
  }
});

test('a wasm served with the wrong MIME type still loads', { skip }, async () => {
  globalThis.Worker = webWorker({ mime: 'application/octet-stream' });
  const engine = await WasmEngine.start();
  try {
    await engine.call('create', { nodes: 3, seed: 2 });
    const frame = await engine.call('frame', { advance_ms: 3000 });
    assert.ok(leader(frame));
  } finally {
    engine.close();
  }
});

test('a missing seshat.wasm is reported, not hung on', { skip }, async () => {
  const empty = mkdtempSync(join(tmpdir(), 'seshat-'));
  try {
    copyFileSync(join(dir, 'wasm_exec.js'), join(empty, 'wasm_exec.js'));
    globalThis.Worker = webWorker({ from: empty });
    await assert.rejects(WasmEngine.start(), (e) => e.kind === 'internal' && /cannot start the engine: .*seshat\.wasm: HTTP 404/.test(e.message));
    globalThis.Worker = webWorker({ from: join(empty, 'nowhere') });
    await assert.rejects(WasmEngine.start(), (e) => e.kind === 'internal' && /wasm_exec\.js/.test(e.message));
  } finally {
    rmSync(empty, { recursive: true });
  }
});

test('a long import reports progress, the worker answers while it runs, and cancel stops it', { skip }, async () => {
  globalThis.Worker = webWorker();
  const engine = await WasmEngine.start();
  try {
    await engine.call('create', { nodes: 3, seed: 2 });
    const limits = await engine.call('limits');
    const config = { ...(await engine.call('defaults')), nodes: 9 };
    await assert.rejects(engine.call('import', { version: 1, config, commands: [], until: 1e12 }),
      (e) => e.kind === 'bad-session' && e.message.includes('until is 1000000000000 ms') && e.message.includes(String(limits.max_until_ms)));
    const progress = [];
    let first;
    const started = new Promise((resolve) => { first = resolve; });
    engine.onProgress = (p) => { progress.push(p); if (p) first(p); };
    // Nine nodes for the longest session a link may ask for: many slices.
    const imp = engine.call('import', { version: 1, config, commands: [], until: limits.max_until_ms });
    const p = await Promise.race([started, imp]);
    assert.equal(p.op, 'import');
    assert.equal(p.until, limits.max_until_ms);
    const st = await engine.status();
    assert.equal(st.busy, true, 'the worker answers status while the import runs');
    assert.deepEqual(await engine.cancel(), { cancelled: true, op: 'import' });
    await assert.rejects(imp, (e) => e.kind === 'cancelled' && /import cancelled/.test(e.message));
    assert.equal(progress.at(-1), null, 'the progress ends');
    const frame = await engine.call('frame', { advance_ms: 0 });
    assert.equal(frame.view.nodes.length, 3, 'the cluster from before the import is still there');
    await engine.call('create', { nodes: 5, seed: 1 });
  } finally {
    engine.close();
  }
});
