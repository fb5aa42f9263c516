// Seshat's engine worker: runs the simulator (Go compiled to WebAssembly, see
// wasm/) off the page's main thread.
//
// It is a classic worker (new Worker(url), not {type: 'module'}) because Go's
// wasm_exec.js is a classic script that sets globalThis.Go, and only classic
// workers have importScripts. Chromium, Firefox and Safari all run it.
//
// Protocol (docs/engine-protocol.md):
//   page -> worker  {id, op, args}       id > 0; args is any JSON value
//   worker -> page  {id, reply}          reply = JSON.parse(seshat.call(op, JSON.stringify(args)))
//   worker -> page  {id: 0, ready: true} once, when the engine is running
//   worker -> page  {id: 0, fatal: msg}  the engine could not start, or stopped;
//                                        later calls are answered with msg
//   worker -> page  {id, progress}       a long import or seek is under way
//                                        (worker-loop.js); its reply follows
// The worker's own ops: '__memory' answers {wasm_bytes}, the size of the
// wasm instance's memory; '__cancel' and '__status' (worker-loop.js) are
// answered at once, even while a long call runs.
//
// seshat.wasm and wasm_exec.js are looked up next to the page's files, one
// directory above this script.
/* global importScripts, seshat */
'use strict';

importScripts(new URL('go-worker.js', self.location.href).href);
const { describe, fatality, start } = self.SeshatGoWorker;
const base = new URL('../', self.location.href);
let memory = null; // the instance's WebAssembly.Memory
const fate = fatality(); // why the engine is not running, once known

// instantiate compiles and instantiates seshat.wasm, streaming when the
// server sends application/wasm and from an ArrayBuffer when it does not.
async function instantiate(url, importObject) {
  const get = async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    return response;
  };
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      return await WebAssembly.instantiateStreaming(get(), importObject);
    } catch (err) {
      // A wrong MIME type is a TypeError: fetch again (the body is used)
      // and compile from the bytes. Anything else is a real failure.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return WebAssembly.instantiate(await (await get()).arrayBuffer(), importObject);
}

async function load() {
  const instance = await start({ base, wasm: 'seshat.wasm', name: 'seshat', what: 'the engine', instantiate, fate });
  memory = instance.exports.mem;
}

importScripts(new URL('worker-loop.js', self.location.href).href);

// call runs one engine call and returns its parsed answer.
function call(op, argsJSON) {
  if (op === '__memory') return { ok: true, result: { wasm_bytes: memory ? memory.buffer.byteLength : 0 } };
  try {
    return JSON.parse(seshat.call(op, argsJSON));
  } catch (err) {
    // seshat.call answers every call itself; this is the runtime failing.
    return { ok: false, kind: 'internal', error: `engine worker: ${describe(err)}` };
  }
}

const loop = self.SeshatWorkerLoop.createLoop({
  call,
  post: (msg) => self.postMessage(msg),
  later: (fn) => setTimeout(fn, 0),
});

const ready = load().then(
  () => { if (!fate.why()) self.postMessage({ id: 0, ready: true }); },
  (err) => fate.die(`cannot start the engine: ${describe(err)}`),
);

self.onmessage = async (e) => {
  await ready; // calls wait for the engine, in the order they came
  if (fate.why()) {
    const id = e.data && e.data.id;
    self.postMessage({ id, reply: { ok: false, kind: 'internal', error: fate.why() } });
    return;
  }
  loop.receive(e.data);
};
