// FakeEngine answers the engine protocol (docs/engine-protocol.md) with a
// toy cluster in plain JS (fake-cluster.js): same calls, same Frame and
// error shapes as WasmEngine, for tests and for working on the page without
// the WebAssembly build (load the page with ?engine=fake).
// Every Go fact it needs (routine kinds, defaults, limits, the calls and
// their checks, error kinds and texts) comes from the generated
// ../ui/schema.js, never from a copy.
import { FakeCluster } from './fake-cluster.js';
import { DEFAULT_CONFIG, ERROR_KINDS, LIMITS, REQUEST_KINDS, ROUTINE_EVENT_KINDS, SESSION_VERSION, errorText, eventText, requestError } from '../ui/schema.js';

/** ROUTINE_KINDS are the events left out when a call asks for notable ones (wire.Event.Routine). */
const ROUTINE_KINDS = new Set(ROUTINE_EVENT_KINDS);

/** FakeEngineError is a refused call, with the protocol's error kind. */
export class FakeEngineError extends Error {
  constructor(message, kind) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
  }
}

/** defaultConfig is wire.DefaultConfig, from the generated schema (a copy the caller may change). */
export function defaultConfig() {
  return structuredClone(DEFAULT_CONFIG);
}

function merge(base, over) {
  const out = { ...base };
  for (const [k, v] of Object.entries(over || {})) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' ? merge(base[k], v) : v;
  }
  return out;
}

const fail = (kind, msg) => { throw new FakeEngineError(msg, kind); };

/** refuse throws the error of template name (schema.js ERROR_TEMPLATES), filled in with params, in Go's words and kind. */
const refuse = (name, params) => {
  const { kind, text } = errorText(name, params);
  throw new FakeEngineError(text, kind);
};

/** FAKE_OPS are the calls of REQUEST_KINDS the toy answers; it refuses the others in its own words. */
const FAKE_OPS = new Set(['defaults', 'create', 'import', 'frame', 'step', 'next', 'command', 'seek', 'export', 'committed-log']);

/** utf8Bytes is the length of s in bytes of UTF-8, as Go counts a key or value. */
const utf8Bytes = (s) => new TextEncoder().encode(s).length;

/** Engine state for one session: the cluster, its command log and horizon. */
class Session {
  constructor(cfg) {
    if (!(cfg.nodes >= 1 && cfg.nodes <= LIMITS.max_nodes)) refuse('config_nodes', { nodes: cfg.nodes });
    const n = cfg.network;
    if (n.min_latency_ms < 0 || n.max_latency_ms < n.min_latency_ms) refuse('config_latency', { min: n.min_latency_ms, max: n.max_latency_ms });
    this.initial = cfg;
    this.log = [];
    this.pos = 0;
    this.horizon = 0;
    this.c = new FakeCluster(structuredClone(cfg));
    this.addClients(this.c, cfg.clients.count);
  }

  addClients(c, count) {
    for (let i = 0; i < count; i++) {
      const cl = { id: c.clients.length + 1, count: 0, cur: null, removed: false };
      c.clients.push(cl);
      c.schedule(50 + Math.floor(c.rand() * 500), { type: 'client', client: cl.id });
    }
  }

  /** runTo advances to time t, applying recorded commands that fall due. */
  runTo(t) {
    const c = this.c;
    while (this.pos < this.log.length && this.log[this.pos].at <= t && !c.halted) {
      const lc = this.log[this.pos++];
      c.runUntil(lc.at);
      this.apply(lc.cmd);
    }
    c.runUntil(t);
    this.horizon = Math.max(this.horizon, c.now);
  }

  command(cmd) {
    const c = this.c;
    if (c.halted) refuse('halted', { text: c.halted.text });
    this.validate(cmd);
    this.log.length = this.pos; // a new command replaces the recorded future
    this.log.push({ step: c.steps, at: c.now, cmd });
    this.pos = this.log.length;
    this.horizon = c.now;
    this.apply(cmd);
  }

