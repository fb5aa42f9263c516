import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAction } from './key-actions.js';
import { SHORTCUTS, actionForKey } from './keys.js';

/** fakeApp records the App calls made on it. */
function fakeApp({ playing = true, manual = false, refused } = {}) {
  const calls = [];
  const app = { playing, view: { manual }, calls, engine: refused ? { inner: { hello: { refused } } } : undefined };
  for (const m of ['setPlaying', 'next', 'faster', 'travel', 'select', 'nodeCommand', 'command', 'cycleMessage', 'messageCommand', 'selectMessage']) {
    app[m] = (...args) => { calls.push([m, ...args]); };
  }
  return app;
}

function run(key, { kind = 'wasm', app = fakeApp() } = {}) {
  const notices = [], helps = [];
  const ran = runAction(app, actionForKey(key), { kind, notice: (t) => notices.push(t), help: () => helps.push(1) });
  return { ran, calls: app.calls, notices, helps: helps.length };
}

test('every shortcut in the table does something', () => {
  for (const s of SHORTCUTS) {
    const r = run(s.keys[0]);
    assert.equal(r.ran, true, `${s.action} ran`);
    assert.equal(r.calls.length + r.helps, 1, `${s.action} made one call`);
  }
});

test('keys map to the App calls the controls make', () => {
  assert.deepEqual(run(' ').calls, [['setPlaying', false]]);
  assert.deepEqual(run(' ', { app: fakeApp({ playing: false }) }).calls, [['setPlaying', true]]);
  assert.deepEqual(run('+').calls, [['faster', 1]]);
  assert.deepEqual(run('-').calls, [['faster', -1]]);
  assert.deepEqual(run('ArrowLeft').calls, [['travel', -1000]]);
  assert.deepEqual(run('ArrowRight').calls, [['travel', 1000]]);
  assert.deepEqual(run('3').calls, [['select', 3]]);
  assert.deepEqual(run('c').calls, [['nodeCommand', 'crash']]);
  assert.deepEqual(run('l').calls, [['nodeCommand', 'transfer']]);
  assert.deepEqual(run('h').calls, [['command', { kind: 'heal' }]]);
  assert.deepEqual(run('m').calls, [['command', { kind: 'manual', on: true }]]);
  assert.deepEqual(run('m', { app: fakeApp({ manual: true }) }).calls, [['command', { kind: 'manual', on: false }]]);
  assert.deepEqual(run('[').calls, [['cycleMessage', -1]]);
  assert.deepEqual(run(']').calls, [['cycleMessage', 1]]);
  assert.deepEqual(run('x').calls, [['messageCommand', 'drop']]);
  assert.deepEqual(run('Escape').calls, [['selectMessage', 0]]);
  assert.equal(run('?').helps, 1);
});

// What a native cluster's hello says it refuses (wire/rules.go decides it).
const nativeRefuses = { manual: 'real time', deliver: 'real time', drop: 'real time', duplicate: 'real time' };

test('on native nodes an action needing virtual time shows why and changes nothing', () => {
  for (const key of ['n', '+', 'ArrowLeft', 'm', 'd', 'x']) {
    const r = run(key, { kind: 'native', app: fakeApp({ refused: nativeRefuses }) });
    assert.equal(r.ran, false, key);
    assert.deepEqual(r.calls, [], key);
    assert.equal(r.notices.length, 1, key);
    assert.match(r.notices[0], /real time/, key);
  }
  assert.deepEqual(run('c', { kind: 'native', app: fakeApp({ refused: nativeRefuses }) }).calls, [['nodeCommand', 'crash']], 'crash works on native nodes');
  // Manual delivery is refused because the engine says so, not by a list of
  // the page's own: an engine refusing nothing runs it.
  assert.deepEqual(run('m', { kind: 'native' }).calls, [['command', { kind: 'manual', on: true }]]);
});

test('an action not in the table does nothing', () => {
  const app = fakeApp();
  assert.equal(runAction(app, { action: 'no-such' }, { kind: 'wasm', notice: () => {}, help: () => {} }), false);
  assert.deepEqual(app.calls, []);
});
