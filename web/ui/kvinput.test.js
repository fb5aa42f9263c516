import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkKeyValue, utf8Bytes } from './kvinput.js';

const limits = { key_bytes: 256, value_bytes: 4096 };

test('key and value are checked in UTF-8 bytes against the limits the engine reports', () => {
  assert.equal(utf8Bytes('é'), 2);
  assert.equal(utf8Bytes('😀'), 4);
  // 200 characters, 400 bytes: the input's character count would let it through.
  assert.equal(checkKeyValue('Set', 'é'.repeat(200), 'v', limits), 'Set: the key is 400 bytes (200 characters); it must be at most 256 bytes of UTF-8');
  assert.equal(checkKeyValue('Set', 'k', '😀'.repeat(1025), limits), 'Set: the value is 4100 bytes (1025 characters); it must be at most 4096 bytes of UTF-8');
  assert.equal(checkKeyValue('Get', '', '', limits), 'Get: the key is empty');
  assert.equal(checkKeyValue('Set', 'k'.repeat(256), 'v'.repeat(4096), limits), null);
  assert.equal(checkKeyValue('Set', 'é'.repeat(200), 'v', undefined), null, 'no limits reported: the engine checks');
});