  /** validate refuses cmd as wire.CheckCommand would, for the checks the toy makes, in Go's words (schema.js). */
  validate(cmd) {
    const c = this.c;
    const kind = cmd.kind;
    const node = (id, field = 'node') => {
      if (!(id >= 1 && id <= c.nodes.length)) refuse('unknown_node', { kind, field, id, nodes: c.nodes.length });
      return c.nodes[id - 1];
    };
    switch (kind) {
      case 'set': case 'get': case 'del': {
        if (!cmd.key) refuse('key_empty', { kind });
        if (utf8Bytes(cmd.key) > LIMITS.key_bytes) refuse('key_long', { kind, bytes: utf8Bytes(cmd.key) });
        if (utf8Bytes(cmd.value || '') > LIMITS.value_bytes) refuse('value_long', { kind, bytes: utf8Bytes(cmd.value) });
        if (kind !== 'set' && cmd.value) refuse('value_not_taken', { kind });
        if (!c.nodes.some((n) => n.up)) refuse('all_down', { kind });
        break;
      }
      case 'crash': case 'restart': case 'isolate': case 'campaign': case 'transfer': {
        const n = node(cmd.node);
        if (kind === 'restart' && n.up) refuse('running', { id: n.id });
        if (kind !== 'restart' && kind !== 'isolate' && !n.up) refuse('down', { kind, id: n.id });
        if (kind === 'transfer' && !c.leader()) refuse('no_leader');
        if (kind === 'transfer' && c.leader().id === n.id) refuse('already_leader', { id: n.id });
        break;
      }
      case 'cut': case 'heal':
        if (kind === 'heal' && !cmd.node && !cmd.peer) break;
        node(cmd.node); node(cmd.peer, 'peer');
        if (cmd.node === cmd.peer) refuse('same_link', { kind, id: cmd.node });
        break;
      case 'deliver': case 'drop': case 'duplicate':
        if (!c.flights.has(cmd.msg)) refuse('not_in_flight', { kind, msg: cmd.msg });
        if (kind === 'deliver' && !c.nodes[c.flights.get(cmd.msg).to - 1].up) refuse('deliver_down', { id: c.flights.get(cmd.msg).to });
        break;
      case 'network': {
        const n = cmd.network;
        if (!n) refuse('network_missing');
        if (n.min_latency_ms < 0 || n.max_latency_ms < n.min_latency_ms) refuse('network_latency', { min: n.min_latency_ms, max: n.max_latency_ms });
        for (const rate of ['drop_rate', 'duplicate_rate', 'reorder_rate']) if (!(n[rate] >= 0 && n[rate] <= 1)) refuse('network_rate', { rate, value: n[rate] });
        break;
      }
      case 'manual': break;
      case 'reseed':
        if (!(Number.isSafeInteger(cmd.seed || 0) && (cmd.seed || 0) >= 0)) refuse('reseed_seed', { seed: cmd.seed });
        break;
      case 'add-clients': {
        const now = c.clients.filter((x) => !x.removed).length;
        if (!(cmd.count >= 1 && now + cmd.count <= LIMITS.max_clients)) refuse('add_clients', { count: cmd.count, now });
        break;
      }
      case 'remove-clients': {
        const now = c.clients.filter((x) => !x.removed).length;
        if (now === 0) refuse('no_clients');
        if (!(cmd.count >= 1 && cmd.count <= now)) refuse('remove_clients', { count: cmd.count, now });
        break;
      }
      default: refuse('unknown_kind', { kind });
    }
  }

