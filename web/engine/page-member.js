// A Raft member hosted in this page: "Join from this page" on the native
// engine. The dev server's bridge adds a member (a voter, or a learner
// once the native nodes would lose a quorum of their own) for this page's websocket
// (op join, docs/bridge-protocol.md); the member runs in the engine worker
// (the wasm engine's member-* calls, internal/member in Go), ticked on the
// wall clock every heartbeat interval; raft messages cross the websocket
// as binary frames, one raftpb.Message (protobuf) each, both ways. This
// module only relays: Go decides everything.

/** MAX_INBOX bounds the frames waiting for the worker; the oldest go first (Raft retries). */
export const MAX_INBOX = 4096;

/** MAX_BATCH is how many frames one member-step call takes. */
export const MAX_BATCH = 256;

/** MAX_PENDING_TICKS: ticks beyond this many waiting for the worker are skipped (a slow worker, a throttled tab). */
export const MAX_PENDING_TICKS = 2;

/** REPORT_MS is how often at most the member's view is reported to the server (op report), for every page's view of the cluster. */
export const REPORT_MS = 250;

/** REPORT_BYTES bounds the key-value pairs a report carries (the bridge reads text frames of up to 64 KiB). */
export const REPORT_BYTES = 32 << 10;

/**
 * reportOf is the member's view (a wire.NodeView, as the wasm engine's
 * member-* calls answer it) as the bridge's report takes it: without what
 * the cluster says itself (up, voters, progress, error), its page of
 * key-value pairs (kv: count, digest, from, pairs, next) cut to about
 * REPORT_BYTES, next then naming the first pair left out.
 */
export function reportOf(v) {
  const src = v.kv || { count: 0, digest: '', from: '', pairs: [], next: '' };
  const pairs = [];
  let bytes = 0;
  let next = src.next || '';
  for (const p of src.pairs || []) {
    bytes += p.key.length + p.value.length + 24;
    if (bytes > REPORT_BYTES) { next = p.key; break; }
    pairs.push(p);
  }
  const kv = { count: src.count || 0, digest: src.digest || '', from: src.from || '', pairs, next };
  return {
    id: v.id, role: v.role, term: v.term, vote: v.vote, leader: v.leader, commit: v.commit, applied: v.applied,
    last_index: v.last_index, first_index: v.first_index || 0, snapshot_index: v.snapshot_index || 0, snapshot_term: v.snapshot_term || 0,
    election_elapsed: v.election_elapsed || 0, log: v.log || [], log_omitted: v.log_omitted || 0, kv,
  };
}

/** toBase64 encodes bytes as JSON carries Go's []byte. */
export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** fromBase64 decodes a Go []byte from JSON. */
export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * PageMember relays between the native engine's websocket and the worker.
 *
 *   const pm = new PageMember({ native, worker, onView });
 *   const joined = await pm.start();   // {node, peers, raft, ...}
 *   pm.stop();
 *
 * native is a NativeEngine (join, sendRaft, onRaft, report); worker is anything with
 * call(op, args) -> Promise (a WasmEngine); clock has setInterval and
 * clearInterval (and now, else Date.now is used). onView(view, events) gets the member's view after every
 * call; onError(err) every failed call.
 */
export class PageMember {
  constructor({ native, worker, clock = globalThis, onView = () => {}, onError = () => {} }) {
    this.native = native;
    this.worker = worker;
    this.clock = clock;
    this.onView = onView;
    this.onError = onError;
    this.id = 0;
    this.view = null;
    this.inbox = [];
    this.started = false;
    this.stopped = false;
    this.timer = null;
    this.tail = Promise.resolve();
    this.scheduled = false;
    this.pendingTicks = 0;
    this.counts = { in: 0, out: 0, dropped: 0, skippedTicks: 0, reports: 0 };
    this.reportedAt = -Infinity;
  }

  /**
   * start joins the cluster and starts the member. Frames that arrive
   * before the member runs wait in the inbox.
   */
  async start() {
    this.native.onRaft = (bytes) => this.receive(bytes);
    let joined;
    try {
      joined = await this.native.join();
      this.id = joined.node;
      await this.call('member-start', { id: joined.node, raft: joined.raft });
    } catch (err) {
      this.native.onRaft = null;
      throw err;
    }
    this.started = true;
    this.schedule();
    this.timer = this.clock.setInterval(() => this.tick(), joined.raft.heartbeat_interval_ms);
    return joined;
  }

  /** receive takes one binary frame from the websocket. */
  receive(bytes) {
    if (this.stopped) return;
    this.counts.in++;
    this.inbox.push(toBase64(bytes));
    if (this.inbox.length > MAX_INBOX) {
      this.inbox.shift();
      this.counts.dropped++;
    }
    if (this.started) this.schedule();
  }

  /** schedule steps the frames waiting, in batches, after the calls already queued. */
  schedule() {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.tail = this.tail.then(async () => {
      this.scheduled = false;
      while (this.inbox.length && !this.stopped) {
        await this.call('member-step', { messages: this.inbox.splice(0, MAX_BATCH) });
      }
    });
  }

  /** tick advances the member's clock by one heartbeat interval. */
  tick() {
    if (this.stopped) return;
    if (this.pendingTicks >= MAX_PENDING_TICKS) {
      this.counts.skippedTicks++;
      return;
    }
    this.pendingTicks++;
    this.tail = this.tail.then(() => {
      this.pendingTicks--;
      return this.stopped ? null : this.call('member-tick', {});
    });
  }

  /** call runs one member call and sends the messages it answers. */
  async call(op, args) {
    let r;
    try {
      r = await this.worker.call(op, args);
    } catch (err) {
      this.onError(err);
      if (op === 'member-start') throw err;
      return;
    }
    for (const m of r.messages || []) {
      this.native.sendRaft(fromBase64(m));
      this.counts.out++;
    }
    this.view = r.view;
    this.onView(r.view, r.events || []);
    this.report();
  }

  /** report tells the server what the member says of itself, at most every REPORT_MS. */
  report() {
    const now = this.clock.now ? this.clock.now() : Date.now();
    if (!this.view || !this.native.report || now - this.reportedAt < REPORT_MS) return;
    this.reportedAt = now;
    this.counts.reports++;
    this.native.report(reportOf(this.view));
  }

  /** stop stops ticking and relaying; closing the websocket removes the member from the cluster. */
  stop() {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    if (this.native.onRaft) this.native.onRaft = null;
    this.inbox = [];
  }
}

/** memberText describes the page's member in a line. */
export function memberText(v) {
  if (!v) return '';
  const keys = v.kv ? v.kv.count || 0 : 0;
  const role = v.role || 'follower';
  return `n${v.id} is hosted in this page: ${role} in term ${v.term}${v.leader ? `, leader n${v.leader}` : ''}, applied ${v.applied} of ${v.last_index}, ${keys} key${keys === 1 ? '' : 's'}${v.error ? ` (${v.error})` : ''}`;
}
