import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { blocks, cutAt, appendDirective, checkTyped, markOf, stepView, narrate, summary, lineWhere, lineCount, NODE_COLUMNS } from './etcd-script.js';

// testdata/etcd-lines.json: each of etcd raft's 28 scripts and the line of
// each directive as etcdscript.Parse (Go) reads them; campaign-play.json:
// etcdscript.Run's steps of campaign.txt in the shape of interop.play's
// PlayResult (logs left out). Both made from go.etcd.io/raft/v3 v3.7.0.
const here = new URL('./testdata/', import.meta.url);
const etcdLines = JSON.parse(readFileSync(new URL('etcd-lines.json', here), 'utf8'));
const campaign = JSON.parse(readFileSync(new URL('campaign-play.json', here), 'utf8'));

/** scriptsDir is etcd raft's testdata in the module cache, or '' when go or the module is not there. */
function scriptsDir() {
  try {
    const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    const dir = join(cache, 'go.etcd.io', 'raft', 'v3@v3.7.0', 'testdata');
    return existsSync(dir) ? dir : '';
  } catch {
    return '';
  }
}

const SCRIPT = `# a comment
log-level none
----
ok

add-nodes 3 voters=(1,2,3) \\
  index=2
----
ok

campaign 1
----
----
INFO a

INFO b
----
----

propose-conf-change 1
v4
----
ok
stabilize
----
`;

test('blocks finds each directive and the end of its expected output', () => {
  assert.deepEqual(blocks(SCRIPT), [
    { line: 2, end: 5 },
    { line: 6, end: 10 },
    { line: 11, end: 19 },
    { line: 20, end: 25 }, // unfenced output read to the end: the next directive is output
  ]);
  assert.deepEqual(blocks(''), []);
  assert.deepEqual(blocks('stabilize'), [{ line: 1, end: 1 }]);
  assert.deepEqual(blocks('a\r\n----\r\nok\r\n\r\nb\r\n'), [{ line: 1, end: 4 }, { line: 5, end: 5 }]);
});

test("blocks reads etcd's 28 scripts as etcdscript.Parse does", (t) => {
  const dir = scriptsDir();
  if (!dir) { t.skip('no Go module cache with go.etcd.io/raft/v3@v3.7.0'); return; }
  assert.equal(Object.keys(etcdLines).length, 28);
  for (const [name, lines] of Object.entries(etcdLines)) {
    const text = readFileSync(join(dir, name), 'utf8');
    const b = blocks(text);
    assert.deepEqual(b.map((x) => x.line), lines, name);
    // Cut at every step, the text holds exactly the directives up to it.
    for (let k = 0; k <= b.length; k++) {
      const cut = cutAt(text, k);
      assert.deepEqual(blocks(cut).map((x) => x.line), lines.slice(0, k), `${name} cut at ${k}`);
      assert.ok(text.startsWith(cut.slice(0, -1)), `${name} cut at ${k} is a prefix`);
    }
  }
});

test('cutAt keeps the chosen directive with its expected output and drops the rest', () => {
  assert.equal(cutAt(SCRIPT, 0), '');
  assert.equal(cutAt(SCRIPT, 1), '# a comment\nlog-level none\n----\nok\n\n');
  assert.ok(cutAt(SCRIPT, 3).endsWith('INFO b\n----\n----\n\n'));
  assert.equal(cutAt(SCRIPT, 4), SCRIPT);
  assert.throws(() => cutAt(SCRIPT, 5), /has 4 directives, not 5/);
});

test('appendDirective adds a block of its own, closed before and read as one directive', () => {
  let t = cutAt(SCRIPT, 2);
  t = appendDirective(t, 'campaign 2');
  assert.ok(t.endsWith('index=2\n----\nok\n\ncampaign 2\n----\n'));
  t = appendDirective(t, 'stabilize');
  t = appendDirective(t, 'propose-conf-change 1\n  v4 \n');
  assert.deepEqual(blocks(t).map((b) => b.line), [2, 6, 11, 14, 17]);
  assert.ok(t.endsWith('\n\nstabilize\n----\n\npropose-conf-change 1\nv4\n----\n'));
  // Without a final newline, and a fenced block before.
  assert.equal(appendDirective('a\n----\nok', 'b'), 'a\n----\nok\n\nb\n----\n');
  assert.equal(blocks(appendDirective(cutAt(SCRIPT, 3), 'x')).length, 4);
  assert.equal(appendDirective('', 'campaign 1'), 'campaign 1\n----\n');
});