  apply(cmd) {
    const c = this.c;
    const n = cmd.node ? c.nodes[cmd.node - 1] : null;
    const note = (text) => c.emit({ kind: 'command', node: cmd.node || undefined, type: cmd.kind, text });
    // record emits the event of template name (schema.js EVENT_TEMPLATES: wire.CommandEvent's words) with fields.
    const record = (name, fields, params = {}) => {
      const { kind, text } = eventText(name, { node: `n${cmd.node}`, peer: `n${cmd.peer}`, ...params });
      c.emit({ kind, ...fields, text });
    };
    const link = { node: cmd.node, peer: cmd.peer };
    switch (cmd.kind) {
      case 'set': case 'get': case 'del':
        record(cmd.kind === 'set' ? 'console_set' : 'console_read', { node: cmd.node || undefined, type: cmd.kind }, { kind: cmd.kind, key: cmd.key, value: cmd.value || '' });
        c.invoke(0, cmd.kind, cmd.key, cmd.value || '');
        break;
      case 'crash':
        record('crash', { node: n.id });
        Object.assign(n, { up: false, role: '', leader: 0, applied: 0, kv: new Map(), progress: new Map(), elapsed: 0 });
        for (const [id, m] of c.flights) if (m.from === n.id || m.to === n.id) { c.flights.delete(id); if (m.item) c.queue = c.queue.filter((q) => q !== m.item); }
        break;
      case 'restart':
        Object.assign(n, { up: true, role: 'follower', leader: 0, elapsed: 0, applied: n.snapIndex, kv: new Map(n.snapKV) });
        c.applyCommitted(n);
        c.emit({ kind: 'restart', node: n.id, index: n.snapIndex, text: `n${n.id} restarted from its storage (term ${n.term}, state machine restored to index ${n.snapIndex})` });
        break;
      case 'cut':
        c.cuts.add(`${cmd.node}>${cmd.peer}`);
        if (!cmd.one_way) c.cuts.add(`${cmd.peer}>${cmd.node}`);
        record(cmd.one_way ? 'cut_one_way' : 'cut', link);
        break;
      case 'heal':
        if (!cmd.node) { c.cuts.clear(); record('heal_all', {}); break; }
        c.cuts.delete(`${cmd.node}>${cmd.peer}`);
        if (!cmd.one_way) c.cuts.delete(`${cmd.peer}>${cmd.node}`);
        record(cmd.one_way ? 'heal_one_way' : 'heal', link);
        break;
      case 'isolate':
        for (const o of c.nodes) if (o.id !== n.id) { c.cuts.add(`${n.id}>${o.id}`); c.cuts.add(`${o.id}>${n.id}`); }
        record('isolate', { node: n.id });
        break;
      case 'campaign': record('campaign', { node: n.id, type: cmd.kind }); c.preCampaign(n); break;
      case 'transfer': {
        const l = c.leader();
        record('transfer', { node: n.id, type: cmd.kind }, { leader: `n${l.id}` });
        c.send(l, n.id, { type: 'MsgTimeoutNow', term: l.term });
        break;
      }
      case 'deliver': c.deliver(cmd.msg, true); break;
      case 'drop': {
        const m = c.flights.get(cmd.msg);
        c.flights.delete(cmd.msg);
        if (m.item) c.queue = c.queue.filter((q) => q !== m.item);
        c.emit({ kind: 'drop', node: m.from, peer: m.to, msg: m.id, type: m.type, text: `dropped ${m.type} n${m.from}→n${m.to}: dropped by command` });
        break;
      }
      case 'duplicate': {
        const m = c.flights.get(cmd.msg);
        const copy = { ...m, id: ++c.msgId, item: null };
        c.emit({ kind: 'duplicate', node: m.from, peer: m.to, msg: copy.id, type: m.type, text: `network duplicated ${m.text}` });
        c.flights.set(copy.id, copy);
        if (!c.cfg.manual) c.route(copy);
        break;
      }
      case 'network': {
        c.cfg.network = { ...cmd.network };
        const x = c.cfg.network;
        // pct rounds a rate to whole percent as Go's %.0f does (half to even).
        const pct = (r) => { const v = 100 * r, f = Math.floor(v), d = v - f; return String(d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f); };
        record('network', {}, { min: x.min_latency_ms, max: x.max_latency_ms, drop: pct(x.drop_rate), duplicate: pct(x.duplicate_rate), reorder: pct(x.reorder_rate) });
        break;
      }
      case 'reseed':
        c.reseed(cmd.seed || 0);
        record('reseed', { type: 'reseed' }, { seed: cmd.seed || 0 });
        break;
      case 'manual':
        if (!!cmd.on === !!c.cfg.manual) break;
        c.cfg.manual = !!cmd.on;
        c.emit({ kind: 'command', type: 'manual', text: cmd.on ? 'manual delivery on: messages wait for deliver, drop or duplicate' : 'manual delivery off: the network delivers messages again' });
        if (!cmd.on) for (const m of c.flights.values()) if (!m.deliver_at) c.route(m);
        break;
      case 'add-clients':
        this.addClients(c, cmd.count);
        note(`added ${cmd.count === 1 ? '1 client' : `${cmd.count} clients`} (${c.clients.filter((x) => !x.removed).length} now)`);
        break;
      case 'remove-clients': {
        let left = cmd.count;
        for (let i = c.clients.length - 1; i >= 0 && left > 0; i--) if (!c.clients[i].removed) { c.clients[i].removed = true; left--; }
        note(`removed ${cmd.count === 1 ? '1 client' : `${cmd.count} clients`} (${c.clients.filter((x) => !x.removed).length} now)`);
        break;
      }
    }
  }

