// The engine adapter: picks the engine (the WebAssembly simulator; the dev
// server's native nodes with ?engine=native; the fake one with ?engine=fake)
// and runs its calls one at a time, so every answer is the state after the
// calls before it. Also what each engine can do, for the controls.

/** ENGINES are the engines the page offers in its engine switch (the fake one is for tests). */
export const ENGINES = [
  { kind: 'wasm', text: 'In the browser (WebAssembly)' },
  { kind: 'native', text: 'Native nodes (dev server)' },
];

/** engineKind reads the engine choice from a URL query string: 'wasm' (default), 'native' or 'fake'. */
export function engineKind(search) {
  const e = new URLSearchParams(search || '').get('engine');
  return e === 'fake' || e === 'native' ? e : 'wasm';
}

/** engineSearch is the query string that loads the page on engine kind, other parameters kept. */
export function engineSearch(search, kind) {
  const q = new URLSearchParams(search || '');
  if (kind === 'wasm') q.delete('engine');
  else q.set('engine', kind);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** REAL_TIME_NOTE is shown where the controls of virtual time would be, on the native engine. */
export const REAL_TIME_NOTE = 'real time: native nodes at wall-clock speed';

/** realTime reports whether the engine runs at wall-clock speed, with no past to travel to. */
export function realTime(kind) { return kind === 'native'; }

/**
 * TIME_CONTROLS are the page's controls (element ids) that need virtual
 * time: the time-travel slider, Next event, speed, manual delivery, the
 * per-message buttons, and the session's link and files.
 */
export const TIME_CONTROLS = ['slider', 'next', 'speed', 'manual', 'msg-drop', 'msg-deliver', 'msg-duplicate', 'share', 'export', 'import'];

/** disabledControls lists the controls (element ids) engine kind cannot offer. */
export function disabledControls(kind) { return realTime(kind) ? TIME_CONTROLS.slice() : []; }

/** TIME_ACTIONS name the keyboard actions (keys.js) that need virtual time. */
const TIME_ACTIONS = { next: 'Next event', faster: 'Faster', slower: 'Slower', back: 'Travel back', forward: 'Travel forward' };

/**
 * COMMAND_ACTIONS name the keyboard actions (keys.js) that send a command of
 * the same kind. Which of them an engine refuses is the engine's to say
 * (refusedCommands), not this page's.
 */
const COMMAND_ACTIONS = { manual: 'Manual delivery', deliver: 'Deliver', drop: 'Drop', duplicate: 'Duplicate' };

/**
 * refusedCommands returns the command kinds a started engine refuses, each
 * with why, as the engine reported them (the dev server's hello, from Go's
 * one table of command rules); {} for an engine that refuses none or has
 * not started.
 */
export function refusedCommands(engine) {
  const inner = engine && (engine.inner || engine);
  return (inner && inner.hello && inner.hello.refused) || {};
}

/**
 * blockedAction is the sentence shown instead of running action on engine
 * kind, or null when it runs: the actions of virtual time on a real-time
 * engine, and the commands the engine refuses (refused, from refusedCommands).
 */
export function blockedAction(kind, action, refused = {}) {
  const label = (realTime(kind) && TIME_ACTIONS[action]) || (Object.hasOwn(COMMAND_ACTIONS, action) && Object.hasOwn(refused, action) && COMMAND_ACTIONS[action]);
  if (!label) return null;
  return `${label}: not here, ${REAL_TIME_NOTE} (no time travel, speed or manual delivery)`;
}

/** droppedText says what the server could not push to this tab ({frames, events}); '' when nothing. */
export function droppedText(d) {
  const frames = (d && d.frames) || 0, events = (d && d.events) || 0;
  if (!frames && !events) return '';
  const parts = [];
  if (frames) parts.push(`${frames} view${frames === 1 ? '' : 's'}`);
  if (events) parts.push(`${events} event${events === 1 ? '' : 's'}`);
  return `${parts.join(' and ')} dropped: this tab could not keep up`;
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
    // last is the promise the caller got: waiting on it (idle) resumes
    // after the caller has, so the caller has taken its answer by then.
    this.last = run.finally(() => { this.pending--; });
    return this.last;
  }

  /**
   * cancel stops the long import or seek the engine runs, outside the
   * queue (the WebAssembly engine answers it at once): the import rejects
   * with kind 'cancelled', the seek resolves where it got to. It resolves
   * with {cancelled, op}, or null on an engine that cannot cancel.
   */
  cancel() { return this.inner.cancel ? this.inner.cancel().catch(() => null) : Promise.resolve(null); }

  /** onProgress(p) gets each progress of a long import or seek ({op, at, from, until, events}) and null at its end. */
  set onProgress(fn) { if ('onProgress' in this.inner) this.inner.onProgress = fn; }

  /** idle resolves once no call is queued or running, after the callers have had their answers. */
  async idle() { while (this.pending) await this.last.catch(() => {}); }

  /** memory is the engine's wasm memory in bytes (0 for the fake). */
  memory() { return this.inner.memory ? this.inner.memory() : Promise.resolve(0); }

  /** timing is the worker's load timing when the engine reports one. */
  timing() { return (this.inner.client && this.inner.client.timing) || null; }

  /** dropped is what a pushing engine (native) could not push to this tab: {frames, events}; null for the others. */
  dropped() { return this.inner.dropped ? this.inner.dropped() : null; }
}

