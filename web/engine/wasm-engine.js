// The in-browser engine adapter: a promise-based client for the engine
// worker (worker.js), which runs the simulator compiled to WebAssembly. See
// docs/engine-protocol.md for the calls and their answers.

/**
 * EngineError is a failed engine call. kind is the protocol's error kind
 * ('bad-command', 'unknown-node', ..., 'internal'), or 'closed' for a call
 * to, or pending on, a closed engine.
 */
export class EngineError extends Error {
  constructor(message, kind) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
  }
}

/**
 * Client turns a worker's postMessage replies into promises, matched by id.
 * port is anything with postMessage and an onmessage property (a Worker).
 */
export class Client {
  constructor(port) {
    this.port = port;
    this.next = 1;
    this.waiting = new Map();
    this.fatal = null;
    // onProgress(progress) is called with each progress message of a long
    // import or seek ({op, at, from, until, events}), and with null when
    // that call is answered.
    this.onProgress = null;
    this.progressing = 0; // the id of the call that last sent progress
    this.readyPromise = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.readyPromise.catch(() => {}); // rejected before anyone awaits it is fine
    port.onmessage = (e) => this.receive(e.data);
  }

  /** fail rejects every pending and later call, and readiness, with err. */
  fail(err) {
    if (this.fatal) return;
    this.fatal = err;
    this.rejectReady(err);
    for (const { reject } of this.waiting.values()) reject(err);
    this.waiting.clear();
  }

  /** receive handles one message from the worker. */
  receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.id === 0) {
      if (msg.fatal) this.fail(new EngineError(msg.fatal, 'internal'));
      else if (msg.ready) this.resolveReady();
      return;
    }
    if (msg.progress) {
      if (!this.waiting.has(msg.id)) return;
      this.progressing = msg.id;
      if (this.onProgress) this.onProgress(msg.progress);
      return;
    }
    const w = this.waiting.get(msg.id);
    if (!w) return; // an answer nobody waits for (after close)
    this.waiting.delete(msg.id);
    if (this.progressing === msg.id) {
      this.progressing = 0;
      if (this.onProgress) this.onProgress(null);
    }
    const reply = msg.reply;
    if (reply && reply.ok) w.resolve(reply.result);
    else w.reject(new EngineError(reply && reply.error ? reply.error : 'the engine sent no answer', reply && reply.kind ? reply.kind : 'internal'));
  }

  /**
   * cancel stops the long import or seek the worker runs, if any: that call
   * settles (an import rejects with kind 'cancelled'; a seek resolves with
   * the frame it got to). It resolves with {cancelled, op}, answered at once
   * even while the engine is busy.
   */
  cancel() { return this.call('__cancel'); }

  /** status resolves with {busy, op, progress, queued}, answered at once even while the engine is busy. */
  status() { return this.call('__status'); }

  /** call sends op with args; it resolves with the result or rejects with an EngineError. */
  call(op, args = {}) {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage({ id, op, args });
    });
  }
}

/**
 * WasmEngine runs the simulator in a Web Worker.
 *
 *   const engine = await WasmEngine.start();
 *   const frame = await engine.call('create', { nodes: 5, seed: 1 });
 *   ...
 *   engine.close();
 */
export class WasmEngine {
  /**
   * start starts the worker and resolves once the engine is running. It
   * rejects with an EngineError if the worker or seshat.wasm cannot load.
   */
  static async start(workerURL = new URL('./worker.js', import.meta.url)) {
    const worker = new Worker(workerURL);
    const engine = new WasmEngine(worker);
    worker.onerror = (e) => {
      if (e && typeof e.preventDefault === 'function') e.preventDefault();
      engine.client.fail(new EngineError(`engine worker failed: ${(e && e.message) || 'the script could not load or threw'}`, 'internal'));
    };
    worker.onmessageerror = () => engine.client.fail(new EngineError('engine worker: a message could not be decoded', 'internal'));
    try {
      await engine.client.readyPromise;
    } catch (err) {
      engine.close();
      throw err;
    }
    return engine;
  }

  /** The constructor wraps a started worker; use start. */
  constructor(worker) {
    this.worker = worker;
    this.client = new Client(worker);
  }

  /**
   * call runs one engine operation (docs/engine-protocol.md: frame, command,
   * committed-log, ...). It resolves with the answer's result and rejects
   * with an EngineError carrying .kind.
   */
  call(op, args) { return this.client.call(op, args); }

  /** cancel stops a long import or seek (Client.cancel). */
  cancel() { return this.client.cancel(); }

  /** status says whether a long call runs (Client.status). */
  status() { return this.client.status(); }

  /** onProgress is called with each progress of a long import or seek, and null at its end (Client.onProgress). */
  get onProgress() { return this.client.onProgress; }
  set onProgress(fn) { this.client.onProgress = fn; }

  /** memory resolves with the wasm instance's memory size in bytes. */
  async memory() { return (await this.client.call('__memory')).wasm_bytes; }

  /** close stops the worker; pending and later calls reject with kind 'closed'. */
  close() {
    this.client.fail(new EngineError('the engine is closed', 'closed'));
    this.worker.terminate();
  }
}
