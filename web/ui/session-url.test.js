import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSession, decodeSession, toBase64url, fromBase64url, parseHash, buildHash } from './session-url.js';

const session = { version: 1, config: { nodes: 5, seed: 42, network: { drop_rate: 0.1 } }, commands: [{ step: 3, at: 1200, cmd: { kind: 'set', key: 'ключ', value: 'värde ✓' } }], until: 5000 };

test('sessions round-trip through the URL, compressed and plain', async () => {
  const z = await encodeSession(session);
  assert.match(z, /^z[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeSession(z), session);
  const j = await encodeSession(session, { compress: false });
  assert.match(j, /^j[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeSession(j), session);
  const big = { ...session, commands: Array.from({ length: 500 }, (_, i) => ({ step: i, at: i * 10, cmd: { kind: 'crash', node: 1 + (i % 5) } })) };
  const zb = await encodeSession(big);
  assert.ok(zb.length < JSON.stringify(big).length / 5, 'compression pays for repetitive logs');
  assert.deepEqual(await decodeSession(zb), big);
});

test('garbage in the URL is refused with a reason', async () => {
  await assert.rejects(decodeSession(''), /no session/);
  await assert.rejects(decodeSession('q123'), /unknown session encoding/);
  await assert.rejects(decodeSession('j!!'), /base64url/);
  await assert.rejects(decodeSession('zAAAA'));
  assert.deepEqual(fromBase64url(toBase64url(new Uint8Array([0, 250, 7, 255]))), new Uint8Array([0, 250, 7, 255]));
});

test('the hash holds the session and the time it was seen at', () => {
  assert.equal(buildHash('zABC', 1234.4), '#s=zABC&t=1234');
  assert.deepEqual(parseHash('#s=zABC&t=1234'), { session: 'zABC', t: 1234 });
  assert.deepEqual(parseHash('#nodes=7&seed=3'), { nodes: 7, seed: 3 });
  assert.deepEqual(parseHash(''), {});
  assert.deepEqual(parseHash('#t=-5&seed=x'), {});
});

test('a link larger than the engine reads is refused before parsing, however well it packs', async () => {
  const big = { version: 1, config: {}, commands: [], until: 0, pad: 'x'.repeat(200_000) };
  const z = await encodeSession(big);
  assert.ok(z.length < 2000, 'it packs small');
  await assert.rejects(decodeSession(z, { maxBytes: 100_000 }), /unpacks to more than 100,000 bytes/);
  const j = await encodeSession(big, { compress: false });
  await assert.rejects(decodeSession(j, { maxBytes: 100_000 }), /holds more than 100,000 bytes/);
  assert.deepEqual(await decodeSession(z, { maxBytes: 300_000 }), big);
  assert.deepEqual(await decodeSession(j, { maxBytes: 300_000 }), big);
});
