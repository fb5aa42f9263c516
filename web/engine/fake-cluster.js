// A toy Raft cluster in plain JS that produces Views and Events in the real
// engine's schema (wire/view.go, wire/event.go). It is NOT etcd Raft: it
// exists so the page and its tests can run without the WebAssembly engine.
// Deterministic: a seeded generator, no clock.

/** mulberry32 is a small seeded generator returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ELECTION_TICKS = 5;
const COMPACT_AFTER = 60; // applied entries kept before a snapshot
const COMPACT_KEEP = 10;
const EVENT_RING = 5000;

/** FakeCluster is one simulated cluster; FakeEngine drives it. */
export class FakeCluster {
  constructor(cfg) {
    this.cfg = cfg;
    this.reseed(cfg.seed);
    this.now = 0;
    this.steps = 0;
    this.seq = 0;
    this.ring = [];
    this.queue = []; // {at, n, type, ...} sorted by (at, n)
    this.qn = 0;
    this.flights = new Map();
    this.msgId = 0;
    this.reqId = 0;
    this.cuts = new Set();
    this.clients = [];
    this.pending = new Map(); // request id -> {client, text, kind, key}
    this.halted = null;
    const ids = Array.from({ length: cfg.nodes }, (_, i) => i + 1);
    this.nodes = ids.map((id) => this.newNode(id));
    for (const n of this.nodes) {
      n.log = ids.map((v, i) => ({ index: i + 1, term: 1, type: 'conf-change', op: `add n${v}` }));
      n.commit = n.applied = ids.length;
      this.emit({ kind: 'term', node: n.id, term: 1, text: `n${n.id} moved to term 1` });
      this.schedule(7 + ((n.id * 37) % 100), { type: 'tick', node: n.id });
    }
  }

  newNode(id) {
    return { id, up: true, role: 'follower', term: 1, vote: 0, leader: 0, log: [], first: 1, snapIndex: 0, snapTerm: 0, snapKV: [],
      commit: 0, applied: 0, kv: new Map(), elapsed: 0, timeout: this.timeout(), votes: new Set(), progress: new Map() };
  }

  /** reseed draws the cluster's random numbers from seed from now on (the reseed command). */
  reseed(seed) { this.rand = mulberry32(seed * 2654435761 + 17); }

  timeout() { return ELECTION_TICKS + Math.floor(this.rand() * ELECTION_TICKS); }

  emit(e) {
    this.seq++;
    const ev = { seq: this.seq, at: this.now, ...e };
    this.ring.push(ev);
    if (this.ring.length > EVENT_RING) this.ring.splice(0, this.ring.length - EVENT_RING);
  }