test('checkTyped refuses what would change how the script reads', () => {
  assert.equal(checkTyped('campaign 1'), '');
  assert.equal(checkTyped('propose-conf-change 1\nv4 r2'), '');
  assert.match(checkTyped('  '), /Type a directive/);
  assert.match(checkTyped('campaign 1\n----\nok'), /"----"/);
  assert.match(checkTyped('propose-conf-change 1\n\nv4'), /line 2 of your directive is blank/);
  assert.match(checkTyped('# campaign 1'), /comment/);
  assert.match(checkTyped('campaign \\'), /ends in "\\"/);
});

test("stepView shows a step's directive, outputs, mark in words and every node", () => {
  const v = stepView(campaign, 3);
  assert.equal(v.place, 'Step 4 of 4');
  assert.equal(v.text, 'stabilize');
  assert.equal(v.line, campaign.steps[3].line);
  assert.equal(v.expected, campaign.steps[3].expected);
  assert.equal(v.actual, campaign.steps[3].actual);
  assert.equal(v.mark, 'match');
  assert.match(v.markText, /^✔ matches etcd's expected output$/);
  assert.equal(v.nodes.length, 3);
  const leader = v.nodes.find((n) => n.role === 'leader');
  assert.equal(leader.id, 1);
  assert.deepEqual(NODE_COLUMNS.map((c) => c.head), ['node', 'role', 'term', 'vote', 'commit', 'applied', 'last index', 'leader']);
  assert.deepEqual(leader.cells, ['n1', 'L Leader', '1', 'n1', '3', '3', '3', 'n1']);
  assert.match(leader.label, /^n1: Leader, term 1, commit 3, applied 3, vote n1, last index 3$/);
  assert.match(v.nodes[1].label, /^n2: Follower, term 1, follows n1/);
  assert.deepEqual(stepView(campaign, 0).nodes, []);
});

test('marks: a differing output and a directive of your own are told in words', () => {
  const differs = { ...campaign, steps: campaign.steps.map((s, i) => (i === 2 ? { ...s, actual: 'something else\n', matches: false } : s)) };
  assert.equal(markOf(differs.steps[2], 2), 'differs');
  assert.match(stepView(differs, 2).markText, /^✘ differs from etcd's expected output$/);
  const yours = { ...campaign, steps: [...campaign.steps, { line: 30, text: 'campaign 2', expected: '', actual: 'INFO 2 is starting a new election at term 1\n', matches: false, yours: true, nodes: campaign.steps[3].nodes }] };
  const v = stepView(yours, 4, 4);
  assert.equal(v.mark, 'yours');
  assert.equal(v.expected, '');
  assert.match(v.markText, /your directive/);
  assert.equal(summary(yours, 4), "4 of 4 directives match etcd's expected output, then 1 directive of yours.");
  assert.equal(summary(differs), "3 of 4 directives match etcd's expected output.");
});

test('narrate says the step, the directive, the mark and the leader', () => {
  assert.equal(narrate(campaign, 3), "Step 4 of 4, line 24: stabilize. It matches etcd's expected output. After it, n1 leads term 1.");
  assert.match(narrate(campaign, 0), /no nodes yet\.$/);
  assert.match(narrate(campaign, 1), /After it, no leader\.$/);
});

test('lineWhere and lineCount place an error in the script or in your directive', () => {
  assert.equal(lineWhere(3, 10), 'at line 3');
  assert.equal(lineWhere(11, 10), 'in your directive');
  assert.equal(lineWhere(0, 10), '');
  assert.equal(lineCount(SCRIPT), 25);
  assert.equal(lineCount('a\nb'), 2);
});