  view(window) {
    const c = this.c;
    const nodes = c.nodes.map((n) => {
      const last = c.last(n);
      const log = n.log.slice(Math.max(0, n.log.length - window));
      return {
        id: n.id, up: n.up, role: n.up ? n.role : undefined, term: n.term, vote: n.vote, leader: n.up ? n.leader : 0,
        commit: n.commit, applied: n.up ? n.applied : 0, last_index: last, first_index: n.first, snapshot_index: n.snapIndex,
        snapshot_term: n.snapTerm, election_elapsed: n.up && n.role !== 'leader' ? n.elapsed : 0, voters: c.nodes.map((x) => x.id),
        log: log.map((e) => ({ index: e.index, term: e.term, type: e.type, op: e.op })), log_omitted: n.log.length - log.length,
        kv: kvPage(n.up ? n.kv : new Map(), this.kvFrom || '', this.kvLimit || 0),
        progress: n.up && n.role === 'leader' ? [...n.progress].map(([id, p]) => ({ id, match: p.match, next: p.next, state: p.state, recent_active: p.recent })) : undefined,
      };
    });
    const messages = [...c.flights.values()].sort((a, b) => a.id - b.id).map((m) => ({
      id: m.id, from: m.from, to: m.to, type: m.type, term: m.term, index: m.index || undefined, log_term: m.log_term || undefined,
      commit: m.commit || undefined, entries: m.entries || undefined, response: m.response || undefined, reject: m.reject || undefined,
      sent_at: m.sent_at, deliver_at: m.deliver_at, lost: m.lost || undefined, text: m.text,
    }));
    const cuts = [...c.cuts].map((k) => k.split('>').map(Number)).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([from, to]) => ({ from, to }));
    const clients = c.clients.filter((x) => !x.removed).map((x) => {
      const l = c.leader();
      return { id: x.id, leader: l ? l.id : 0, pending: x.cur || undefined, issued: x.count };
    });
    return {
      time: c.now, steps: c.steps, events: c.seq, seed: this.initial.seed, manual: !!c.cfg.manual, nodes, messages, cuts, clients,
      safety: c.halted ? { ok: false, violation: c.halted } : { ok: true }, network: { ...c.cfg.network },
      timing: { heartbeat_ms: c.cfg.raft.heartbeat_interval_ms, election_ticks: 5 },
      raft: {
        pre_vote: c.cfg.raft.pre_vote, check_quorum: c.cfg.raft.check_quorum, read_only_lease_based: c.cfg.raft.read_only_lease_based,
        max_inflight_msgs: c.cfg.raft.max_inflight_msgs || LIMITS.flow.inflight, max_size_per_msg: c.cfg.raft.max_size_per_msg || LIMITS.flow.size_per_msg,
        snapshot_interval_entries: c.cfg.raft.snapshot_interval_entries, snapshot_catchup_entries: c.cfg.raft.snapshot_catchup_entries,
      },
      limits: { key_bytes: LIMITS.key_bytes, value_bytes: LIMITS.value_bytes },
    };
  }

  /** frame is the Frame with the events after since: no routine ones when notable, only the newest max (0: all). */
  frame(since, window, notable = false, max = 0) {
    let events = this.c.ring.filter((e) => e.seq > since && !(notable && ROUTINE_KINDS.has(e.kind))).map((e) => ({ ...e }));
    if (max > 0 && events.length > max) events = events.slice(events.length - max);
    return { view: this.view(window), events, horizon: this.horizon, halted: this.c.halted };
  }

  seek(t) {
    if (!(t >= 0 && t <= this.horizon)) refuse('seek', { t, horizon: this.horizon });
    if (t >= this.c.now) { this.runTo(t); return; }
    const { log, horizon } = this;
    const fresh = new Session(this.initial);
    Object.assign(this, { c: fresh.c, pos: 0, log, horizon });
    this.runTo(t);
  }

  /**
   * committedLog answers committed-log ({node, from, limit}, whose ranges
   * FakeEngine.check has checked): a page of the node's committed log
   * (wire.LogPage), refused as wire.CommittedLog refuses, in its words
   * (schema.js).
   */
  committedLog(a) {
    const limit = a.limit || 0;
    const c = this.c;
    if (a.node > c.nodes.length) refuse('log_unknown_node', { id: a.node, nodes: c.nodes.length });
    const n = c.nodes[a.node - 1];
    const from = a.from || n.first;
    const where = { from, id: n.id, first: n.first, commit: n.commit };
    if (from < n.first) refuse('log_compacted', where);
    if (from > n.commit + 1) refuse('log_past_commit', where);
    const hi = Math.min(n.commit + 1, from + (limit || LIMITS.log_page));
    const entries = n.log.slice(from - n.first, Math.max(hi - n.first, 0)).map((e) => ({ index: e.index, term: e.term, type: e.type, op: e.op }));
    const page = { node: n.id, first: n.first, commit: n.commit, entries };
    if (hi <= n.commit) page.next = hi;
    return page;
  }

  export() {
    return { version: SESSION_VERSION, config: structuredClone(this.initial), commands: this.log.map((x) => structuredClone(x)), until: this.horizon };
  }
}

