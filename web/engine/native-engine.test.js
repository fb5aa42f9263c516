import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeEngine, socketURL, EVENT_BUFFER, NO_NATIVE, EXTRAPOLATE_MS } from './native-engine.js';
import { App } from '../ui/app.js';
import { SerialEngine } from '../ui/engine.js';

const ROUTINE = new Set(['send', 'deliver', 'drop', 'duplicate', 'append', 'commit', 'apply']);

/**
 * FakeServer plays the dev server's /ws (docs/bridge-protocol.md) in memory:
 * a toy native cluster whose clock the test moves (tick), hello, subscribe,
 * frame, command and create. With hold set, replies wait in `held` until the
 * test releases them, in any order.
 */
class FakeServer {
  constructor({ mode = 'open', hold = false } = {}) {
    this.mode = mode; // 'open', 'refuse' (the socket fails), 'silent' (hello never answered), 'stranger' (hello of another engine)
    this.hold = hold;
    this.held = [];
    this.sockets = [];
    this.reset(5);
    const server = this;
    this.WebSocket = class FakeSocket {
      constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.sent = [];
        this.sub = null;
        this.pushedTo = 0;
        this.dropped = { frames: 0, events: 0 };
        server.sockets.push(this);
        queueMicrotask(() => server.connect(this));
      }
      send(text) {
        if (this.readyState !== 1) throw new Error('InvalidStateError: the socket is not open');
        const msg = JSON.parse(text);
        this.sent.push(msg);
        server.receive(this, msg);
      }
      close() { this.readyState = 3; this.closedByPage = true; }
      deliver(obj) { if (this.readyState === 1 && this.onmessage) this.onmessage({ data: JSON.stringify(obj) }); }
    };
  }

  get socket() { return this.sockets[this.sockets.length - 1]; }

  reset(nodes) {
    this.time = 0;
    this.seq = 0;
    this.trace = [];
    this.nodes = Array.from({ length: nodes }, (_, i) => ({ id: i + 1, up: true, role: i === 0 ? 'leader' : 'follower', term: 2 }));
    this.emit({ kind: 'elect', node: 1, text: 'n1 became leader at term 2' });
  }

  connect(ws) {
    if (this.mode === 'refuse') {
      ws.readyState = 3;
      ws.onerror && ws.onerror({});
      ws.onclose && ws.onclose({ code: 1006, reason: '' });
      return;
    }
    ws.readyState = 1;
    ws.onopen && ws.onopen({});
  }

  emit(e) { this.trace.push({ seq: ++this.seq, at: this.time, ...e }); }

  /** tick moves the cluster's clock: a heartbeat round (routine) every 50 ms and a notable event every 200 ms. */
  tick(ms) {
    for (let i = 0; i < ms; i += 50) {
      this.time += 50;
      this.emit({ kind: 'send', node: 1, peer: 2, type: 'MsgHeartbeat', text: 'n1→n2 MsgHeartbeat' });
      this.emit({ kind: 'deliver', node: 1, peer: 2, type: 'MsgHeartbeat', text: 'n2 got MsgHeartbeat' });
      if (this.time % 200 === 0) this.emit({ kind: 'tick-note', node: 2, text: `note at ${this.time}` });
    }
  }

  view(window = 40) {
    return {
      time: this.time, events: this.seq, window, seed: 1, manual: false,
      nodes: this.nodes.map((n) => ({ ...n, log: [] })), messages: [], cuts: [], clients: [],
      safety: { ok: true }, network: { min_latency_ms: 1, max_latency_ms: 2, drop_rate: 0, duplicate_rate: 0, reorder_rate: 0 },
      timing: { heartbeat_ms: 100, election_ticks: 5 },
    };
  }

  frame(since, show = {}) {
    const events = this.trace.filter((e) => e.seq > since && !(show.events === 'notable' && ROUTINE.has(e.kind)));
    return { view: this.view(show.log_window), events, horizon: this.time, halted: null };
  }

  /** push sends each subscriber the frame since its last push, with its dropped counts. */
  push(ws = this.socket) {
    if (!ws.sub) return;
    const f = this.frame(ws.pushedTo, ws.sub);
    ws.pushedTo = this.seq;
    ws.deliver({ push: 'frame', frame: f, dropped: ws.dropped });
  }

  receive(ws, { id, op, args }) {
    const ok = (result) => ({ ok: true, result });
    const bad = (kind, error) => ({ ok: false, kind, error });
    let reply;
    switch (op) {
      case 'hello':
        if (this.mode === 'silent') return;
        reply = ok(this.mode === 'stranger' ? { engine: 'sim', protocol: 9 } : { engine: 'native', protocol: 1, config: { nodes: 5, raft: { heartbeat_interval_ms: 100 } } });
        break;
      case 'subscribe': ws.sub = { ...args }; ws.pushedTo = this.seq; reply = ok({}); break;
      case 'frame': reply = ok(this.frame(args.since || 0, args)); break;
      case 'command': {
        const n = this.nodes[args.node - 1];
        if (args.kind === 'crash' && !n) { reply = bad('unknown-node', `sim: unknown node: crash: node ${args.node}; nodes are 1 to ${this.nodes.length}`); break; }
        const before = this.seq;
        if (args.kind === 'crash') { n.up = false; this.emit({ kind: 'crash', node: n.id, text: `n${n.id} crashed` }); }
        if (args.kind === 'restart') { n.up = true; this.emit({ kind: 'restart', node: n.id, text: `n${n.id} restarted` }); }
        reply = ok(this.frame(before, ws.sub || {}));
        break;
      }
      case 'create':
        if (!(args.nodes >= 1 && args.nodes <= 9)) { reply = bad('bad-config', `sim: bad config: nodes: is ${args.nodes}; must be 1 to 9`); break; }
        this.reset(args.nodes);
        reply = ok(this.frame(0, ws.sub || {}));
        break;
      case 'committed-log': {
        // A toy log of 10 committed entries on every node, from index 3.
        const n = this.nodes[args.node - 1];
        if (!n) { reply = bad('unknown-node', `native: unknown node: committed log: node ${args.node}; the cluster's own nodes are 1 to ${this.nodes.length}`); break; }
        const from = args.from || 3, hi = Math.min(13, from + (args.limit || 200));
        const page = { node: n.id, first: 3, commit: 12, entries: [] };
        for (let i = from; i < hi; i++) page.entries.push({ index: i, term: 2, type: 'normal', op: `set k${i}=v` });
        if (hi <= 12) page.next = hi;
        reply = ok(page);
        break;
      }
      default: reply = bad('bad-request', `bridge: unknown operation "${op}"`);
    }
    const answer = () => ws.deliver({ id, reply });
    if (this.hold && op !== 'hello') this.held.push({ id, op, answer });
    else queueMicrotask(answer);
  }

  /** release answers the held requests with these ids, in this order. */
  release(...ids) {
    for (const id of ids) {
      const i = this.held.findIndex((h) => h.id === id);
      this.held.splice(i, 1)[0].answer();
    }
  }
}

