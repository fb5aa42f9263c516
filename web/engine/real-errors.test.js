// The fake engine refuses bad calls as the real one does: the same kind
// and the same words. testdata/real-errors.json holds the real engine's
// answers, written by a Go test (go test ./wasm -run TestRealErrors -update).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeEngine } from './fake-engine.js';

const REAL = JSON.parse(readFileSync(new URL('./testdata/real-errors.json', import.meta.url), 'utf8'));

test('the fake engine answers every bad call with the real engine\'s kind and text', async () => {
  assert.ok(REAL.length >= 20, 'the real answers are there');
  const made = await FakeEngine.start();
  await made.call('create', {});
  for (const c of REAL) {
    const e = c.fresh ? await FakeEngine.start() : made;
    await assert.rejects(e.call(c.op, c.args), (err) => {
      assert.deepEqual({ kind: err.kind, error: err.message }, { kind: c.kind, error: c.error }, `${c.op} ${JSON.stringify(c.args)}`);
      return true;
    });
  }
});
