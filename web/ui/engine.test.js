import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialEngine, engineKind, describeError, engineSearch, disabledControls, blockedAction, refusedCommands, droppedText, realTime, ENGINES, TIME_CONTROLS, progressText, sessionTooBig, shrinkText } from './engine.js';
import { SHORTCUTS } from './keys.js';

test('calls run one at a time, in order, errors included', async () => {
  const log = [];
  let running = 0;
  const inner = {
    async call(op) {
      running++;
      assert.equal(running, 1, 'never two calls at once');
      log.push(`start ${op}`);
      await new Promise((r) => setTimeout(r, op === 'slow' ? 20 : 1));
      running--;
      log.push(`end ${op}`);
      if (op === 'bad') throw Object.assign(new Error('nope'), { kind: 'bad-command' });
      return op;
    },
  };
  const e = new SerialEngine(inner);
  const a = e.call('slow'), b = e.call('bad'), c = e.call('fast');
  assert.equal(e.busy, true);
  assert.equal(await a, 'slow');
  await assert.rejects(b, (err) => err.kind === 'bad-command');
  assert.equal(await c, 'fast');
  assert.equal(e.busy, false);
  assert.deepEqual(log, ['start slow', 'end slow', 'start bad', 'end bad', 'start fast', 'end fast']);
});

test('engine choice and error words', () => {
  assert.equal(engineKind('?engine=fake'), 'fake');
  assert.equal(engineKind('?x=1&engine=native'), 'native');
  assert.equal(engineKind('?engine=warp'), 'wasm');
  assert.equal(engineKind(''), 'wasm');
  assert.equal(describeError('Crash n9', new Error('sim: unknown node: crash: node 9; nodes are 1 to 5')), 'Crash n9: sim: unknown node: crash: node 9; nodes are 1 to 5');
});

test('switching engines keeps the other query parameters', () => {
  assert.equal(engineSearch('', 'native'), '?engine=native');
  assert.equal(engineSearch('?engine=native', 'wasm'), '');
  assert.equal(engineSearch('?lang=en&engine=fake', 'native'), '?lang=en&engine=native');
  assert.equal(engineSearch('?lang=en&engine=native', 'wasm'), '?lang=en');
  assert.deepEqual(ENGINES.map((e) => e.kind), ['wasm', 'native']);
});

test('the native engine has no virtual time: its controls go and their keys say why', () => {
  assert.deepEqual(disabledControls('wasm'), []);
  assert.deepEqual(disabledControls('fake'), []);
  assert.deepEqual(disabledControls('native'), TIME_CONTROLS);
  for (const id of ['slider', 'next', 'speed', 'manual', 'msg-deliver', 'msg-duplicate', 'msg-drop', 'share', 'export', 'import']) assert.ok(TIME_CONTROLS.includes(id), id);
  assert.equal(realTime('native'), true);
  assert.equal(realTime('wasm'), false);
  // The commands blocked are those the engine says it refuses (hello's refused).
  const refused = { manual: 'why', deliver: 'why', drop: 'why', duplicate: 'why', 'add-clients': 'why' };
  const engine = { inner: { hello: { refused } } };
  assert.deepEqual(refusedCommands(engine), refused);
  assert.deepEqual(refusedCommands(null), {});
  const blocked = SHORTCUTS.map((s) => s.action).filter((a) => blockedAction('native', a, refusedCommands(engine)));
  assert.deepEqual(blocked, ['next', 'faster', 'slower', 'back', 'forward', 'manual', 'deliver', 'duplicate', 'drop']);
  assert.deepEqual(SHORTCUTS.map((s) => s.action).filter((a) => blockedAction('native', a)), ['next', 'faster', 'slower', 'back', 'forward']);
  for (const a of SHORTCUTS.map((s) => s.action)) assert.equal(blockedAction('wasm', a), null, a);
  assert.equal(blockedAction('native', 'next'), 'Next event: not here, real time: native nodes at wall-clock speed (no time travel, speed or manual delivery)');
  assert.equal(blockedAction('native', 'crash'), null);
});

test('dropped views and events are counted in words, and only when there are any', () => {
  assert.equal(droppedText(null), '');
  assert.equal(droppedText({ frames: 0, events: 0 }), '');
  assert.equal(droppedText({ frames: 12, events: 0 }), '12 views dropped: this tab could not keep up');
  assert.equal(droppedText({ frames: 1, events: 300 }), '1 view and 300 events dropped: this tab could not keep up');
  assert.equal(droppedText({ frames: 0, events: 1 }), '1 event dropped: this tab could not keep up');
});

test('dropped passes through to engines that count it', () => {
  assert.equal(new SerialEngine({ call() {} }).dropped(), null);
  assert.deepEqual(new SerialEngine({ call() {}, dropped: () => ({ frames: 2, events: 0 }) }, 'native').dropped(), { frames: 2, events: 0 });
});