async function connected(opts = {}) {
  const server = new FakeServer(opts);
  const fatal = [];
  // The page's wall clock stands still unless a test moves it.
  const clock = { t: 0 };
  const engine = await NativeEngine.start({ url: 'ws://test/ws', WebSocket: server.WebSocket, timeoutMs: 50, onFatal: (e) => fatal.push(e), now: () => clock.t });
  return { server, engine, fatal, ws: server.socket, clock };
}

const sentOps = (ws) => ws.sent.map((m) => m.op);

test('the socket URL follows the page: ws for http, wss for https', () => {
  assert.equal(socketURL({ protocol: 'http:', host: 'localhost:8080' }), 'ws://localhost:8080/ws');
  assert.equal(socketURL({ protocol: 'https:', host: 'seshat.example' }), 'wss://seshat.example/ws');
});

test('start opens the socket and says hello; defaults come from hello', async () => {
  const { engine, ws } = await connected();
  assert.equal(ws.url, 'ws://test/ws');
  assert.deepEqual(ws.sent, [{ id: 1, op: 'hello', args: {} }]);
  assert.equal(engine.hello.engine, 'native');
  assert.equal((await engine.call('defaults')).nodes, 5);
  assert.equal(await engine.memory(), 0);
  assert.equal(engine.timing(), null);
  assert.deepEqual(engine.dropped(), { frames: 0, events: 0 });
});

