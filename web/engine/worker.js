// Seshat's engine worker: runs the simulator (Go compiled to WebAssembly) off
// the page's main thread. It answers postMessage({id, op, args}) with
// postMessage({id, reply}), where reply is the engine's JSON answer, parsed
// (see docs/engine-protocol.md). A classic worker, so importScripts can load
// Go's wasm_exec.js, which is not a module.
/* global importScripts, Go, seshat */
'use strict';

const base = new URL('../', self.location.href);
let ready;

const timing = { start: performance.timeOrigin + performance.now() };

async function load() {
  importScripts(new URL('wasm_exec.js', base).href);
  const go = new Go();
  const url = new URL('seshat.wasm', base).href;
  let result;
  try {
    result = await WebAssembly.instantiateStreaming(fetch(url), go.importObject);
    timing.instantiated = performance.timeOrigin + performance.now();
  } catch (err) {
    // Served with the wrong MIME type, or no streaming support: fall back.
    const bytes = await (await fetch(url)).arrayBuffer();
    result = await WebAssembly.instantiate(bytes, go.importObject);
  }
  go.run(result.instance); // returns when the Go program exits; it never does
  for (let i = 0; i < 1000 && typeof self.seshat === 'undefined'; i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
  if (typeof self.seshat === 'undefined') throw new Error('the engine did not start');
  self.wasmMemory = result.instance.exports.mem;
  timing.ready = performance.timeOrigin + performance.now();
}

ready = load().then(
  () => self.postMessage({ id: 0, ready: true, timing }),
  (err) => self.postMessage({ id: 0, fatal: `cannot start the engine: ${err && err.message ? err.message : err}` }),
);

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    await ready;
    if (op === '__memory') {
      const mem = self.wasmMemory ? self.wasmMemory.buffer.byteLength : 0;
      self.postMessage({ id, reply: { ok: true, result: { wasm_bytes: mem } } });
      return;
    }
    const out = seshat.call(op, JSON.stringify(args ?? {}));
    self.postMessage({ id, reply: JSON.parse(out) });
  } catch (err) {
    self.postMessage({ id, reply: { ok: false, kind: 'internal', error: `engine worker: ${err && err.message ? err.message : err}` } });
  }
};