/** FakeEngine is the protocol over a Session, answering asynchronously like a worker. */
export class FakeEngine {
  static async start() { return new FakeEngine(); }

  constructor() {
    this.s = null;
    this.window = 200;
    this.notable = false;
    this.max = 0;
  }

  /** show remembers what frames carry (events, max_events), as the Go engine does. */
  show(a) {
    this.notable = a.events === 'notable';
    this.max = a.max_events || 0;
  }

  /** frameOf is the session's Frame as the last call asked for it. */
  frameOf(since) {
    return this.s.frame(since, this.window, this.notable, this.max);
  }

  /** call answers one protocol call: a Promise of the result, rejected with .kind on errors. */
  call(op, args = {}) {
    return new Promise((resolve, reject) => {
      queueMicrotask(() => {
        try { resolve(structuredClone(this.answer(op, args || {}))); } catch (err) {
          const internal = () => { const { kind, text } = errorText('internal', { op, detail: err.message }); return new FakeEngineError(text, kind); };
          reject(err instanceof FakeEngineError ? err : internal());
        }
      });
    });
  }

  /** memory reports 0: the fake has no wasm memory. */
  async memory() { return 0; }

  /** check refuses op with a as the Go engine does (schema.js REQUEST_KINDS): an unknown op, a call before create, a field out of range. */
  check(op, a) {
    const rule = REQUEST_KINDS.find((r) => r.kind === op);
    if (rule && !FAKE_OPS.has(op)) fail(ERROR_KINDS.BAD_REQUEST, `fake engine: ${op} is not implemented here; the in-browser engine (?engine=wasm) answers it`);
    if (rule && rule.after === 'create' && !this.s) refuse('before_create', { op });
    const bad = requestError(op, a);
    if (bad) throw new FakeEngineError(bad.text, bad.kind);
  }

  answer(op, a) {
    this.check(op, a);
    if (op === 'committed-log') return this.s.committedLog(a);
    if (a.log_window > 0) this.window = a.log_window;
    if (a.kv_limit > 0) this.s && (this.s.kvLimit = a.kv_limit);
    if (this.s) this.s.kvFrom = typeof a.kv_from === 'string' ? a.kv_from : '';
    switch (op) {
      case 'defaults': return defaultConfig();
      case 'create': this.s = new Session(merge(defaultConfig(), a)); return this.frameOf(0);
      case 'import': {
        if (!a || a.version !== SESSION_VERSION) refuse('session_version', { version: a && a.version });
        if (!a.config) refuse('bad_session', { text: 'config is missing' });
        const s = new Session(merge(defaultConfig(), a.config));
        s.log = a.commands || [];
        s.horizon = a.until || 0;
        s.runTo(s.horizon);
        this.s = s;
        return this.frameOf(0);
      }
    }
    const s = this.s;
    if (op === 'frame' || op === 'step' || op === 'next' || op === 'seek') this.show(a);
    switch (op) {
      case 'frame':
        if (a.advance_ms) s.runTo(s.c.now + a.advance_ms);
        return this.frameOf(a.since || 0);
      case 'step':
        for (let i = 0; i < a.n && s.c.queue.length && !s.c.halted; i++) s.runTo(s.c.nextAt());
        return this.frameOf(a.since || 0);
      case 'next': {
        const t = s.c.nextAt();
        if (t !== null) s.runTo(t);
        return this.frameOf(a.since || 0);
      }
      case 'command': {
        const before = s.c.seq;
        s.command(a);
        return this.frameOf(before);
      }
      case 'seek': s.seek(a.t); return this.frameOf(0);
      case 'export': return s.export();
      default: throw new Error(`no case for ${op}`); // a bug: FAKE_OPS names an op answer does not handle
    }
  }
}

/**
 * kvPage is a store as a view shows it (wire.KVView): its count, a digest
 * (a toy hash here, equal for equal stores), and the pairs in key order
 * from from, at most limit of them when limit > 0, next the first key after.
 */
function kvPage(map, from, limit) {
  const all = [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let h = 0x811c9dc5;
  for (const [k, v] of all) for (const ch of `${k}\u0000${v}\u0001`) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  const rest = all.filter(([k]) => k >= from);
  const page = limit > 0 ? rest.slice(0, limit) : rest;
  return {
    count: all.length, digest: all.length ? h.toString(16).padStart(16, '0') : '0'.repeat(16), from,
    pairs: page.map(([key, value]) => ({ key, value })), next: page.length < rest.length ? rest[page.length][0] : '',
  };
}