test('the first frame subscribes; later frames are answered from pushes, filtered by since, events and max_events', async () => {
  const { server, engine, ws } = await connected();
  server.tick(400);
  const f0 = await engine.call('frame', { since: 0, events: 'all', log_window: 30, advance_ms: 16, maintain_steps: 2000 });
  assert.deepEqual(sentOps(ws), ['hello', 'subscribe', 'frame']);
  assert.deepEqual(ws.sent[1].args, { interval_ms: 100, log_window: 30, kv_from: '', events: 'all' });
  assert.equal(f0.view.time, 400);
  assert.equal(f0.events.length, server.seq, 'every event so far');
  assert.equal(f0.view.events, server.seq);
  assert.equal(f0.horizon, f0.view.time, 'no past: the horizon is now');

  server.tick(400);
  server.push();
  const sent = ws.sent.length;
  const all = await engine.call('frame', { since: f0.view.events, events: 'all', log_window: 30, advance_ms: 5000 });
  assert.equal(ws.sent.length, sent, 'no round trip');
  assert.equal(all.view.time, 800, 'advance_ms is ignored: the pushed time');
  assert.ok(all.events.length > 0 && all.events.every((e) => e.seq > f0.view.events));
  assert.equal(all.events[all.events.length - 1].seq, server.seq);

  const two = await engine.call('frame', { since: f0.view.events, events: 'all', log_window: 30, max_events: 2 });
  assert.deepEqual(two.events.map((e) => e.seq), all.events.slice(-2).map((e) => e.seq), 'the newest max_events');
  const none = await engine.call('frame', { since: all.view.events, events: 'all', log_window: 30 });
  assert.deepEqual(none.events, [], 'nothing newer than since');
  assert.equal(ws.sent.length, sent);
});

test('asking for other events or another log window subscribes again; notable frames leave out routine traffic', async () => {
  const { server, engine, ws } = await connected();
  server.tick(1000);
  const f = await engine.call('frame', { since: 0, events: 'notable', log_window: 40 });
  assert.ok(f.events.length >= 5 && f.events.every((e) => !ROUTINE.has(e.kind)), 'notable only');
  assert.equal(f.view.events, server.seq, 'since skips the routine events left out');
  server.tick(200);
  server.push();
  assert.equal(ws.sub.events, 'notable', 'the server pushes notable events only');
  const g = await engine.call('frame', { since: f.view.events, events: 'notable', log_window: 40 });
  assert.deepEqual(g.events.map((e) => e.kind), ['tick-note']);

  // The page starts showing traffic: subscribe for all, and refill.
  const n = ws.sent.length;
  const refill = await engine.call('frame', { since: 0, events: 'all', log_window: 40 });
  assert.deepEqual(sentOps(ws).slice(n), ['subscribe', 'frame']);
  assert.ok(refill.events.some((e) => e.kind === 'send'), 'the routine events come at once');
  assert.equal(refill.events.length, server.seq);
  // Back to notable: filtered locally from what was pushed.
  server.tick(200);
  server.push();
  const h = await engine.call('frame', { since: refill.view.events, events: 'notable', log_window: 40 });
  assert.deepEqual(h.events.map((e) => e.kind), ['tick-note']);
  // A wider log: subscribe again.
  await engine.call('frame', { since: h.view.events, events: 'notable', log_window: 60 });
  assert.deepEqual(ws.sub, { interval_ms: 100, log_window: 60, kv_from: '', events: 'notable' });
  // Another page of keys: subscribe again with kv_from, and keep it.
  await engine.call('frame', { since: h.view.events, events: 'notable', log_window: 60, kv_from: 'k050' });
  assert.deepEqual(ws.sub, { interval_ms: 100, log_window: 60, kv_from: 'k050', events: 'notable' });
  const m = ws.sent.length;
  await engine.call('frame', { since: h.view.events, events: 'notable', log_window: 60, kv_from: 'k050' });
  assert.ok(!sentOps(ws).slice(m).includes('subscribe'), 'the same page does not subscribe again');
});