test('cancel goes around the queue to the engine; idle waits for the queue; progress reaches the inner engine', async () => {
  const log = [];
  let release;
  const inner = {
    onProgress: null,
    call(op) {
      log.push(op);
      if (op === 'import') return new Promise((resolve, reject) => { release = () => reject(Object.assign(new Error('import cancelled'), { kind: 'cancelled' })); });
      return Promise.resolve(op);
    },
    cancel() { log.push('cancel'); release(); return Promise.resolve({ cancelled: true, op: 'import' }); },
  };
  const e = new SerialEngine(inner);
  const fn = () => {};
  e.onProgress = fn;
  assert.equal(inner.onProgress, fn);
  const imp = e.call('import');
  const create = e.call('create');
  let idle = false;
  const done = e.idle().then(() => { idle = true; });
  await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(log, ['import'], 'create waits behind the import');
  assert.equal(idle, false);
  assert.deepEqual(await e.cancel(), { cancelled: true, op: 'import' });
  await assert.rejects(imp, (err) => err.kind === 'cancelled');
  assert.equal(await create, 'create');
  await done;
  assert.deepEqual(log, ['import', 'cancel', 'create']);
  assert.equal(await new SerialEngine({ call: async () => 1 }).cancel(), null, 'an engine that cannot cancel');
  new SerialEngine({ call: async () => 1 }).onProgress = fn; // ignored, no throw
});

test('progress and size texts name the numbers and the limit', () => {
  assert.equal(progressText({ op: 'import', at: 1234500, from: 0, until: 21600000 }), 'Replaying the session: 1,234.5 of 21,600.0 virtual seconds (5%)');
  assert.equal(progressText({ op: 'seek', at: 40000, from: 20000, until: 100000 }), 'Travelling to 100.0 s: at 40.0 s (25%)');
  assert.equal(progressText({ op: 'compare', at: 5000, from: 0, until: 20000 }), 'Replaying both runs to 20.0 s: 5.0 s (25%)');
  assert.equal(progressText({ op: 'fork', at: 6000, from: 0, until: 24000 }), 'Replaying this run and its fork side by side: 6.0 of 24.0 virtual seconds (25%)');
  assert.equal(progressText({ op: 'seek', at: 5, from: 5, until: 5 }), 'Travelling to 0.0 s: at 0.0 s (100%)');
  assert.equal(progressText({ op: 'shrink', at: 12, from: 0, until: 400, shrink: { runs: 12, max: 400, best: { commands: 1, until: 2500, events: 90 } } }),
    'Shrinking the failure: run 12 of at most 400; the smallest failing session so far has 1 command and runs 2.5 s');
  assert.equal(progressText({ op: 'shrink', at: 1, from: 0, until: 400 }), 'Shrinking the failure: run 1 of at most 400');
  const limits = { max_bytes: 16 << 20 };
  assert.equal(sessionTooBig(88_000_000, limits), 'it is 88,000,000 bytes (83.9 MiB); a session may be at most 16,777,216 bytes (16.0 MiB)');
  assert.equal(sessionTooBig(16 << 20, limits), '');
  assert.equal(sessionTooBig(88_000_000, null), '', 'no limit known');
});

test('idle resolves after the callers of the calls it waited for have had their answers', async () => {
  let release;
  const e = new SerialEngine({ call: (op) => (op === 'slow' ? new Promise((r) => { release = r; }) : Promise.resolve(op)) });
  const took = [];
  (async () => { took.push(await e.call('slow')); })();
  (async () => { took.push(await e.call('create')); })();
  const idle = e.idle().then(() => took.slice());
  while (!release) await new Promise((r) => setImmediate(r));
  release('slow');
  assert.deepEqual(await idle, ['slow', 'create']);
});

test('a shrink answer is said with its sizes, runs and failure', () => {
  const r = { before: { commands: 43, until: 6810, events: 827 }, after: { commands: 7, until: 2948, events: 290 }, runs: 131, exhausted: false, simplified: ['no clients'], failure: 'One vote per term violated: n1 voted twice' };
  assert.equal(shrinkText(r), 'Shrunk from 43 commands, 6.81 s, 827 events to 7 commands, 2.948 s, 290 events in 131 runs; settings simplified: no clients. It fails the same way: One vote per term violated: n1 voted twice.');
  r.exhausted = true;
  r.simplified = [];
  r.after.commands = 1;
  assert.match(shrinkText(r), /to 1 command, .* in 131 runs\. It fails .* The search stopped at its limit of runs: a smaller one may exist\.$/);
});

test('a search says how many events it found and how many it lists', async () => {
  const { searchSummary } = await import('./controls/search.js');
  assert.equal(searchSummary('leader changes', { total: 0, events: [] }), 'No event of the session matches “leader changes”.');
  assert.equal(searchSummary('crashes', { total: 1, events: [{}] }), '1 event of the session matches “crashes”.');
  assert.equal(searchSummary('kind:send', { total: 900, events: new Array(500) }), '900 events of the session match “kind:send”; the first 500 are listed.');
  assert.equal(progressText({ op: 'search', at: 15000, from: 0, until: 60000 }), 'Searching the whole session: 15.0 of 60.0 virtual seconds (25%)');
});
