import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportChoices, SESSION_JSON } from './export-formats.js';
import { EXPORT_FORMATS } from './schema.js';

test("the Export menu lists the session JSON, then package export's formats in its order", () => {
  const c = exportChoices();
  assert.equal(c[0].value, SESSION_JSON);
  assert.equal(c[0].module, false);
  assert.deepEqual(c.slice(1).map((x) => x.value), [...EXPORT_FORMATS]);
  for (const f of ['edn', 'trace', 'porcupine', 'etcd-script']) assert.ok(EXPORT_FORMATS.includes(f), f);
  assert.ok(c.slice(1).every((x) => x.module && x.label && !x.label.includes('export format')), 'every format has words');
});

test('a format the module adds is offered by its name; TLA+ has its words', () => {
  const c = exportChoices(['edn', 'tla', 'next-thing']);
  assert.deepEqual(c.map((x) => x.label), ['Session (JSON)', 'Jepsen history (EDN)', 'TLA+ trace', 'next-thing (export format)']);
});
