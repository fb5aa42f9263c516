// The page's client of the interop module (interop-worker.js, running
// wasm/interop): etcd Raft's own scripts played in etcd's InteractionEnv,
// and session exports in other tools' formats. The worker, and the 2.6 MB
// module it downloads, start on first use only.
//
//   const interop = createInterop({ onProgress: (loaded, total) => ... });
//   const index = await loadScriptIndex();
//   const text = await loadScript(index.scripts[0]);
//   const result = await interop.play(index.scripts[0].name, text);
//   const file = await interop.exportSession(session, 'edn');
//   interop.close();

/**
 * @typedef {object} PlayStep
 * @property {number} line       the directive's 1-based line in the script
 * @property {string} text       the directive as written
 * @property {string} expected   the output the script gives ('' for a directive typed after taking over)
 * @property {string} actual     what etcd's InteractionEnv printed
 * @property {boolean} matches   actual equals expected (never for a step with no expected output)
 * @property {boolean} yours     the directive has no expected output: typed after taking over
 * @property {object[]} nodes    every node after the directive (wire.NodeView, as in the engine's frames)
 */

/**
 * @typedef {object} PlayResult
 * @property {string} name
 * @property {PlayStep[]} steps
 * @property {number} matched   steps that match
 * @property {number} total     all steps
 * @property {number} yours     steps with no expected output (matched === total - yours: etcd's file matched)
 */

/**
 * @typedef {object} ExportResult
 * @property {string} format
 * @property {string} filename  a name to save it under
 * @property {string} mime      its media type
 * @property {string} text      the file's content
 */

/**
 * InteropError is a failed interop call. kind is wire's error kind
 * ('bad-script', 'bad-session', 'impossible', 'bad-request', 'internal'),
 * or 'closed' for a call to, or pending on, a closed client; line is a
 * script's 1-based line at fault, or 0.
 */
export class InteropError extends Error {
  constructor(message, kind, line = 0) {
    super(message);
    this.name = 'InteropError';
    this.kind = kind;
    this.line = line;
  }
}

/**
 * createInterop returns a client of the interop module. The worker starts
 * on the first call of ready, play or exportSession.
 *
 * opts.onProgress(bytesLoaded, bytesTotal) is called as interop.wasm
 * downloads (bytesTotal 0 while unknown: a compressed response does not
 * give the size of its body). opts.workerURL overrides where
 * interop-worker.js is; opts.Worker the Worker class (tests).
 */
export function createInterop(opts = {}) {
  const workerURL = opts.workerURL || new URL('./interop-worker.js', import.meta.url);
  const waiting = new Map();
  let worker = null;
  let next = 1;
  let fatal = null;
  let readyPromise = null;
  let resolveReady = null;
  let rejectReady = null;

  function fail(err) {
    if (fatal) return;
    fatal = err;
    if (rejectReady) rejectReady(err);
    for (const { reject } of waiting.values()) reject(err);
    waiting.clear();
  }

  function receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.id === 0) {
      if (msg.fatal) fail(new InteropError(String(msg.fatal), 'internal'));
      else if (msg.ready) resolveReady();
      else if (msg.loading && opts.onProgress) opts.onProgress(msg.loading.loaded, msg.loading.total);
      return;
    }
    const w = waiting.get(msg.id);
    if (!w) return; // an answer nobody waits for
    waiting.delete(msg.id);
    const reply = msg.reply;
    if (reply && reply.ok !== undefined && reply.ok !== null) {
      w.resolve(reply.ok);
      return;
    }
    const e = (reply && reply.error) || {};
    w.reject(new InteropError(e.message || 'the interop module sent no answer', e.kind || 'internal', e.line || 0));
  }

  function start() {
    if (readyPromise) return readyPromise;
    readyPromise = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    readyPromise.catch(() => {}); // rejected before anyone awaits it is fine
    if (fatal) {
      rejectReady(fatal);
      return readyPromise;
    }
    const W = opts.Worker || globalThis.Worker;
    worker = new W(workerURL);
    worker.onmessage = (e) => receive(e.data);
    worker.onerror = (e) => {
      if (e && typeof e.preventDefault === 'function') e.preventDefault();
      fail(new InteropError(`interop worker failed: ${(e && e.message) || 'the script could not load or threw'}`, 'internal'));
    };
    worker.onmessageerror = () => fail(new InteropError('interop worker: a message could not be decoded', 'internal'));
    return readyPromise;
  }

  function call(op, args) {
    start();
    if (fatal) return Promise.reject(fatal);
    const id = next++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, op, args });
    });
  }

  return {
    /** ready starts the worker if need be and resolves once the module runs. */
    ready() { return start(); },
    /**
     * play plays text, an etcd datadriven script named name, in etcd's
     * InteractionEnv. A bad script rejects with kind 'bad-script' and the
     * line at fault.
     * @returns {Promise<PlayResult>}
     */
    play(name, text) { return call('play', { name: String(name), text: String(text) }); },
    /**
     * exportSession writes session (the engine's export) in format, one of
     * 'edn', 'trace', 'porcupine', 'etcd-script' (and others the module
     * lists: call('formats')). pageURL, for Porcupine's links back to the
     * page, defaults to none (bare #s= hashes).
     * @returns {Promise<ExportResult>}
     */
    exportSession(session, format, pageURL = '') {
      return call('export', { session, format: String(format), page_url: String(pageURL) });
    },
    /** formats resolves with [{format, filename, mime}], the formats exportSession writes. */
    async formats() { return (await call('formats', {})).formats; },
    /** close stops the worker; pending and later calls reject with kind 'closed'. */
    close() {
      fail(new InteropError('the interop module is closed', 'closed'));
      if (worker) worker.terminate();
    },
  };
}

/**
 * appendDirective returns script with directive appended as a step of its
 * own with no expected output (interop.AppendDirective in Go): a blank
 * line, the directive, '----' and a blank line. Its step comes back with
 * yours: true.
 */
export function appendDirective(script, directive) {
  let s = String(script);
  if (s !== '' && !s.endsWith('\n')) s += '\n';
  return `${s}\n${directive}\n----\n\n`;
}

/**
 * loadScriptIndex fetches etcd-raft/index.json, the list of etcd raft's
 * scripts that make wasm copies beside the page: {module, version, license,
 * scripts: [{name, file, bytes}]}. base is the page's directory (default:
 * one above this module). Each script entry gets url, its absolute address,
 * and licenseURL is added for the licence; loadScript reads an entry.
 */
export async function loadScriptIndex(base = new URL('../', import.meta.url)) {
  const root = new URL(base, globalThis.location ? globalThis.location.href : undefined);
  const url = new URL('etcd-raft/index.json', root);
  const response = await fetch(url);
  if (!response.ok) throw new InteropError(`${url}: HTTP ${response.status} ${response.statusText} (make wasm copies etcd raft's scripts)`.trim(), 'internal');
  const index = await response.json();
  if (!index || !Array.isArray(index.scripts)) throw new InteropError(`${url}: not a script index`, 'internal');
  index.licenseURL = new URL(index.license, root).href;
  for (const s of index.scripts) s.url = new URL(s.file, root).href;
  return index;
}

/** loadScript fetches the text of one script of loadScriptIndex's list. */
export async function loadScript(entry) {
  const url = entry.url || new URL(entry.file, new URL('../', import.meta.url)).href;
  const response = await fetch(url);
  if (!response.ok) throw new InteropError(`${url}: HTTP ${response.status} ${response.statusText}`.trim(), 'internal');
  return response.text();
}
