// Seshat's interop worker: runs the interop module (Go compiled to
// WebAssembly, see wasm/interop/) off the page's main thread. The module
// plays etcd Raft's own datadriven scripts in etcd's rafttest.InteractionEnv
// and writes sessions in other tools' formats. The page starts this worker
// only when a person opens the scripts player or picks an export format
// (web/engine/interop.js), so the module costs nothing on a visit that does
// not use it.
//
// A classic worker, like worker.js: Go's wasm_exec.js is a classic script
// that sets globalThis.Go, and only classic workers have importScripts.
//
// Protocol:
//   page -> worker  {id, op, args}       id > 0; op 'play' {name, text},
//                                        'export' {session, format, page_url}
//                                        or 'formats' {}
//   worker -> page  {id, reply}          reply = JSON.parse(seshatInterop.call(op, JSON.stringify(args))):
//                                        {ok: result} or {error: {kind, message, line?}}
//   worker -> page  {id: 0, loading: {loaded, total}}
//                                        interop.wasm's download so far, in bytes
//                                        (total 0 when the server does not say:
//                                        a compressed response's length is not the body's)
//   worker -> page  {id: 0, ready: true} once, when the module is running
//   worker -> page  {id: 0, fatal: msg}  the module could not start, or stopped;
//                                        later calls are answered with msg
// Calls run one at a time, in the order they came: each blocks the worker
// until it is answered (a play of etcd's biggest script takes well under a
// second).
//
// interop.wasm and wasm_exec.js are looked up next to the page's files, one
// directory above this script.
/* global importScripts, seshatInterop */
'use strict';

importScripts(new URL('go-worker.js', self.location.href).href);
const { describe, fatality, start } = self.SeshatGoWorker;
const base = new URL('../', self.location.href);
const fate = fatality(); // why the module is not running, once known

// download fetches url and returns a Response of its bytes, posting the
// progress as they come (at most every 64 KiB, and at the end).
async function download(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  const coding = (response.headers.get('content-encoding') || 'identity').toLowerCase();
  const length = Number(response.headers.get('content-length'));
  const total = coding === 'identity' && Number.isSafeInteger(length) && length > 0 ? length : 0;
  const headers = { 'content-type': 'application/wasm' };
  if (!response.body || typeof TransformStream !== 'function') {
    const bytes = await response.arrayBuffer();
    self.postMessage({ id: 0, loading: { loaded: bytes.byteLength, total } });
    return new Response(bytes, { headers });
  }
  let loaded = 0;
  let reported = 0;
  const count = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      if (loaded - reported >= 64 << 10) {
        reported = loaded;
        self.postMessage({ id: 0, loading: { loaded, total } });
      }
      controller.enqueue(chunk);
    },
    flush() {
      self.postMessage({ id: 0, loading: { loaded, total: total || loaded } });
    },
  });
  // Served as application/wasm or not, the bytes are compiled as wasm.
  return new Response(response.body.pipeThrough(count), { headers });
}

async function instantiate(url, importObject) {
  const response = await download(url);
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    return WebAssembly.instantiateStreaming(response, importObject);
  }
  return WebAssembly.instantiate(await response.arrayBuffer(), importObject);
}

function load() {
  return start({ base, wasm: 'interop.wasm', name: 'seshatInterop', what: 'the interop module', instantiate, fate });
}

// call runs one call and returns its parsed reply.
function call(op, args) {
  try {
    return JSON.parse(seshatInterop.call(String(op), JSON.stringify(args === undefined ? {} : args)));
  } catch (err) {
    // seshatInterop.call answers every call itself; this is the runtime failing
    // (or args that JSON cannot hold).
    return { error: { kind: 'internal', message: `interop worker: ${describe(err)}` } };
  }
}

const ready = load().then(
  () => { if (!fate.why()) self.postMessage({ id: 0, ready: true }); },
  (err) => fate.die(`cannot start the interop module: ${describe(err)}`),
);

self.onmessage = async (e) => {
  await ready; // calls wait for the module, in the order they came
  const msg = e.data;
  if (!msg || typeof msg !== 'object' || !(msg.id > 0)) return;
  if (fate.why()) {
    self.postMessage({ id: msg.id, reply: { error: { kind: 'internal', message: fate.why() } } });
    return;
  }
  self.postMessage({ id: msg.id, reply: call(msg.op, msg.args) });
};