  schedule(delay, item) {
    const it = { at: this.now + delay, n: ++this.qn, ...item };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1].at > it.at || (this.queue[i - 1].at === it.at && this.queue[i - 1].n > it.n))) i--;
    this.queue.splice(i, 0, it);
    return it;
  }

  nextAt() { return this.queue.length ? this.queue[0].at : null; }

  /** runUntil processes every queued item due at or before t, then sets the clock to t. */
  runUntil(t) {
    while (!this.halted && this.queue.length && this.queue[0].at <= t) this.step();
    if (!this.halted) this.now = Math.max(this.now, t);
  }

  step() {
    const it = this.queue.shift();
    this.now = it.at;
    this.steps++;
    if (it.type === 'tick') this.tick(this.nodes[it.node - 1]);
    else if (it.type === 'deliver') this.deliver(it.msg);
    else if (it.type === 'client') this.clientTurn(it.client);
    else if (it.type === 'retry') this.propose(it.req);
    else if (it.type === 'giveup') this.giveUp(it.req);
    if (this.cfg.fake_violation_at && this.now >= this.cfg.fake_violation_at && !this.halted) {
      this.halted = { at: this.now, property: 'Election Safety', nodes: [1, 2], term: 3, text: 'n1 and n2 were both leaders of term 3 (a planted fake violation)' };
      this.emit({ kind: 'violation', text: `violation of ${this.halted.property}: ${this.halted.text}` });
    }
  }

  // --- logs ---
  last(n) { return n.log.length ? n.log[n.log.length - 1].index : n.snapIndex; }
  termAt(n, i) {
    if (i === n.snapIndex) return n.snapTerm;
    const e = n.log[i - n.first];
    return e ? e.term : i === 0 ? 0 : -1;
  }
  upToDate(n, lastIndex, lastTerm) {
    const myTerm = this.termAt(n, this.last(n));
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.last(n));
  }
  majority() { return Math.floor(this.nodes.length / 2) + 1; }

  // --- roles ---
  becomeFollower(n, term, leader) {
    if (term > n.term) {
      n.term = term;
      n.vote = 0;
      this.emit({ kind: 'term', node: n.id, term, text: `n${n.id} moved to term ${term}` });
    }
    if (n.role !== 'follower') this.emit({ kind: 'role', node: n.id, term: n.term, type: 'follower', text: `n${n.id} became follower in term ${n.term}` });
    n.role = 'follower';
    if (leader && n.leader !== leader) this.emit({ kind: 'leader', node: n.id, peer: leader, term: n.term, text: `n${n.id} follows leader n${leader} in term ${n.term}` });
    n.leader = leader;
  }

  preCampaign(n) {
    n.role = 'pre-candidate';
    n.leader = 0;
    n.votes = new Set([n.id]);
    n.elapsed = 0;
    n.timeout = this.timeout();
    this.emit({ kind: 'role', node: n.id, term: n.term, type: 'pre-candidate', text: `n${n.id} became pre-candidate: asking for pre-votes for term ${n.term + 1}` });
    if (this.nodes.length === 1) return this.campaign(n);
    for (const p of this.nodes) if (p.id !== n.id) this.send(n, p.id, { type: 'MsgPreVote', term: n.term + 1, index: this.last(n), log_term: this.termAt(n, this.last(n)) });
  }

  campaign(n) {
    n.role = 'candidate';
    n.term++;
    n.vote = n.id;
    n.leader = 0;
    n.votes = new Set([n.id]);
    n.elapsed = 0;
    this.emit({ kind: 'term', node: n.id, term: n.term, text: `n${n.id} moved to term ${n.term}` });
    this.emit({ kind: 'role', node: n.id, term: n.term, type: 'candidate', text: `n${n.id} became candidate in term ${n.term} and asked for votes` });
    this.emit({ kind: 'vote', node: n.id, peer: n.id, term: n.term, text: `n${n.id} voted for itself in term ${n.term}` });
    if (this.nodes.length === 1) return this.becomeLeader(n);
    for (const p of this.nodes) if (p.id !== n.id) this.send(n, p.id, { type: 'MsgVote', term: n.term, index: this.last(n), log_term: this.termAt(n, this.last(n)) });
  }

  becomeLeader(n) {
    n.role = 'leader';
    n.leader = n.id;
    this.emit({ kind: 'role', node: n.id, term: n.term, type: 'leader', text: `n${n.id} became leader in term ${n.term}` });
    this.emit({ kind: 'leader', node: n.id, peer: n.id, term: n.term, text: `n${n.id} leads term ${n.term}` });
    n.progress = new Map(this.nodes.map((p) => [p.id, { match: p.id === n.id ? this.last(n) : 0, next: this.last(n) + 1, state: 'probe', recent: true }]));
    this.append(n, { term: n.term, type: 'normal', op: '' });
    this.broadcastAppend(n);
  }

  append(n, e) {
    const entry = { index: this.last(n) + 1, ...e };
    n.log.push(entry);
    n.progress.get(n.id).match = entry.index;
    this.emit({ kind: 'append', node: n.id, term: e.term, index: entry.index, index2: entry.index, text: `n${n.id} appended entry ${e.term}/${entry.index} ${e.op || '(empty)'}` });
    this.maybeCommit(n);
    return entry.index;
  }

  // --- messages ---
  send(from, to, m) {
    const id = ++this.msgId;
    const msg = { id, from: from.id, to, entries: 0, ...m };
    msg.response = /Resp$/.test(m.type);
    msg.text = this.describe(msg);
    this.emit({ kind: 'send', node: from.id, peer: to, term: m.term, msg: id, type: m.type, text: `sent ${msg.text}` });
    if (this.cuts.has(`${from.id}>${to}`)) {
      this.emit({ kind: 'drop', node: from.id, peer: to, msg: id, type: m.type, text: `dropped ${m.type} n${from.id}→n${to}: the link is cut` });
      return;
    }
    this.fly(msg);
    if (!this.cfg.manual && this.rand() < this.cfg.network.duplicate_rate) {
      const copy = { ...msg, id: ++this.msgId };
      this.emit({ kind: 'duplicate', node: from.id, peer: to, msg: copy.id, type: m.type, text: `network duplicated ${msg.text}` });
      this.fly(copy);
    }
  }

  fly(msg) {
    const net = this.cfg.network;
    msg.sent_at = this.now;
    msg.lost = !this.cfg.manual && this.rand() < net.drop_rate;
    this.flights.set(msg.id, msg);
    if (this.cfg.manual) { msg.deliver_at = 0; return; }
    this.route(msg);
  }

  route(msg) {
    const net = this.cfg.network;
    let lat = net.min_latency_ms + Math.floor(this.rand() * (net.max_latency_ms - net.min_latency_ms + 1));
    if (this.rand() < net.reorder_rate) lat += Math.floor(this.rand() * 2 * net.max_latency_ms);
    msg.deliver_at = this.now + Math.max(1, lat);
    msg.item = this.schedule(msg.deliver_at - this.now, { type: 'deliver', msg: msg.id });
  }

  describe(m) {
    let s = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.log_term || 0}/${m.index || 0}`;
    if (m.commit) s += ` Commit:${m.commit}`;
    if (m.reject) s += ` Rejected (Hint: ${m.hint || 0})`;
    if (m.ents && m.ents.length) s += ` Entries:[${m.ents.map((e) => `${e.term}/${e.index} ${e.op || '(empty)'}`).join(', ')}]`;
    return s;
  }

  deliver(id, forced = false) {
    const m = this.flights.get(id);
    if (!m) return;
    this.flights.delete(id);
    if (m.item) this.queue = this.queue.filter((q) => q !== m.item);
    const to = this.nodes[m.to - 1];
    const why = !to.up ? `n${m.to} is down` : !forced && m.lost ? 'lost by the network' : !forced && this.cuts.has(`${m.from}>${m.to}`) ? 'the link is cut' : '';
    if (why) {
      this.emit({ kind: 'drop', node: m.from, peer: m.to, msg: id, type: m.type, text: `dropped ${m.type} n${m.from}→n${m.to}: ${why}` });
      return;
    }
    this.emit({ kind: 'deliver', node: m.to, peer: m.from, term: m.term, msg: id, type: m.type, text: `delivered ${m.text}` });
    this.receive(to, m);
  }

  receive(n, m) {
    const pre = m.type === 'MsgPreVote' || m.type === 'MsgPreVoteResp';
    if (!pre && m.term > n.term) this.becomeFollower(n, m.term, m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap' ? m.from : 0);
    if (!pre && m.term < n.term) {
      if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat') this.send(n, m.from, { type: 'MsgAppResp', term: n.term, reject: true, index: m.index, hint: this.last(n) });
      return;
    }
    switch (m.type) {
      case 'MsgPreVote': {
        const grant = m.term > n.term && this.upToDate(n, m.index, m.log_term) && (n.leader === 0 || n.elapsed >= ELECTION_TICKS);
        this.send(n, m.from, { type: 'MsgPreVoteResp', term: grant ? m.term : n.term, reject: !grant });
        break;
      }
      case 'MsgPreVoteResp':
        if (n.role === 'pre-candidate' && !m.reject) {
          n.votes.add(m.from);
          if (n.votes.size >= this.majority()) this.campaign(n);
        }
        break;
      case 'MsgVote': {
        const grant = (n.vote === 0 || n.vote === m.from) && this.upToDate(n, m.index, m.log_term);
        if (grant) {
          n.vote = m.from;
          n.elapsed = 0;
          this.emit({ kind: 'vote', node: n.id, peer: m.from, term: n.term, text: `n${n.id} voted for n${m.from} in term ${n.term}` });
        }
        this.send(n, m.from, { type: 'MsgVoteResp', term: n.term, reject: !grant });
        break;
      }
      case 'MsgVoteResp':
        if (n.role === 'candidate' && !m.reject) {
          n.votes.add(m.from);
          if (n.votes.size >= this.majority()) this.becomeLeader(n);
        }
        break;
      case 'MsgApp': this.onAppend(n, m); break;
      case 'MsgHeartbeat':
        if (n.role !== 'follower' || n.leader !== m.from) this.becomeFollower(n, m.term, m.from);
        n.elapsed = 0;
        this.advanceCommit(n, Math.min(m.commit, this.last(n)));
        this.send(n, m.from, { type: 'MsgHeartbeatResp', term: n.term });
        break;
      case 'MsgSnap': this.onSnap(n, m); break;
      case 'MsgTimeoutNow': if (n.role !== 'leader') this.campaign(n); break;
      case 'MsgAppResp': if (n.role === 'leader') this.onAppendResp(n, m); break;
      case 'MsgHeartbeatResp':
        if (n.role === 'leader') {
          const p = n.progress.get(m.from);
          p.recent = true;
          if (p.match < this.last(n)) this.sendAppend(n, m.from);
        }
        break;
    }
  }

  onAppend(n, m) {
    if (n.role !== 'follower' || n.leader !== m.from) this.becomeFollower(n, m.term, m.from);
    n.elapsed = 0;
    if (m.index > this.last(n) || (m.index >= n.snapIndex && this.termAt(n, m.index) !== m.log_term)) {
      this.send(n, m.from, { type: 'MsgAppResp', term: n.term, reject: true, index: m.index, hint: Math.min(this.last(n), m.index - 1) });
      return;
    }
    for (const e of m.ents) {
      if (e.index <= n.snapIndex) continue;
      const have = this.termAt(n, e.index);
      if (have === e.term) continue;
      if (have !== -1) n.log.length = e.index - n.first; // a conflict: truncate
      n.log.push({ ...e });
    }
    if (m.ents.length) {
      const a = m.ents[0].index, b = m.ents[m.ents.length - 1].index;
      this.emit({ kind: 'append', node: n.id, term: m.term, index: a, index2: b, text: `n${n.id} appended entries ${a}..${b} (term ${m.term})` });
    }
    const lastNew = m.index + m.ents.length;
    this.advanceCommit(n, Math.min(m.commit, lastNew));
    this.send(n, m.from, { type: 'MsgAppResp', term: n.term, index: lastNew });
  }

  onSnap(n, m) {
    n.elapsed = 0;
    n.leader = m.from;
    n.log = [];
    n.first = m.index + 1;
    n.snapIndex = m.index;
    n.snapTerm = m.log_term;
    n.snapKV = m.kv.slice();
    n.kv = new Map(m.kv);
    n.commit = n.applied = m.index;
    this.emit({ kind: 'snapshot-install', node: n.id, index: m.index, term: m.log_term, text: `n${n.id} installed a snapshot up to index ${m.index} (term ${m.log_term}), replacing its log` });
    this.send(n, m.from, { type: 'MsgAppResp', term: n.term, index: m.index });
  }

  onAppendResp(n, m) {
    const p = n.progress.get(m.from);
    p.recent = true;
    if (m.reject) {
      p.next = Math.max(1, Math.min(p.next - 1, m.hint + 1));
      p.state = 'probe';
      this.sendAppend(n, m.from);
      return;
    }
    if (m.index > p.match) p.match = m.index;
    p.next = Math.max(p.next, p.match + 1);
    p.state = 'replicate';
    this.maybeCommit(n);
    if (p.next <= this.last(n)) this.sendAppend(n, m.from);
  }

  sendAppend(n, to) {
    const p = n.progress.get(to);
    if (p.next < n.first) {
      this.emit({ kind: 'snapshot-send', node: n.id, peer: to, index: n.snapIndex, text: `n${n.id} sent a snapshot up to index ${n.snapIndex} to n${to}` });
      p.state = 'snapshot';
      this.send(n, to, { type: 'MsgSnap', term: n.term, index: n.snapIndex, log_term: n.snapTerm, kv: n.snapKV.slice() });
      p.next = n.snapIndex + 1;
      return;
    }
    const prev = p.next - 1;
    const ents = n.log.slice(p.next - n.first, p.next - n.first + 8).map((e) => ({ ...e }));
    this.send(n, to, { type: 'MsgApp', term: n.term, index: prev, log_term: this.termAt(n, prev), commit: n.commit, entries: ents.length, ents });
    if (ents.length && p.state === 'replicate') p.next = ents[ents.length - 1].index + 1;
  }

  broadcastAppend(n) {
    for (const p of this.nodes) if (p.id !== n.id) this.sendAppend(n, p.id);
  }

  maybeCommit(n) {
    const matches = [...n.progress.values()].map((p) => p.match).sort((a, b) => b - a);
    const c = matches[this.majority() - 1];
    if (c > n.commit && this.termAt(n, c) === n.term) this.advanceCommit(n, c);
  }

  advanceCommit(n, c) {
    if (c <= n.commit) return;
    this.emit({ kind: 'commit', node: n.id, term: n.term, index: n.commit + 1, index2: c, text: `n${n.id} learnt that entries up to ${c} are committed` });
    n.commit = c;
    this.applyCommitted(n);
  }

  applyCommitted(n) {
    if (n.applied >= n.commit) return;
    const a = n.applied + 1;
    for (let i = a; i <= n.commit; i++) {
      const e = n.log[i - n.first];
      if (!e) continue;
      const m = /^(set|del|get) ([^=\s]+)(?:=(\S*))? #(\d+)$/.exec(e.op || '');
      let result = 'OK';
      if (m && m[1] === 'set') n.kv.set(m[2], m[3]);
      if (m && m[1] === 'del') { result = n.kv.delete(m[2]) ? '1' : '0'; }
      if (m && m[1] === 'get') result = n.kv.has(m[2]) ? n.kv.get(m[2]) : 'not found';
      if (m && n.role === 'leader') this.finish(Number(m[4]), result);
    }
    this.emit({ kind: 'apply', node: n.id, index: a, index2: n.commit, text: a === n.commit ? `n${n.id} applied entry ${a}` : `n${n.id} applied entries ${a}..${n.commit}` });
    n.applied = n.commit;
    if (n.applied - n.first + 1 > COMPACT_AFTER) {
      const upto = n.applied - COMPACT_KEEP;
      n.snapTerm = this.termAt(n, upto);
      n.log = n.log.slice(upto + 1 - n.first);
      n.first = upto + 1;
      n.snapIndex = upto;
      n.snapKV = [...n.kv]; // close enough for a toy: the state at applied
      this.emit({ kind: 'snapshot-create', node: n.id, index: upto, text: `n${n.id} took a snapshot at index ${upto} (term ${n.snapTerm})` });
    }
  }

  // --- time ---
  tick(n) {
    this.schedule(this.cfg.raft.heartbeat_interval_ms, { type: 'tick', node: n.id });
    if (!n.up) return;
    if (n.role === 'leader') {
      for (const p of this.nodes) {
        if (p.id === n.id) continue;
        const pr = n.progress.get(p.id);
        this.send(n, p.id, { type: 'MsgHeartbeat', term: n.term, commit: Math.min(pr.match, n.commit) });
      }
      return;
    }
    n.elapsed++;
    if (n.elapsed >= n.timeout) {
      this.emit({ kind: 'timeout', node: n.id, term: n.term, text: `n${n.id}'s election timeout fired after ${n.elapsed} ticks without hearing from a leader` });
      this.preCampaign(n);
    }
  }

  // --- clients ---
  leader() {
    let best = null;
    for (const n of this.nodes) if (n.up && n.role === 'leader' && (!best || n.term > best.term)) best = n;
    return best;
  }

  invoke(client, kind, key, value) {
    const id = ++this.reqId;
    const text = kind === 'set' ? `set ${key}=${value} #${id}` : `${kind} ${key} #${id}`;
    const req = { id, client, text, deadline: this.now + this.cfg.clients.timeout_ms };
    this.pending.set(id, req);
    this.emit({ kind: 'client-invoke', msg: id, type: kind, client: client || undefined, text: `client ${client} sent ${text}` });
    this.propose(id);
    this.schedule(this.cfg.clients.timeout_ms, { type: 'giveup', req: id });
  }

  propose(id) {
    const req = this.pending.get(id);
    if (!req || req.proposed) return;
    const l = this.leader();
    if (!l) { this.schedule(100, { type: 'retry', req: id }); return; }
    req.proposed = true;
    this.append(l, { term: l.term, type: 'normal', op: req.text });
    this.broadcastAppend(l);
  }

  finish(id, result) {
    const req = this.pending.get(id);
    if (!req) return;
    this.pending.delete(id);
    this.emit({ kind: 'client-return', msg: id, client: req.client || undefined, text: `client ${req.client}: ${req.text} → ${result}` });
    const cl = this.clients[req.client - 1];
    if (cl) cl.cur = null;
  }

  giveUp(id) { if (this.pending.has(id)) this.finish(id, 'timed out (it may still be applied)'); }

  clientTurn(cid) {
    const cl = this.clients[cid - 1];
    if (!cl || cl.removed) return;
    this.schedule(Math.round(1000 / this.cfg.clients.rate_per_sec * (0.5 + this.rand())), { type: 'client', client: cid });
    if (cl.cur) return;
    cl.count++;
    const key = `k${Math.floor(this.rand() * this.cfg.clients.keys)}`;
    const r = this.rand();
    const kind = r < 0.6 ? 'set' : r < 0.85 ? 'get' : 'del';
    cl.cur = kind === 'set' ? `set ${key}=c${cid}.${cl.count}` : `${kind} ${key}`;
    this.invoke(cid, kind, key, `c${cid}.${cl.count}`);
  }
}
