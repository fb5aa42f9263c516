import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from './app.js';
import { SerialEngine } from './engine.js';
import { FakeEngine } from '../engine/fake-engine.js';
import { CHAPTERS, caughtBy, chapterById, names, stepLabel, TourRunner } from './tour.js';
import { parseHash } from './session-url.js';

test('chapters are well formed: link-safe unique ids, steps forward in time, words and checks', () => {
  const ids = new Set();
  for (const c of CHAPTERS) {
    assert.match(c.id, /^[a-z][a-z-]{0,39}$/);
    assert.ok(!ids.has(c.id), c.id);
    ids.add(c.id);
    assert.equal(chapterById(c.id), c);
    let at = -1;
    for (const s of c.steps) {
      assert.ok(s.at > at, `${c.id}: steps go forward in time`);
      at = s.at;
      assert.equal(typeof s.say, 'function');
      assert.equal(typeof s.check, 'function');
    }
    if (c.task) for (const f of ['goal', 'hint']) assert.ok(c.task[f].length > 10, `${c.id}: task ${f}`);
  }
  assert.equal(chapterById('nope'), null);
  assert.equal(stepLabel(1, CHAPTERS[0]), `Step 2 of ${CHAPTERS[0].steps.length}`);
  assert.deepEqual([names([1]), names([1, 2]), names([1, 2, 3])], ['n1', 'n1 and n2', 'n1, n2 and n3']);
});

