// A browser's Web Worker in node, for the smoke tests that run the real
// workers (worker.js, interop-worker.js) and their WebAssembly modules
// (node-smoke.test.mjs, interop-smoke.test.mjs).
import { fileURLToPath } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';

// BOOT runs in the worker thread before the worker script and gives it what
// a browser's worker has: self, location, importScripts, fetch, postMessage
// and onmessage. Build outputs (the .wasm, wasm_exec.js) come from
// workerData.dir, the worker's own scripts (worker-loop.js) from beside it;
// fetch answers with workerData.mime and the body's length.
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');
globalThis.self = globalThis;
self.location = new URL(pathToFileURL(workerData.script).href);
const local = (url) => {
  const name = path.basename(new URL(url).pathname);
  const built = path.join(workerData.dir, name);
  return fs.existsSync(built) ? built : path.join(path.dirname(workerData.script), name);
};
self.importScripts = (...urls) => {
  for (const url of urls) vm.runInThisContext(fs.readFileSync(local(url), 'utf8'), { filename: url });
};
self.fetch = async (url) => {
  const file = local(url);
  if (!fs.existsSync(file)) return new Response('not found', { status: 404, statusText: 'Not Found' });
  const body = fs.readFileSync(file);
  return new Response(body, { headers: { 'content-type': workerData.mime, 'content-length': String(body.length) } });
};
self.postMessage = (m) => parentPort.postMessage(m);
parentPort.on('message', (data) => self.onmessage && self.onmessage({ data }));
vm.runInThisContext(fs.readFileSync(workerData.script, 'utf8'), { filename: workerData.script });
`;

/**
 * webWorker returns a Worker class backed by worker_threads, whose workers
 * read build outputs from the directory from and are served with mime.
 */
export function webWorker({ from, mime = 'application/wasm' }) {
  return class {
    constructor(url) {
      this.thread = new NodeWorker(BOOT, { eval: true, workerData: { script: fileURLToPath(url), dir: from, mime } });
      this.thread.on('message', (data) => this.onmessage && this.onmessage({ data }));
      this.thread.on('error', (err) => this.onerror && this.onerror({ message: err.message }));
    }
    postMessage(m) { this.thread.postMessage(m); }
    terminate() { this.thread.terminate(); }
  };
}