test('pushes bring the newest view and the dropped counts; the buffer is bounded', async () => {
  const { server, engine, ws } = await connected();
  await engine.call('frame', { since: 0, events: 'all' });
  ws.dropped = { frames: 12, events: 0 };
  server.tick(100);
  server.push();
  assert.deepEqual(engine.dropped(), { frames: 12, events: 0 });
  assert.equal((await engine.call('frame', { since: 0 })).view.time, 100);
  ws.dropped = { frames: 15, events: 300 };
  server.push();
  assert.deepEqual(engine.dropped(), { frames: 15, events: 300 });

  server.tick(50 * EVENT_BUFFER);
  server.push();
  const f = await engine.call('frame', { since: 0 });
  assert.equal(f.events.length, EVENT_BUFFER, 'the oldest events went');
  assert.equal(f.events[f.events.length - 1].seq, server.seq);
  ws.deliver({ push: 'frame' }); // no frame: counts only, ignored otherwise
  ws.onmessage({ data: 'not json' });
  assert.equal((await engine.call('frame', { since: 0 })).view.time, server.time);
});

test('between pushes the clock runs on a little, so messages glide; the state stays the pushed one', async () => {
  const { server, engine, clock } = await connected();
  await engine.call('frame', { since: 0, events: 'all' });
  server.tick(100);
  server.push();
  const pushed = await engine.call('frame', { since: 0 });
  assert.equal(pushed.view.time, 100);
  clock.t += 40;
  const later = await engine.call('frame', { since: 0 });
  assert.equal(later.view.time, 140, '40 ms of wall time later');
  assert.equal(later.horizon, 140);
  assert.deepEqual(later.view.nodes, pushed.view.nodes);
  clock.t += 1000; // no push for a second: the clock stops EXTRAPOLATE_MS on
  assert.equal((await engine.call('frame', { since: 0 })).view.time, 100 + EXTRAPOLATE_MS);
  server.tick(1000);
  server.push(); // a new push starts over from its own time
  assert.equal((await engine.call('frame', { since: 0 })).view.time, 1100);
});

test('commands round-trip, matched by id in any order; their events arrive with the next push', async () => {
  const { server, engine, ws } = await connected({ hold: true });
  const first = engine.call('frame', { since: 0, events: 'all' });
  await Promise.resolve();
  server.release(2); // subscribe
  await new Promise((r) => setTimeout(r, 0));
  server.release(3); // frame
  const f0 = await first;

  const crash = engine.call('command', { kind: 'crash', node: 2 });
  const restart = engine.call('command', { kind: 'restart', node: 3 });
  await Promise.resolve();
  assert.deepEqual(server.held.map((h) => h.op), ['command', 'command']);
  server.release(5, 4); // the second answer first
  const [a, b] = await Promise.all([crash, restart]);
  assert.equal(a.view.nodes[1].up, false, 'the crash is drawn at once');
  assert.equal(b.view.nodes[1].up, false);
  assert.equal(a.view.events, f0.view.events, 'the command events wait for the push');
  assert.deepEqual(a.events, []);

  server.tick(50);
  server.push();
  const after = await engine.call('frame', { since: f0.view.events, events: 'all' });
  assert.deepEqual(after.events.filter((e) => !ROUTINE.has(e.kind)).map((e) => e.kind), ['crash', 'restart']);
  assert.equal(after.view.events, server.seq);
});

test('a view never goes back in time: an older push does not replace a newer answer', async () => {
  const { server, engine, ws } = await connected();
  await engine.call('frame', { since: 0, events: 'all' });
  server.tick(100);
  const stale = { push: 'frame', frame: server.frame(ws.pushedTo, ws.sub), dropped: ws.dropped };
  server.tick(100);
  await engine.call('command', { kind: 'crash', node: 4 });
  ws.deliver(stale); // produced before the command, written after its answer
  const f = await engine.call('frame', { since: 0 });
  assert.equal(f.view.time, 200);
  assert.equal(f.view.nodes[3].up, false);
});

