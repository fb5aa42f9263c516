import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSession, decodeSession, toBase64url, fromBase64url, parseHash, buildHash, wholeNumber } from './session-url.js';

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
  assert.deepEqual(parseHash('#'), {});
});

// The ranges as the engine's limits call reports them (wasm/engine.go).
const limits = { nodes: { min: 1, max: 9 }, seed: { min: 0, max: 9007199254740991 } };

test('a link is validated against the engine\'s limits: each bad parameter is named with its range', () => {
  assert.deepEqual(parseHash('#nodes=9&seed=9007199254740991', limits), { nodes: 9, seed: 9007199254740991 });
  assert.deepEqual(parseHash('#nodes=1&seed=0', limits), { nodes: 1, seed: 0 });
  assert.deepEqual(parseHash('#nodes=007', limits), { nodes: 7 });
  const bad = {
    '#nodes=0': /nodes is "0"; it must be a whole number from 1 to 9$/,
    '#nodes=10': /nodes is "10"; it must be a whole number from 1 to 9/,
    '#nodes=100': /nodes is "100"; .* 1 to 9/,
    '#nodes=-1': /nodes is "-1"; .* 1 to 9/,
    '#nodes=5.0': /nodes is "5.0"/,
    '#nodes=+5': /nodes is " 5"/,
    '#nodes=': /nodes is ""; .* 1 to 9/,
    '#nodes=abc': /nodes is "abc"/,
    '#nodes=5&seed=18446744073709551615': /seed is "18446744073709551615"; it must be a whole number from 0 to 9007199254740991/,
    // 2^53+1 would round to 2^53: refused, not rounded.
    '#seed=9007199254740993': /seed is "9007199254740993"; .* 0 to 9007199254740991/,
    '#seed=9007199254740992': /seed .* 0 to 9007199254740991/,
    '#seed=1e3': /seed is "1e3"/,
    '#t=-5&s=zABC': /t \(ms\) is "-5"; it must be a whole number from 0 to/,
    '#t=5': /t .* but no session/,
    '#s=zABC&nodes=3': /s .* and nodes or seed/,
    '#s=': /session \(s\) is empty/,
    '#nodes=5&nodes=6': /nodes more than once/,
    '#nodes=5&colour=red': /unknown parameter "colour"/,
  };
  for (const [hash, want] of Object.entries(bad)) assert.throws(() => parseHash(hash, limits), want, hash);
  // A long value is quoted short, and many digits are refused quickly.
  assert.throws(() => parseHash(`#seed=${'9'.repeat(100000)}`, limits), (err) => err.message.length < 200 && /seed is "9{40}…"/.test(err.message));
  assert.equal(wholeNumber('x', `${'0'.repeat(50)}3`, { min: 1, max: 9 }), 3);
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
