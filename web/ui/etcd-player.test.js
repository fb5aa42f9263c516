import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptPlayer, fileTooBig } from './etcd-player.js';
import { blocks } from './etcd-script.js';
import { ETCD_SCRIPT } from './schema.js';

/**
 * fakeInterop plays a script as the interop module's play answers, without
 * etcd: a step per directive (blocks), its output "did <directive>", and an
 * error naming the line of a directive called "bogus". It records the texts
 * it was given.
 */
function fakeInterop() {
  const played = [];
  return {
    played,
    async play(name, text) {
      played.push(text);
      const lines = text.split('\n');
      const steps = blocks(text).map((b) => {
        const cmd = lines[b.line - 1].trim();
        if (cmd.startsWith('bogus')) throw Object.assign(new Error(`${name}:${b.line}: unknown command "bogus"`), { kind: 'bad-script', line: b.line });
        const sep = lines.indexOf('----', b.line - 1);
        const expected = lines.slice(sep + 1, b.end).filter((l) => l !== '').map((l) => `${l}\n`).join('');
        return { line: b.line, text: cmd, expected, actual: `did ${cmd}\n`, matches: expected === `did ${cmd}\n`, yours: expected === '', nodes: [] };
      });
      return { name, steps, matched: steps.filter((s) => s.matches).length, total: steps.length };
    },
  };
}

const SCRIPT = 'a\n----\ndid a\n\nb\n----\ndid b\n\nc\n----\ndid c\n';

test('a script opens at its first step and steps go forward and back', async () => {
  const p = new ScriptPlayer(fakeInterop());
  assert.equal(await p.open('s.txt', SCRIPT), '');
  assert.equal(p.steps, 3);
  assert.equal(p.i, 0);
  assert.equal(p.go(2), 2);
  assert.equal(p.go(9), 2);
  assert.equal(p.go(-1), 0);
  assert.equal(p.result.steps.every((s) => s.matches), true);
});

test('a bad script is refused naming its line, and the script shown stays', async () => {
  const fake = fakeInterop();
  const p = new ScriptPlayer(fake);
  await p.open('s.txt', SCRIPT);
  p.go(1);
  const err = await p.open('mine.txt', 'a\n----\n\nbogus 1\n----\n');
  assert.match(err, /^mine\.txt cannot be played: mine\.txt:4: unknown command "bogus"$/);
  assert.equal(p.name, 's.txt');
  assert.equal(p.text, SCRIPT);
  assert.equal(p.i, 1);
  assert.equal(p.steps, 3);
});

test('taking over drops the rest of the script; typed directives are appended and played again', async () => {
  const fake = fakeInterop();
  const p = new ScriptPlayer(fake);
  await p.open('s.txt', SCRIPT);
  p.go(1);
  p.takeOver();
  assert.equal(p.steps, 2);
  assert.equal(p.text, 'a\n----\ndid a\n\nb\n----\ndid b\n\n');
  assert.equal(await p.type('campaign 1'), '');
  assert.equal(fake.played.at(-1), 'a\n----\ndid a\n\nb\n----\ndid b\n\ncampaign 1\n----\n');
  assert.equal(p.steps, 3);
  assert.equal(p.i, 2);
  assert.equal(p.typedFrom, 2);
  assert.equal(p.result.steps[2].actual, 'did campaign 1\n');
  assert.equal(await p.type('stabilize'), '');
  assert.equal(p.steps, 4);
  // Back at step 1 and typing again: the rest (the script's b, and the
  // directives typed after it) is dropped.
  p.go(0);
  assert.equal(await p.type('tick-election 3'), '');
  assert.equal(fake.played.at(-1), 'a\n----\ndid a\n\ntick-election 3\n----\n');
  assert.equal(p.steps, 2);
  assert.equal(p.typedFrom, 1);
});

test('typing at the last step of a script takes over without dropping anything', async () => {
  const p = new ScriptPlayer(fakeInterop());
  await p.open('s.txt', SCRIPT);
  p.go(2);
  assert.equal(await p.type('stabilize'), '');
  assert.deepEqual(p.result.steps.map((s) => s.text), ['a', 'b', 'c', 'stabilize']);
  assert.equal(p.typedFrom, 3);
});

test('a bad typed directive is refused in words and the play stays as it was', async () => {
  const fake = fakeInterop();
  const p = new ScriptPlayer(fake);
  await p.open('s.txt', SCRIPT);
  p.go(2);
  assert.equal(await p.type('stabilize'), '');
  const n = fake.played.length;
  assert.match(await p.type('campaign 1\n----'), /"----"/);
  assert.equal(fake.played.length, n, 'refused before playing');
  assert.match(await p.type('bogus 2'), /^Your directive cannot be played: s\.txt:\d+: unknown command "bogus"$/);
  assert.equal(p.steps, 4);
  assert.equal(p.i, 3);
  assert.ok(!p.text.includes('bogus'));
});

test('an error whose message lacks its line gets it in words', async () => {
  const p = new ScriptPlayer({ play: async () => { throw Object.assign(new Error('a node out of range'), { line: 7 }); } });
  assert.equal(await p.open('x.txt', 'a\n'), 'x.txt cannot be played: a node out of range (line 7)');
});

test("a script file over etcdscript's limit is refused before it is read", () => {
  assert.equal(fileTooBig(ETCD_SCRIPT.max_bytes), '');
  assert.match(fileTooBig(ETCD_SCRIPT.max_bytes + 1), /at most 1048576 \(1024 KiB\)/);
});
