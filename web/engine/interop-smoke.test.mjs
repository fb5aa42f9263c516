// End to end in node: the real interop-worker.js, wasm_exec.js and
// interop.wasm, driven through createInterop, with node's worker_threads
// standing in for a browser's Web Worker (as node-smoke.test.mjs runs the
// engine). It needs the built module and etcd raft's scripts: `make wasm`
// (make test-web does it), or SESHAT_WASM_DIR naming a directory holding
// interop.wasm, wasm_exec.js and etcd-raft/. Without them it skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webWorker as nodeWebWorker } from './testdata/node-worker.mjs';
import { appendDirective, createInterop } from './interop.js';
import { WasmEngine } from './wasm-engine.js';

const dir = process.env.SESHAT_WASM_DIR || fileURLToPath(new URL('../', import.meta.url));
const built = ['interop.wasm', 'wasm_exec.js', 'etcd-raft/index.json'].every((f) => existsSync(join(dir, f)));
const skip = built ? false : `no interop.wasm, wasm_exec.js and etcd-raft/ in ${dir}: run make wasm`;
const engineBuilt = existsSync(join(dir, 'seshat.wasm'));

/** webWorker is a Worker class reading the build outputs in from (testdata/node-worker.mjs). */
const webWorker = (from = dir) => nodeWebWorker({ from });

const index = built ? JSON.parse(readFileSync(join(dir, 'etcd-raft/index.json'), 'utf8')) : null;
const script = (name) => readFileSync(join(dir, index.scripts.find((s) => s.name === name).file), 'utf8');

test('the index lists etcd raft\'s 28 scripts with their sizes and licence', { skip }, () => {
  assert.equal(index.module, 'go.etcd.io/raft/v3');
  assert.match(index.version, /^v3\./);
  assert.equal(index.license, 'etcd-raft/LICENSE.txt');
  assert.match(readFileSync(join(dir, index.license), 'utf8'), /Apache License/);
  assert.equal(index.scripts.length, 28);
  for (const s of index.scripts) {
    assert.equal(s.file, `etcd-raft/testdata/${s.name}.txt`);
    assert.equal(readFileSync(join(dir, s.file)).length, s.bytes, s.name);
  }
});

test('the real module plays campaign.txt with every step matching, then every script', { skip }, async () => {
  const progress = [];
  const interop = createInterop({ Worker: webWorker(), onProgress: (loaded, total) => progress.push([loaded, total]) });
  try {
    await interop.ready();
    assert.ok(progress.length > 0, 'the download reports progress');
    const [loaded, total] = progress.at(-1);
    assert.ok(loaded > 1 << 20 && loaded === total, `${loaded} of ${total}`);

    const res = await interop.play('campaign', script('campaign'));
    assert.equal(res.name, 'campaign');
    assert.ok(res.total > 3 && res.matched === res.total && res.yours === 0, `${res.matched} of ${res.total}`);
    for (const st of res.steps) {
      assert.ok(st.matches && !st.yours && st.expected !== '', `line ${st.line}: ${st.text}`);
    }
    const end = res.steps.at(-1).nodes;
    assert.deepEqual(end.map((n) => n.id), [1, 2, 3]);
    assert.equal(end.find((n) => n.role === 'leader').id, 1);

    // Taken over: typed directives run on the cluster the script left.
    const mine = await interop.play('campaign', appendDirective(appendDirective(script('campaign'), 'propose 1 hi'), 'stabilize'));
    assert.equal(mine.yours, 2);
    assert.equal(mine.matched, res.total);
    assert.ok(mine.steps.at(-1).nodes.every((n) => n.log.at(-1).op === '"hi"' && n.commit === n.last_index));

    // A refused directive names its line, whoever refuses it: the module
    // before etcd, InteractionEnv's argument parsing (its t.Fatal, outside
    // a test binary), etcd panicking. The module keeps working.
    for (const [directive, why] of [
      ['campaign 9', /node 9 does not exist/],
      ['set-randomized-election-timeout 1 timeout=(3,4)', /InteractionEnv refused/],
      ['compact 1 1000', /etcd panicked: compact 1000 is out of bound/],
    ]) {
      const text = appendDirective(script('campaign'), directive);
      await assert.rejects(interop.play('campaign', text),
        (e) => e.kind === 'bad-script' && e.line === text.split('\n').length - 3 && why.test(e.message), directive);
    }

    let slowest = { ms: 0 };
    for (const s of index.scripts) {
      const t0 = performance.now();
      const r = await interop.play(s.name, script(s.name));
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, name: s.name };
      assert.ok(r.total > 0 && r.matched === r.total, `${s.name}: ${r.matched} of ${r.total}`);
    }
    console.log(`interop: the slowest of ${index.scripts.length} plays: ${slowest.name}, ${slowest.ms.toFixed(0)} ms`);
  } finally {
    interop.close();
  }
});

test('the real module exports a session of the real engine in every format', { skip: skip || (!engineBuilt && 'no seshat.wasm: run make wasm') }, async () => {
  globalThis.Worker = webWorker();
  const engine = await WasmEngine.start();
  const interop = createInterop({ Worker: webWorker() });
  try {
    await engine.call('create', { nodes: 3, seed: 5 });
    await engine.call('frame', { advance_ms: 1500 });
    await engine.call('command', { kind: 'set', key: 'x', value: '1' });
    await engine.call('frame', { advance_ms: 500 });
    const session = await engine.call('export');
    const formats = await interop.formats();
    assert.deepEqual(formats.map((f) => f.format).slice(0, 4), ['edn', 'trace', 'porcupine', 'etcd-script']);
    const want = { edn: '{:type :invoke, :f :write', trace: '{"traceEvents":[', porcupine: 'https://seshat.example/#s=z', 'etcd-script': 'add-nodes 3' };
    for (const { format, filename, mime } of formats) {
      const out = await interop.exportSession(session, format, 'https://seshat.example/');
      assert.equal(out.format, format);
      assert.equal(out.filename, filename);
      assert.equal(out.mime, mime);
      if (want[format]) assert.ok(out.text.includes(want[format]), `${format}: ${out.text.slice(0, 200)}`);
    }
    await assert.rejects(interop.exportSession(session, 'pdf'), (e) => e.kind === 'bad-request' && /unknown format "pdf"/.test(e.message));
    await assert.rejects(interop.exportSession({ ...session, version: 9 }, 'edn'), (e) => e.kind === 'bad-session' && /version 9/.test(e.message));
  } finally {
    engine.close();
    interop.close();
  }
});

test('a missing interop.wasm is reported, not hung on', { skip }, async () => {
  const empty = mkdtempSync(join(tmpdir(), 'seshat-'));
  try {
    copyFileSync(join(dir, 'wasm_exec.js'), join(empty, 'wasm_exec.js'));
    const interop = createInterop({ Worker: webWorker(empty) });
    await assert.rejects(interop.play('campaign', ''), (e) => e.kind === 'internal' && /cannot start the interop module: .*interop\.wasm: HTTP 404/.test(e.message));
    interop.close();
  } finally {
    rmSync(empty, { recursive: true });
  }
});
