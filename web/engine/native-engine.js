// The dev server's native cluster adapter: Raft nodes running natively at
// wall-clock speed, reached over the websocket of docs/bridge-protocol.md.
// It offers the calls WasmEngine offers (docs/engine-protocol.md), so the
// page draws both alike. `frame` answers from the frames the server pushes
// (no round trip per animation frame); `command`, `create` and
// `committed-log` go over the socket; time travel is refused: the native
// cluster has no past to replay.
import { Client, EngineError } from './wasm-engine.js';
import { COMMAND_KINDS, ERROR_KINDS, REQUEST_KINDS, ROUTINE_EVENT_KINDS, errorText, requestError } from '../ui/schema.js';

/** SUBSCRIBE_MS is how often the server pushes a frame (the bridge allows 50 to 5000). */
export const SUBSCRIBE_MS = 100;

/** HELLO_TIMEOUT_MS is how long start waits for the socket to open and hello to answer. */
export const HELLO_TIMEOUT_MS = 4000;

/** EVENT_BUFFER bounds the pushed events kept for the page (the oldest go first). */
export const EVENT_BUFFER = 5000;

/** PROTOCOL is the bridge protocol version this adapter speaks. */
export const PROTOCOL = 1;

/** NO_NATIVE is what to do when there is no native cluster to talk to. */
export const NO_NATIVE = 'The dev server runs no native cluster: start it with `make run-native` (go run ./cmd/devserver --native 5)';

/** REAL_TIME is why time travel and manual delivery are refused. */
export const REAL_TIME = 'The native cluster runs in real time: no time travel';

/**
 * EXTRAPOLATE_MS bounds how far past the newest pushed view the page's clock
 * runs while it waits for the next (pushes come every 100 ms).
 */
export const EXTRAPOLATE_MS = 150;
/** ROUTINE_KINDS are the events left out when a call asks for notable ones (wire.EventKind.Routine, from schema.js). */
const ROUTINE_KINDS = new Set(ROUTINE_EVENT_KINDS);

/** TIME_OPS are the engine calls that need a replayable virtual clock (wire.RequestRule.Virtual, from schema.js). */
const TIME_OPS = new Set(REQUEST_KINDS.filter((r) => r.virtual).map((r) => r.kind));

/**
 * REAL_TIME_REFUSALS maps each command kind a real-time cluster refuses to
 * why (wire.CommandRules, from schema.js); the server's hello may say more.
 */
const REAL_TIME_REFUSALS = Object.freeze(Object.fromEntries(COMMAND_KINDS.filter((k) => k.real_time).map((k) => [k.kind, k.real_time])));

/** socketURL is the dev server's websocket for a page at loc (window.location): ws(s)://host/ws. */
export function socketURL(loc) {
  return `${loc && loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc ? loc.host : 'localhost'}/ws`;
}

/**
 * NativeEngine talks to the dev server's native cluster.
 *
 *   const engine = await NativeEngine.start();       // ws(s)://<host>/ws
 *   const frame = await engine.call('frame', { since: 0, events: 'notable' });
 *   await engine.call('command', { kind: 'crash', node: 2 });
 *   engine.dropped();                                  // {frames, events} the server could not push
 *   engine.close();
 *
 * Calls may overlap (replies are matched by id); the page serialises them
 * anyway (ui/engine.js). When the socket closes, every pending and later
 * call rejects with kind 'closed' and onFatal(err) is called once.
 */