test('errors carry their kinds; time travel and manual delivery are impossible', async () => {
  const { engine, ws } = await connected();
  await assert.rejects(engine.call('command', { kind: 'crash', node: 9 }), (e) => e.kind === 'unknown-node' && /node 9/.test(e.message));
  await assert.rejects(engine.call('create', { nodes: 12 }), (e) => e.kind === 'bad-config');
  await assert.rejects(engine.call('frame', { events: 'some' }), (e) => e.kind === 'bad-request');
  await assert.rejects(engine.call('frame', { max_events: -1 }), (e) => e.kind === 'bad-request');
  await assert.rejects(engine.call('teleport'), (e) => e.kind === 'bad-request');
  const n = ws.sent.length;
  for (const op of ['seek', 'step', 'next', 'export', 'import', 'shrink', 'why', 'search', 'diagram', 'fork', 'compare']) {
    await assert.rejects(engine.call(op, { t: 0 }), (e) => e.kind === 'impossible' && e.message === 'The native cluster runs in real time: no time travel', op);
  }
  for (const kind of ['manual', 'deliver', 'drop', 'duplicate']) {
    await assert.rejects(engine.call('command', { kind, msg: 3, on: true }), (e) => e.kind === 'impossible' && /real time/.test(e.message), kind);
  }
  assert.equal(ws.sent.length, n, 'refused without asking the server');
});

