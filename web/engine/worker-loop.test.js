import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// loadLoop runs worker-loop.js as the worker does (a classic script, with
// its own self) and returns its createLoop.
function loadLoop() {
  const self = {};
  new Function('self', readFileSync(new URL('./worker-loop.js', import.meta.url), 'utf8'))(self);
  return self.SeshatWorkerLoop.createLoop;
}

// FakeGo answers like wasm/engine.go: 'import' takes `slices` slices, each
// answering pending with its progress, then a frame; 'cancel' stops it.
class FakeGo {
  constructor(slices) { this.slices = slices; this.job = null; this.calls = []; }
  call(op, argsJSON) {
    this.calls.push(op);
    const args = JSON.parse(argsJSON);
    if (op === 'import') { this.job = { at: 0 }; return this.resume(); }
    if (op === 'resume') return this.job ? this.resume() : { ok: false, kind: 'bad-request', error: 'no job' };
    if (op === 'cancel') {
      const was = this.job;
      this.job = null;
      return was ? { ok: false, kind: 'cancelled', error: `import cancelled at ${was.at}` } : { ok: true, result: { cancelled: false } };
    }
    if (this.job) return { ok: false, kind: 'bad-request', error: `${op} while an import runs` };
    return { ok: true, result: { op, args } };
  }
  resume() {
    this.job.at++;
    if (this.job.at < this.slices) return { ok: true, pending: { op: 'import', at: this.job.at, from: 0, until: this.slices, events: this.job.at * 10 } };
    this.job = null;
    return { ok: true, result: { frame: 'imported' } };
  }
}

// setup returns the loop, the messages it posted and run(), which runs the
// slices it scheduled one turn at a time.
function setup(slices) {
  const go = new FakeGo(slices);
  const posted = [];
  let turns = [];
  const loop = loadLoop()({ call: (op, a) => go.call(op, a), post: (m) => posted.push(m), later: (fn) => turns.push(fn) });
  const turn = () => { const t = turns; turns = []; t.forEach((fn) => fn()); return t.length; };
  return { go, posted, loop, turn };
}

test('a long call posts its progress each slice, then its answer; calls that come meanwhile wait their turn', () => {
  const { go, posted, loop, turn } = setup(4);
  loop.receive({ id: 1, op: 'import', args: { version: 1 } });
  loop.receive({ id: 2, op: 'frame', args: { advance_ms: 5 } });
  assert.deepEqual(posted, [{ id: 1, progress: { op: 'import', at: 1, from: 0, until: 4, events: 10 } }]);
  assert.deepEqual(go.calls, ['import'], 'frame waits for the import');
  while (turn());
  assert.deepEqual(posted.map((m) => (m.progress ? `p${m.progress.at}` : `r${m.id}`)), ['p1', 'p2', 'p3', 'r1', 'r2']);
  assert.deepEqual(posted[3].reply.result, { frame: 'imported' });
  assert.deepEqual(posted[4].reply.result, { op: 'frame', args: { advance_ms: 5 } });
  assert.deepEqual(go.calls, ['import', 'resume', 'resume', 'resume', 'frame']);
});

test('status is answered at once while a long call runs', () => {
  const { posted, loop, turn } = setup(10);
  loop.receive({ id: 1, op: 'import' });
  turn();
  loop.receive({ id: 2, op: 'frame' });
  loop.receive({ id: 3, op: '__status' });
  assert.deepEqual(posted.at(-1), { id: 3, reply: { ok: true, result: { busy: true, op: 'import', progress: { op: 'import', at: 2, from: 0, until: 10, events: 20 }, queued: 1 } } });
  while (turn());
  loop.receive({ id: 4, op: '__status' });
  assert.deepEqual(posted.at(-1).reply.result, { busy: false, op: null, progress: null, queued: 0 });
});

test('cancel stops a long call at once: it gets the engine\'s cancel answer, the next call runs, a stale slice does nothing', () => {
  const { go, posted, loop, turn } = setup(100);
  loop.receive({ id: 1, op: 'import' });
  turn();
  loop.receive({ id: 2, op: 'create', args: { nodes: 3 } });
  loop.receive({ id: 3, op: '__cancel' });
  const answers = posted.filter((m) => m.reply);
  assert.deepEqual(answers, [
    { id: 1, reply: { ok: false, kind: 'cancelled', error: 'import cancelled at 2' } },
    { id: 3, reply: { ok: true, result: { cancelled: true, op: 'import' } } },
    { id: 2, reply: { ok: true, result: { op: 'create', args: { nodes: 3 } } } },
  ]);
  const n = go.calls.length;
  assert.equal(turn(), 1, 'the slice scheduled before the cancel');
  assert.equal(go.calls.length, n, 'and it ran nothing');
  loop.receive({ id: 4, op: '__cancel' });
  assert.deepEqual(posted.at(-1), { id: 4, reply: { ok: true, result: { cancelled: false, op: null } } });
});

test('junk messages are ignored', () => {
  const { posted, loop } = setup(1);
  loop.receive(null);
  loop.receive('x');
  assert.deepEqual(posted, []);
});