export class NativeEngine {
  /**
   * start opens the socket, says hello and resolves with the engine. It
   * rejects with an EngineError (kind 'closed', or the kind of hello's
   * error) naming what to do when the socket fails, closes, or does not
   * answer hello within timeoutMs.
   */
  static async start({ url, WebSocket: WS = globalThis.WebSocket, timeoutMs = HELLO_TIMEOUT_MS, onFatal = null, now = () => performance.now() } = {}) {
    url = url || socketURL(globalThis.location);
    if (typeof WS !== 'function') throw new EngineError(`This browser has no WebSocket. ${NO_NATIVE}`, 'closed');
    let ws;
    try {
      ws = new WS(url);
    } catch (err) {
      throw new EngineError(`Cannot open ${url} (${err.message}). ${NO_NATIVE}`, 'closed');
    }
    const engine = new NativeEngine(ws, url);
    engine.now = now;
    let timer = 0;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new EngineError(`${url} did not answer within ${timeoutMs / 1000} s`, 'closed')), timeoutMs);
    });
    try {
      const hello = await Promise.race([engine.opened.then(() => engine.conn.call('hello', {})), late]);
      if (!hello || hello.engine !== 'native' || hello.protocol !== PROTOCOL) {
        throw new EngineError(`${url} is not a native cluster of protocol ${PROTOCOL} (hello said ${JSON.stringify(hello)})`, 'bad-request');
      }
      engine.hello = hello;
    } catch (err) {
      const why = engine.lost || (err && err.message) || String(err);
      engine.close();
      throw new EngineError(`Cannot reach the native cluster at ${url}: ${why}. ${NO_NATIVE}`, (err && err.kind) || 'closed');
    } finally {
      clearTimeout(timer);
    }
    engine.onFatal = onFatal;
    return engine;
  }

  /** The constructor wraps a WebSocket that is opening; use start. */
  constructor(ws, url) {
    this.ws = ws;
    this.url = url;
    this.hello = null;
    this.onFatal = null;
    this.lost = ''; // why the socket went away, once it has
    this.conn = new Client({ postMessage: (m) => this.send(m) });
    this.opened = new Promise((resolve, reject) => { this.resolveOpen = resolve; this.rejectOpen = reject; });
    this.opened.catch(() => {}); // a socket that fails before anyone waits is reported by the calls
    // What frames carry (remembered across calls, as the engines do) and
    // what the server was asked to push.
    this.show = { log_window: 40, kv_from: '', events: 'all' };
    this.subscribed = null;
    // The newest view, pushed or answered, when it arrived (this.now(),
    // wall ms), and the pushed events.
    this.latest = null;
    this.latestAt = 0;
    this.now = () => performance.now();
    this.events = [];
    this.complete = 0; // every event up to this seq has arrived (or was counted as dropped)
    this.handed = 0; // the watermark of the last frame handed to the page
    this.drops = { frames: 0, events: 0 };
    this.creating = 0;
    this.heldPushes = [];
    // Binary frames are raft messages for a member hosted in this page
    // (join): handed to onRaft(Uint8Array), dropped while nobody listens.
    this.onRaft = null;
    try { ws.binaryType = 'arraybuffer'; } catch { /* a socket without binaryType */ }
    ws.onopen = () => this.resolveOpen();
    ws.onmessage = (e) => this.receive(e.data);
    // A browser fires close (with the code) right after error: the error
    // speaks only if close does not.
    ws.onerror = () => setTimeout(() => this.die('the websocket failed'), 0);
    ws.onclose = (e) => this.die(`the websocket closed${e && e.code ? ` with code ${e.code}` : ''}${e && e.reason ? `: ${e.reason}` : ''}`);
  }

  /** send writes one request; a socket that cannot send has gone away. */
  send(m) {
    try {
      this.ws.send(JSON.stringify(m));
    } catch (err) {
      this.die(`the websocket cannot send: ${err.message}`);
    }
  }

  /** die fails every pending and later call: the dev server went away. */
  die(why) {
    if (this.conn.fatal) return;
    this.lost = why;
    const err = new EngineError(`The dev server went away (${why}): the native nodes are out of reach. Start it again (make run-native) and reload the page`, 'closed');
    this.rejectOpen(err);
    this.conn.fail(err);
    if (this.onFatal) this.onFatal(err);
  }

  /** receive handles one frame from the server: a push or a reply, or a raft message (binary). */
  receive(data) {
    if (typeof data !== 'string') {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
      if (bytes && this.onRaft) this.onRaft(bytes);
      return;
    }
    let msg;
    try { msg = JSON.parse(data); } catch { return; } // not ours to answer: ignored
    if (!msg || typeof msg !== 'object') return;
    if (msg.push === 'frame') this.takePush(msg);
    else if (msg.id) this.conn.receive(msg); // id 0 answers a message the server could not read at all: ours are JSON, so none of ours
  }

  takePush(msg) {
    const d = msg.dropped;
    if (d) this.drops = { frames: Number(d.frames) || 0, events: Number(d.events) || 0 };
    if (!msg.frame || !msg.frame.view) return;
    // While a new cluster is being created a push may still be of the old
    // one: held until the reply says whether the old one was replaced.
    if (this.creating) this.heldPushes.push(msg.frame);
    else this.merge(msg.frame, true);
  }

  /**
   * merge folds a frame into the local state: its view when it is the
   * newest, its events into the buffer. complete says it carries every
   * event up to its view.events (pushes, frame answers); a command's answer
   * may not, so its events wait until a push has brought everything before.
   */
  merge(frame, complete) {
    const evs = frame.events || [];
    if (evs.length) {
      const last = this.events.length ? this.events[this.events.length - 1].seq : 0;
      if (evs[0].seq > last && evs.every((e, i) => i === 0 || e.seq > evs[i - 1].seq)) {
        this.events = this.events.concat(evs);
      } else {
        const bySeq = new Map(this.events.map((e) => [e.seq, e]));
        for (const e of evs) bySeq.set(e.seq, e);
        this.events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
      }
      if (this.events.length > EVENT_BUFFER) this.events = this.events.slice(this.events.length - EVENT_BUFFER);
    }
    if (!this.latest || frame.view.time >= this.latest.view.time) {
      this.latest = frame;
      this.latestAt = this.now();
    }
    if (complete) {
      let high = frame.view.events || 0;
      for (const e of evs) if (e.seq > high) high = e.seq;
      if (high > this.complete) this.complete = high;
    }
  }

  /**
   * handOut is the Frame the page gets: the newest view and the buffered
   * events after since, up to the complete watermark (the view's events
   * count is that watermark, so nothing is skipped when the page passes it
   * back as since). The horizon is the view's time: there is no past.
   */
  handOut(since, max = 0) {
    const notable = this.show.events === 'notable';
    const high = this.complete;
    let evs = this.events.filter((e) => e.seq > since && e.seq <= high && !(notable && ROUTINE_KINDS.has(e.kind)));
    if (max > 0 && evs.length > max) evs = evs.slice(evs.length - max);
    this.handed = high;
    const f = this.latest;
    // Between pushes the clock runs on (a little: see EXTRAPOLATE_MS), so
    // messages glide along their links at the speed they really travel
    // instead of jumping ten times a second; every other field is the
    // newest pushed state.
    const time = f.view.time + Math.round(Math.min(Math.max(0, this.now() - this.latestAt), EXTRAPOLATE_MS));
    return { view: { ...f.view, time, events: high }, events: evs, horizon: time, halted: f.halted || null };
  }

  /**
   * call runs one engine operation (docs/engine-protocol.md). It resolves
   * with the answer's result and rejects with an EngineError carrying .kind.
   */
  async call(op, args = {}) {
    if (this.conn.fatal) throw this.conn.fatal;
    args = args || {};
    if (TIME_OPS.has(op)) throw new EngineError(REAL_TIME, 'impossible');
    switch (op) {
      case 'frame': return this.frame(args);
      case 'command': return this.command(args);
      case 'create': return this.create(args);
      case 'defaults': return structuredClone(this.hello ? this.hello.config : {});
      case 'committed-log': {
        // Refused here in the in-browser engine's words (the request
        // table); the bridge checks the same ranges.
        const bad = requestError(op, args);
        if (bad) throw new EngineError(bad.text, bad.kind);
        return this.conn.call(op, args);
      }
      default: {
        if (!REQUEST_KINDS.some((r) => r.kind === op)) {
          const { kind, text } = errorText('unknown_request', { op });
          throw new EngineError(text, kind);
        }
        throw new EngineError(`the native cluster does not answer ${op}: only the in-browser engine does`, ERROR_KINDS.BAD_REQUEST);
      }
    }
  }

  /**
   * frame answers from the pushed state. advance_ms and maintain_steps are
   * ignored (the nodes run in real time). When the page asks for other
   * events, another log window or another page of keys (kv_from,
   * kv_limit), it subscribes again and fetches one frame
   * with the new settings (so switching to every event brings the routine
   * ones at once).
   */
  async frame(a) {
    const bad = requestError('frame', a);
    if (bad) throw new EngineError(bad.text, bad.kind);
    if (a.log_window > 0) this.show.log_window = a.log_window;
    if (typeof a.kv_from === 'string') this.show.kv_from = a.kv_from;
    if (a.kv_limit > 0) this.show.kv_limit = a.kv_limit;
    if (a.events) this.show.events = a.events;
    const since = a.since || 0;
    const s = this.subscribed;
    if (!s || s.log_window !== this.show.log_window || s.kv_from !== this.show.kv_from || s.kv_limit !== this.show.kv_limit || s.events !== this.show.events) await this.subscribe(since);
    else if (!this.latest) await this.fetch(since);
    return this.handOut(since, a.max_events || 0);
  }

  async subscribe(since) {
    const want = { ...this.show };
    this.subscribed = want;
    try {
      await this.conn.call('subscribe', { interval_ms: SUBSCRIBE_MS, ...want });
    } catch (err) {
      this.subscribed = null;
      throw err;
    }
    await this.fetch(since);
  }

  async fetch(since) {
    this.merge(await this.conn.call('frame', { since, ...this.show, max_events: 0 }), true);
  }

  /** command applies a Command on the server; the Frame shows its effect at once, its events with the next push. */
  async command(cmd) {
    const why = (this.hello && this.hello.refused && this.hello.refused[cmd.kind]) || REAL_TIME_REFUSALS[cmd.kind];
    if (why) {
      const { kind, text } = errorText('real_time', { kind: cmd.kind, why });
      throw new EngineError(text, kind);
    }
    this.merge(await this.conn.call('command', cmd), false);
    return this.handOut(this.handed);
  }

  /** create replaces the server's cluster; everything kept of the old one goes. */
  async create(cfg) {
    this.creating++;
    let f;
    try {
      f = await this.conn.call('create', cfg);
    } catch (err) {
      this.creating--;
      if (!this.creating) this.releasePushes();
      throw err;
    }
    this.creating--;
    this.heldPushes = [];
    this.latest = null;
    this.events = [];
    this.complete = 0;
    this.merge(f, true);
    return this.handOut(0);
  }

  releasePushes() {
    const held = this.heldPushes;
    this.heldPushes = [];
    for (const f of held) this.merge(f, true);
  }

  /**
   * join asks the server to add a Raft member for this connection; it
   * resolves with {node, peers, raft, max_message_bytes}. Raft messages for
   * it then arrive through onRaft, and sendRaft sends its own.
   */
  join() {
    if (this.conn.fatal) return Promise.reject(this.conn.fatal);
    if (!this.hello || !this.hello.join) return Promise.reject(new EngineError('This dev server cannot host a member in the page', 'impossible'));
    return this.conn.call('join', {});
  }

  /**
   * report tells the server what the page's member says of itself (a node
   * view: role, term, ..., log, kv), shown to every page in place of what
   * its messages reveal. Failures are ignored: the next report follows.
   */
  report(view) {
    if (this.conn.fatal) return;
    this.conn.call('report', view).catch(() => {});
  }

  /** sendRaft sends one raft message (raftpb.Message bytes) of the page's member as a binary frame. */
  sendRaft(bytes) {
    if (this.conn.fatal) return;
    try {
      this.ws.send(bytes);
    } catch (err) {
      this.die(`the websocket cannot send: ${err.message}`);
    }
  }

  /** dropped is what the server could not push to this tab since it connected: {frames, events}. */
  dropped() { return { ...this.drops }; }

  /** memory is 0: the native nodes use the dev server's memory, not the page's. */
  async memory() { return 0; }

  /** timing is null: there is no worker to time. */
  timing() { return null; }

  /** close closes the socket; pending and later calls reject with kind 'closed'. */
  close() {
    this.onFatal = null;
    this.lost = this.lost || 'closed by the page';
    this.conn.fail(new EngineError('the engine is closed', 'closed'));
    this.rejectOpen(this.conn.fatal);
    this.ws.onclose = this.ws.onerror = this.ws.onmessage = null;
    try { this.ws.close(); } catch { /* already closed */ }
  }
}
