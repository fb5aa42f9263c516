// The page's model over frames from the real engine (seshat.wasm loaded in
// this process). It needs `make wasm`; without the build it skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initialModel, applyFrame } from './model.js';
import { entryState, logColumns, logCell } from './logs.js';
import { messageProgress, messageLabel } from './messages.js';
import { electionTimer, currentLeader } from './roles.js';

const web = fileURLToPath(new URL('../', import.meta.url));
const built = existsSync(`${web}seshat.wasm`) && existsSync(`${web}wasm_exec.js`);

async function engine() {
  await import(`${web}wasm_exec.js`);
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(readFileSync(`${web}seshat.wasm`), go.importObject);
  go.run(instance);
  for (let i = 0; i < 200 && !globalThis.seshat; i++) await new Promise((r) => setTimeout(r, 5));
  return (op, args = {}) => {
    const r = JSON.parse(globalThis.seshat.call(op, JSON.stringify(args)));
    if (!r.ok) throw Object.assign(new Error(r.error), { kind: r.kind });
    return r.result;
  };
}

function checkView(v) {
  for (const n of v.nodes) {
    assert.ok(n.commit <= n.last_index, `n${n.id} commit ${n.commit} <= last ${n.last_index}`);
    if (n.up) assert.ok(n.applied <= n.commit, `n${n.id} applied <= commit`);
    n.log.forEach((e, k) => assert.equal(e.index, n.log[0].index + k, 'the shown log is contiguous'));
    if (n.log.length) assert.equal(n.log[n.log.length - 1].index, n.last_index);
    for (const e of n.log) assert.notEqual(entryState(n, e.index), 'none');
    assert.equal(entryState(n, n.last_index + 1), 'none');
    const t = electionTimer(n, v.timing);
    if (t) assert.ok(t.remaining >= 0 && t.remaining <= 1);
  }
  const { lo, hi } = logColumns(v, 20);
  for (const n of v.nodes) for (let i = lo; i <= hi; i++) assert.equal(typeof logCell(n, i).state, 'string');
  for (const m of v.messages) {
    const p = messageProgress(m, v.time);
    if (m.deliver_at) assert.ok(p >= 0 && p <= 1, `message ${m.id} progress ${p}`);
    assert.ok(messageLabel(m).length > 0);
  }
}

test('the model reads real frames: logs, messages, events, console, announcements', { skip: built ? false : 'no seshat.wasm: run make wasm' }, async () => {
  const call = await engine();
  let m = applyFrame(initialModel(), call('create', { nodes: 5, seed: 1 }), 'fresh');
  const said = [];
  for (let i = 0; i < 60; i++) {
    m = applyFrame(m, call('frame', { advance_ms: 50, since: m.lastSeq, log_window: 20 }));
    said.push(...m.said.map((s) => s.text));
    checkView(m.view);
  }
  const leader = currentLeader(m.view);
  assert.ok(leader, 'a leader within 3 s');
  assert.ok(said.some((s) => s === `n${leader.id} is now the leader, term ${leader.term}.`), said.join(' | '));
  m = applyFrame(m, call('command', { kind: 'set', key: 'color', value: 'teal' }), 'command');
  for (let i = 0; i < 10; i++) m = applyFrame(m, call('frame', { advance_ms: 50, since: m.lastSeq, log_window: 20 }));
  assert.deepEqual(m.console.map((l) => l.text), ['set color=teal', 'set color=teal #1 → OK']);
  assert.ok(m.markers.some((x) => x.cls === 'leader'));
  // Events arrive once each, in order.
  const seqs = m.events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length);
  // Crash, partition and manual mode: still consistent views.
  m = applyFrame(m, call('command', { kind: 'crash', node: leader.id }), 'command');
  m = applyFrame(m, call('command', { kind: 'isolate', node: (leader.id % 5) + 1 }), 'command');
  m = applyFrame(m, call('command', { kind: 'manual', on: true }), 'command');
  for (let i = 0; i < 20; i++) {
    m = applyFrame(m, call('frame', { advance_ms: 100, since: m.lastSeq, log_window: 20 }));
    checkView(m.view);
  }
  assert.ok(m.view.messages.some((x) => x.deliver_at === 0), 'held messages in manual mode');
  const back = applyFrame(m, call('seek', { t: 200, since: 0, log_window: 20 }), 'reset');
  assert.equal(back.view.time, 200);
  assert.ok(back.markers.length >= m.markers.length - 1, 'markers survive a seek');
  checkView(back.view);
});
