// The in-browser engine adapter: a promise-based client for the worker.

/** EngineError is a failed engine call; kind is the protocol's error kind. */
export class EngineError extends Error {
  constructor(message, kind) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
  }
}

/** Client turns postMessage replies into promises, matched by id. */
export class Client {
  constructor(port) {
    this.port = port;
    this.next = 1;
    this.waiting = new Map();
    this.fatal = null;
    this.readyPromise = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    port.onmessage = (e) => this.receive(e.data);
  }

  receive(msg) {
    if (msg.id === 0) {
      if (msg.fatal) {
        this.fatal = new EngineError(msg.fatal, 'internal');
        this.rejectReady(this.fatal);
        for (const { reject } of this.waiting.values()) reject(this.fatal);
        this.waiting.clear();
      } else if (msg.ready) {
        this.timing = msg.timing;
        this.resolveReady();
      }
      return;
    }
    const w = this.waiting.get(msg.id);
    if (!w) return;
    this.waiting.delete(msg.id);
    if (msg.reply && msg.reply.ok) w.resolve(msg.reply.result);
    else w.reject(new EngineError(msg.reply ? msg.reply.error : 'no reply', msg.reply ? msg.reply.kind : 'internal'));
  }

  call(op, args = {}) {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage({ id, op, args });
    });
  }
}

/** WasmEngine runs the simulator in a Web Worker. */
export class WasmEngine {
  static async start(workerURL = new URL('./worker.js', import.meta.url)) {
    const worker = new Worker(workerURL);
    const engine = new WasmEngine(worker);
    worker.onerror = (e) => engine.client.receive({ id: 0, fatal: `engine worker failed: ${e.message || 'unknown error'}` });
    await engine.client.readyPromise;
    return engine;
  }

  constructor(worker) {
    this.worker = worker;
    this.client = new Client(worker);
  }

  call(op, args) { return this.client.call(op, args); }

  /** memory reports the wasm instance's memory size in bytes. */
  async memory() { return (await this.client.call('__memory')).wasm_bytes; }

  close() { this.worker.terminate(); }
}