/**
 * startEngine starts the chosen engine and wraps it in a SerialEngine.
 * onFatal(err) is called if the engine goes away later (the native one,
 * when the dev server stops).
 */
export async function startEngine(kind, { onFatal = null } = {}) {
  if (kind === 'native') {
    const { NativeEngine } = await import('../engine/native-engine.js');
    return new SerialEngine(await NativeEngine.start({ onFatal }), kind);
  }
  const mod = kind === 'fake' ? await import('../engine/fake-engine.js') : await import('../engine/wasm-engine.js');
  const Engine = kind === 'fake' ? mod.FakeEngine : mod.WasmEngine;
  return new SerialEngine(await Engine.start(), kind);
}

/** describeError turns a failed call into the words shown to the user. */
export function describeError(what, err) {
  const msg = err && err.message ? err.message : String(err);
  return what ? `${what}: ${msg}` : msg;
}

/** plural writes n with its noun: "1 command", "3 commands". */
function plural(n, noun) { return `${n} ${noun}${n === 1 ? '' : 's'}`; }

/**
 * shrinkText says what a shrink found (the engine's shrink answer): the
 * sizes before and after, how many runs, and how it still fails.
 */
export function shrinkText(r) {
  const s = (ms) => (ms / 1000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 3 });
  const size = (z) => `${plural(z.commands, 'command')}, ${s(z.until)} s, ${z.events.toLocaleString('en-US')} events`;
  const simpler = r.simplified && r.simplified.length ? `; settings simplified: ${r.simplified.join(', ')}` : '';
  const limit = r.exhausted ? ' The search stopped at its limit of runs: a smaller one may exist.' : '';
  return `Shrunk from ${size(r.before)} to ${size(r.after)} in ${plural(r.runs, 'run')}${simpler}. It fails the same way: ${r.failure}.${limit}`;
}

/** progressText says how far a long import, seek, search, fork, comparison or shrink has gone (a progress from the engine). */
export function progressText(p) {
  const span = p.until - p.from;
  const pct = span > 0 ? Math.min(100, Math.floor((100 * (p.at - p.from)) / span)) : 100;
  const s = (ms) => (ms / 1000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  if (p.op === 'search') return `Searching the whole session: ${s(p.at)} of ${s(p.until)} virtual seconds (${pct}%)`;
  if (p.op === 'compare') return `Replaying both runs to ${s(p.until)} s: ${s(p.at)} s (${pct}%)`;
  if (p.op === 'fork') return `Replaying this run and its fork side by side: ${s(p.at)} of ${s(p.until)} virtual seconds (${pct}%)`;
  if (p.op === 'shrink') {
    const b = p.shrink && p.shrink.best;
    return `Shrinking the failure: run ${p.at} of at most ${p.until}${b ? `; the smallest failing session so far has ${plural(b.commands, 'command')} and runs ${s(b.until)} s` : ''}`;
  }
  return p.op === 'seek'
    ? `Travelling to ${s(p.until)} s: at ${s(p.at)} s (${pct}%)`
    : `Replaying the session: ${s(p.at)} of ${s(p.until)} virtual seconds (${pct}%)`;
}

/** sessionTooBig is the error for a session of size bytes past limits.max_bytes (from the engine's limits call), or '' when it fits or no limit is known. */
export function sessionTooBig(size, limits) {
  const max = limits && limits.max_bytes;
  if (!max || size <= max) return '';
  const mib = (n) => (n / (1 << 20)).toFixed(1);
  return `it is ${size.toLocaleString('en-US')} bytes (${mib(size)} MiB); a session may be at most ${max.toLocaleString('en-US')} bytes (${mib(max)} MiB)`;
}