test('a tour link is a chapter alone, by a link-safe name', () => {
  assert.deepEqual(parseHash('#tour=election'), { tour: 'election' });
  assert.throws(() => parseHash('#tour=election&seed=2'), /tour link holds tour alone/);
  assert.throws(() => parseHash('#tour=Bad%21'), /is not a chapter's name/);
  assert.throws(() => parseHash('#tour=a&tour=b'), /more than once/);
});

// A chapter for the runner's mechanics on the fake engine: a crash at the
// second step, said with the time it was applied.
const chapter = {
  id: 'test', title: 'Test', config: { nodes: 3, seed: 1 },
  steps: [
    { at: 0, say: () => 'three nodes', check: (v) => (v.nodes.length === 3 ? '' : 'three nodes') },
    { at: 1000, act: () => [{ kind: 'crash', node: 1 }], say: (v, m) => { m.crashed = 1; return `n1 crashed at ${m.actedAt} ms`; }, check: (v) => (v.nodes[0].up ? 'n1 is down' : '') },
    { at: 2000, say: (v, m) => `n${m.crashed} is still down`, check: (v) => (v.nodes[0].up ? 'n1 is down' : '') },
  ],
  task: { goal: 'Restart n1 now, please.', hint: 'Press Restart on n1.', judge: (v) => (v.nodes[0].up ? { done: true, ok: true, text: 'n1 is back' } : { done: false }) },
};

test('the runner applies a step\'s commands once, travels back and forth, and judges the task from the view', async () => {
  const errors = [];
  const app = new App(new SerialEngine(await FakeEngine.start(), 'fake'), { onChange() {}, onError: (t) => errors.push(t), onSessionChange() {} });
  const r = new TourRunner(app, chapter);
  assert.equal(await r.go(1), false, 'no step before the tour starts');
  assert.ok(await r.start());
  assert.deepEqual([r.i, r.said, r.problem, app.view.time, app.playing], [0, 'three nodes', '', 0, false]);
  assert.equal(await r.go(2), false, 'no skipping past the steps reached');
  assert.ok(await r.next());
  assert.deepEqual([r.i, r.said, r.problem, app.view.time], [1, 'n1 crashed at 1 ms', '', 1000]);
  assert.ok(await r.back());
  assert.deepEqual([r.i, app.view.time, app.view.nodes[0].up], [0, 0, true], 'back travels in time');
  assert.ok(await r.next());
  assert.deepEqual([r.i, app.view.time, app.view.nodes[0].up, r.said], [1, 1000, false, 'n1 crashed at 1 ms']);
  assert.ok(await r.next());
  assert.deepEqual([r.i, r.last, r.said, r.problem], [2, true, 'n1 is still down', '']);
  const s = await app.exportSession();
  assert.deepEqual(s.commands.map((c) => c.cmd.kind), ['crash'], 'the crash was applied once, replayed after');
  // A command of the person's own, back at step 1's time: the run from
  // there is theirs, and step 3 applies nothing again (it has no command)
  // but is reached anew.
  assert.ok(await r.back());
  await app.command({ kind: 'restart', node: 1 });
  assert.ok(await r.next());
  assert.deepEqual([r.i, r.reached, app.view.time, app.view.nodes[0].up], [2, 2, 2000, true]);
  assert.match(r.problem, /n1 is down/, 'the words the view no longer bears out are reported');
  assert.ok(await r.back());
  await app.command({ kind: 'crash', node: 1 });
  assert.deepEqual(r.judge([]), { done: false }, 'no task before the last step');
  assert.ok(await r.next());
  assert.deepEqual(r.judge([]), { done: false });
  await app.command({ kind: 'restart', node: 1 });
  assert.deepEqual(r.judge([]), { done: true, ok: true, text: 'n1 is back' });
  assert.deepEqual(errors, []);
  // A check that the view does not bear out is reported, not hidden.
  const wrong = new TourRunner(app, { ...chapter, steps: [{ at: 0, say: () => 'x', check: () => 'what is wrong' }] });
  assert.ok(await wrong.start());
  assert.equal(wrong.problem, 'what is wrong');
  assert.equal(await wrong.back(), false);
});

test('the partition task is judged from the events: a write answered before the cut does not count', () => {
  const judge = chapterById('partition').task.judge;
  const all = [];
  for (const a of [1, 2]) for (const b of [3, 4, 5]) all.push({ from: a, to: b }, { from: b, to: a });
  const view = (cuts) => ({ cuts, nodes: [] });
  const memo = { taskFrom: 1000 };
  const write = (at) => ({ kind: 'client-return', at, type: 'set', outcome: 'ok' });
  const cut = (at, node) => ({ kind: 'partition', at, node });
  assert.deepEqual(judge(view([]), [], memo), { done: false });
  assert.equal(judge(view([]), [write(1100)], memo).ok, false, 'a write with n1 and n2 connected');
  assert.equal(judge(view(all), [write(1100), cut(1200, 1), cut(1200, 2)], memo).ok, false, 'a write answered before the cut');
  assert.equal(judge(view(all), [write(1100), cut(1200, 1), cut(1200, 2), write(1300)], memo).ok, true);
  assert.equal(judge(view(all), [write(900)], memo).done, false, 'a write before the task began');
  assert.equal(judge(view(all), [{ ...write(1300), client: 2 }], memo).done, false, 'a simulated client\'s write');
});

// stubApp is an App stand-in whose run halts with violation at halt ms.
function stubApp(violation, halt) {
  const app = {
    created: null, unsaved: 0, model: { notable: [] }, view: null,
    armFork() {}, setPlaying() {},
    async create(cfg) { app.created = cfg; app.view = { time: 0, nodes: [], safety: { ok: true } }; return {}; },
    async runTo(t) {
      const bad = t >= halt;
      app.view = { time: bad ? halt : t, nodes: [1, 2, 3].map((id) => ({ id, up: true })), safety: bad ? { ok: false, violation } : { ok: true } };
      return {};
    },
    async command() { return {}; },
  };
  return app;
}

test('the bug zoo: only the chapter\'s bugs are planted, none by default; a checker\'s halt ends the chapter, said from the violation', async () => {
  const zooChapter = { ...chapter, zoo: ['local-read'] };
  const plain = stubApp(null, Infinity);
  assert.ok(await new TourRunner(plain, zooChapter).start());
  assert.equal(plain.created.faults, undefined, 'no bug by default');
  const other = stubApp(null, Infinity);
  const r0 = new TourRunner(other, zooChapter, ['forget-vote', 'local-read']);
  assert.deepEqual(r0.faults, ['local-read'], 'a bug the chapter does not offer is not planted');
  assert.ok(await r0.start());
  assert.deepEqual(other.created.faults, ['local-read']);
  assert.deepEqual(other.created.nodes, 3, 'the chapter\'s cluster, with the bug');

  const v = { at: 1500, property: 'Linearizability', text: 'n1 answered a stale read' };
  const app = stubApp(v, 1500);
  const r = new TourRunner(app, zooChapter, ['local-read']);
  assert.ok(await r.start());
  assert.ok(await r.next());
  assert.deepEqual([r.stopped, r.last, r.i], [false, false, 1]);
  assert.ok(await r.next());
  assert.deepEqual([r.stopped, r.last], [true, true], 'the halt ends the chapter');
  assert.match(r.said, /^The checker stopped the run at 1\.500 s: Linearizability was broken: n1 answered a stale read\. The planted bug did it \("local-read": /);
  assert.ok(caughtBy(['local-read']).includes('Linearizability'), 'the schema says the linearizability checker catches local-read');
  assert.equal(r.problem, '', 'the halt is the one the bug is known for');
  assert.equal(await r.next(), false, 'no step past the halt');
  // A halt with no bug planted, or by a property the bug does not break,
  // is a false claim, reported.
  const bare = new TourRunner(stubApp(v, 1500), zooChapter);
  assert.ok(await bare.start());
  assert.ok(await bare.next());
  assert.ok(await bare.next());
  assert.match(bare.problem, /^no violation \(the run stopped: Linearizability/);
});
