import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialEngine, engineKind, describeError } from './engine.js';

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
  assert.equal(engineKind(''), 'wasm');
  assert.equal(describeError('Crash n9', new Error('sim: unknown node: crash: node 9; nodes are 1 to 5')), 'Crash n9: sim: unknown node: crash: node 9; nodes are 1 to 5');
});