test('committed-log goes to the server as it is: pages to the end, errors with their kinds', async () => {
  const { engine, ws } = await connected();
  const got = [];
  let from = 0;
  for (let pages = 0; pages < 10; pages++) {
    const p = await engine.call('committed-log', { node: 2, from, limit: 4 });
    got.push(...p.entries);
    if (!p.next) break;
    from = p.next;
  }
  assert.deepEqual(got.map((e) => e.index), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(ws.sent.filter((m) => m.op === 'committed-log').map((m) => m.args), [{ node: 2, from: 0, limit: 4 }, { node: 2, from: 7, limit: 4 }, { node: 2, from: 11, limit: 4 }]);
  assert.ok(!sentOps(ws).includes('subscribe'), 'reading the log changes no subscription');
  await assert.rejects(engine.call('committed-log', { node: 9 }), (err) => err.kind === 'unknown-node' && /node 9/.test(err.message));
  const before = ws.sent.length;
  await assert.rejects(engine.call('committed-log', {}), (err) => err.kind === 'bad-request' && err.message === 'engine: committed-log: node 0 must be 1 or more');
  await assert.rejects(engine.call('committed-log', { node: 1, limit: 1001 }), (err) => err.kind === 'bad-request' && /limit 1001 must be 0/.test(err.message));
  assert.equal(ws.sent.length, before, 'a call out of range is refused before it goes over the socket');
});

test('create starts afresh: the old cluster\'s events and views are forgotten', async () => {
  const { server, engine, ws } = await connected();
  server.tick(1000);
  await engine.call('frame', { since: 0, events: 'all' });
  const old = { push: 'frame', frame: server.frame(0, ws.sub), dropped: ws.dropped };
  const created = engine.call('create', { nodes: 3 });
  ws.deliver(old); // a push of the old cluster while the new one starts
  const f = await created;
  assert.equal(f.view.nodes.length, 3);
  assert.equal(f.view.time, 0);
  assert.deepEqual(f.events.map((e) => e.seq), [1]);
  const g = await engine.call('frame', { since: 0 });
  assert.equal(g.view.nodes.length, 3, 'the old push was not taken');
  assert.deepEqual(g.events.map((e) => e.seq), [1]);
  // A refused create keeps the old cluster and what was pushed meanwhile.
  server.tick(200);
  const during = { push: 'frame', frame: server.frame(1, ws.sub), dropped: ws.dropped };
  const bad = engine.call('create', { nodes: 0 });
  ws.deliver(during);
  await assert.rejects(bad, (e) => e.kind === 'bad-config');
  assert.equal((await engine.call('frame', { since: 0 })).view.time, 200);
});

test('a closed socket fails pending and later calls, once, saying the dev server went away', async () => {
  const { server, engine, ws, fatal } = await connected({ hold: true });
  const pending = engine.call('command', { kind: 'crash', node: 1 });
  await Promise.resolve();
  assert.equal(server.held.length, 1);
  ws.readyState = 3;
  ws.onclose({ code: 1006, reason: '' });
  ws.onerror({});
  await assert.rejects(pending, (e) => e.kind === 'closed' && /dev server went away/.test(e.message) && /1006/.test(e.message));
  await assert.rejects(engine.call('frame', { since: 0 }), (e) => e.kind === 'closed' && /dev server went away/.test(e.message));
  await assert.rejects(engine.call('seek', { t: 0 }), (e) => e.kind === 'closed');
  assert.equal(fatal.length, 1);
  server.release(2); // an answer after the end is ignored
});

test('close by the page rejects calls with kind closed and reports nothing', async () => {
  const { engine, ws, fatal } = await connected();
  engine.close();
  assert.ok(ws.closedByPage);
  await assert.rejects(engine.call('frame', { since: 0 }), (e) => e.kind === 'closed' && /closed/.test(e.message));
  assert.equal(fatal.length, 0);
});

test('start rejects, saying how to start the native cluster, when the socket fails, hello is late or wrong', async () => {
  for (const [mode, want] of [['refuse', /closed with code 1006/], ['silent', /did not answer within 0.01 s/], ['stranger', /not a native cluster/]]) {
    const server = new FakeServer({ mode });
    await assert.rejects(NativeEngine.start({ url: 'ws://test/ws', WebSocket: server.WebSocket, timeoutMs: 10 }), (e) => {
      assert.match(e.message, want, mode);
      assert.ok(e.message.includes(NO_NATIVE), mode);
      assert.ok(e.message.includes('make run-native'));
      return true;
    });
    if (mode !== 'refuse') assert.ok(server.socket.closedByPage, `${mode}: the socket is closed`);
  }
  class Throws { constructor() { throw new SyntaxError('bad URL'); } }
  await assert.rejects(NativeEngine.start({ url: 'nope', WebSocket: Throws }), (e) => /bad URL/.test(e.message) && e.message.includes(NO_NATIVE));
  await assert.rejects(NativeEngine.start({ url: 'ws://x/ws', WebSocket: null }), /no WebSocket/);
});

test('the page on the native engine: attach, play, commands, and time travel refused in words', async () => {
  const server = new FakeServer();
  const errors = [];
  const engine = new SerialEngine(await NativeEngine.start({ url: 'ws://test/ws', WebSocket: server.WebSocket, timeoutMs: 50, now: () => 0 }), 'native'); // a still wall clock
  const app = new App(engine, { onChange: () => {}, onError: (t) => errors.push(t), onSessionChange: () => {} });
  server.tick(600);
  assert.ok(await app.attach());
  assert.equal(app.view.time, 600);
  assert.ok(app.model.events.length > 0 && app.model.lastSeq === server.seq);

  server.tick(300);
  server.push();
  app.tick(1000);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(app.view.time, 900, 'playing shows the newest pushed view');
  assert.ok(app.model.events.some((e) => e.text === 'note at 800'));

  await app.command({ kind: 'crash', node: 3 });
  assert.equal(app.view.nodes[2].up, false);
  server.tick(50);
  server.push();
  await app.call('frame', app.args(), 'continue');
  assert.ok(app.model.events.some((e) => e.kind === 'crash'), 'the crash event arrives with the push');

  await app.next();
  await app.seek(100);
  assert.deepEqual(errors, ['Next event: The native cluster runs in real time: no time travel', 'Travel to 0.100 s: The native cluster runs in real time: no time travel']);
  assert.deepEqual(engine.dropped(), { frames: 0, events: 0 });
});
