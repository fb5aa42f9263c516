// The engine adapter: picks the engine (the WebAssembly simulator, or the
// fake one with ?engine=fake) and runs its calls one at a time, so every
// answer is the state after the calls before it.

/** engineKind reads the engine choice from a URL query string. */
export function engineKind(search) {
  return new URLSearchParams(search || '').get('engine') === 'fake' ? 'fake' : 'wasm';
}

/** SerialEngine queues calls on an engine with call(op, args) -> Promise. */
export class SerialEngine {
  constructor(inner, kind = 'wasm') {
    this.inner = inner;
    this.kind = kind;
    this.tail = Promise.resolve();
    this.pending = 0;
  }

  /** busy reports whether a call is queued or running. */
  get busy() { return this.pending > 0; }

  /** call queues op; it resolves with the result or rejects with an Error carrying .kind. */
  call(op, args = {}) {
    this.pending++;
    const run = this.tail.then(() => this.inner.call(op, args));
    this.tail = run.then(() => {}, () => {});
    return run.finally(() => { this.pending--; });
  }

  /** memory is the engine's wasm memory in bytes (0 for the fake). */
  memory() { return this.inner.memory ? this.inner.memory() : Promise.resolve(0); }

  /** timing is the worker's load timing when the engine reports one. */
  timing() { return (this.inner.client && this.inner.client.timing) || null; }
}

/** startEngine starts the chosen engine and wraps it in a SerialEngine. */
export async function startEngine(kind) {
  const mod = kind === 'fake' ? await import('../engine/fake-engine.js') : await import('../engine/wasm-engine.js');
  const Engine = kind === 'fake' ? mod.FakeEngine : mod.WasmEngine;
  return new SerialEngine(await Engine.start(), kind);
}

/** describeError turns a failed call into the words shown to the user. */
export function describeError(what, err) {
  const msg = err && err.message ? err.message : String(err);
  return what ? `${what}: ${msg}` : msg;
}
