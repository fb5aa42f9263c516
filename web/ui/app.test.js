import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from './app.js';
import { SerialEngine } from './engine.js';
import { FakeEngine } from '../engine/fake-engine.js';
import { isRoutine } from './events.js';
import { EVENT_KEEP } from './model.js';

async function newApp() {
  const log = { errors: [], changes: [], sessions: 0, selects: [] };
  const app = new App(new SerialEngine(await FakeEngine.start(), 'fake'), {
    onChange: (mode) => log.changes.push(mode),
    onSelect: () => log.selects.push([app.selected, app.selectedMsg]),
    onError: (text) => log.errors.push(text),
    onSessionChange: () => { log.sessions++; },
  });
  await app.create({ nodes: 5, seed: 2 });
  return { app, log };
}

const idle = (app) => new Promise((resolve) => {
  const wait = () => (app.engine.busy ? setTimeout(wait, 1) : resolve());
  wait();
});

test('every failed command is reported in words, naming the action', async () => {
  const { app, log } = await newApp();
  assert.equal(await app.command({ kind: 'crash', node: 9 }), null);
  assert.deepEqual(log.errors, ['Crash n9: sim: unknown node: crash: node 9; nodes are 1 to 5']);
  await app.command({ kind: 'restart', node: 2 });
  assert.match(log.errors[1], /^Restart n2: .*n2 is running; crash it first/);
  app.messageCommand('drop');
  assert.match(log.errors[2], /no message selected/);
});

test('playing advances virtual time by wall time times speed', async () => {
  const { app } = await newApp();
  app.setSpeed(2);
  app.tick(1000);
  await idle(app);
  const t0 = app.view.time;
  app.tick(1016); // 16 ms of wall time at 2x
  await idle(app);
  assert.equal(app.view.time - t0, 32);
  app.setPlaying(false);
  app.tick(2000);
  await idle(app);
  assert.equal(app.view.time - t0, 32, 'paused: no advance');
});

test('seeks coalesce: only the newest target is shown', async () => {
  const { app } = await newApp();
  await app.call('frame', app.args({ advance_ms: 3000 }), 'continue');
  const calls = [];
  const inner = app.engine.inner;
  const orig = inner.call.bind(inner);
  inner.call = (op, args) => { calls.push(op === 'seek' ? args.t : op); return orig(op, args); };
  const a = app.seek(100), b = app.seek(200), c = app.seek(2500);
  assert.equal(a, b);
  await c;
  assert.equal(app.view.time, 2500);
  assert.deepEqual(calls, [100, 2500]);
  assert.equal(app.model.lastSeq > 0, true);
});

test('a session loads at the time the link was made', async () => {
  const { app } = await newApp();
  await app.call('frame', app.args({ advance_ms: 1500 }), 'continue');
  await app.command({ kind: 'set', key: 'k', value: 'v' });
  await app.call('frame', app.args({ advance_ms: 1500 }), 'continue');
  const seen = app.view;
  await app.seek(1700);
  const earlier = app.view;
  const session = await app.exportSession();
  const other = (await newApp()).app;
  await other.load(session, 1700);
  assert.deepEqual(other.view, earlier);
  assert.equal(other.playing, false);
  await other.load(session);
  assert.deepEqual(other.view.nodes, seen.nodes);
});

test('selection follows the cluster and cycles through messages', async () => {
  const { app } = await newApp();
  app.select(4);
  assert.equal(app.selected, 4);
  app.select(12);
  assert.equal(app.selected, 4, 'no such node: unchanged');
  await app.call('frame', app.args({ advance_ms: 1200 }), 'continue');
  while (!app.view.messages.length) await app.call('frame', app.args({ advance_ms: 5 }), 'continue');
  app.cycleMessage(1);
  assert.equal(app.selectedMsg, app.view.messages[0].id);
  app.cycleMessage(-1);
  assert.equal(app.selectedMsg, app.view.messages[app.view.messages.length - 1].id);
  await app.create({ nodes: 3, seed: 1 });
  assert.equal(app.selected, 1);
});

test('the engine sends notable events until the log shows traffic, then a refill brings it', async () => {
  const { app } = await newApp();
  await app.call('frame', app.args({ advance_ms: 2000 }), 'continue');
  assert.equal(app.detail, 'notable');
  assert.ok(app.model.events.length > 0);
  assert.ok(app.model.events.every((e) => !isRoutine(e)), 'notable frames carry no routine events');
  assert.equal(app.model.lastSeq, app.view.events);
  await app.setEventDetail('all');
  assert.ok(app.model.events.some((e) => e.kind === 'send'), 'the refill brings messages');
  assert.ok(app.model.events.length <= EVENT_KEEP);
  const before = app.model.events.length;
  await app.call('frame', app.args({ advance_ms: 200 }), 'continue');
  assert.ok(app.model.events.length > before || app.model.events.length === EVENT_KEEP);
  assert.ok(app.model.events.slice(before).some(isRoutine), 'later frames carry traffic too');
});

test('wall time that passes while the engine is busy goes into the next step', async () => {
  const { app } = await newApp();
  app.setSpeed(10);
  app.tick(1000);
  await idle(app);
  const t0 = app.view.time;
  app.tick(1016); // a call starts: 16 ms at 10x
  assert.equal(app.engine.busy, true);
  app.tick(1032); // still busy: this frame's 16 ms wait
  await idle(app);
  app.tick(1048); // 32 ms since the last call
  await idle(app);
  assert.equal(app.view.time - t0, 160 + 320);
});

test('a node action acts on the node selected when it is asked for, whatever was drawn or is in flight', async () => {
  const { app, log } = await newApp();
  assert.deepEqual(log.selects, [[1, 0]], 'a new cluster selects n1 at once');
  log.selects.length = 0;
  await app.call('frame', app.args({ advance_ms: 2000 }), 'continue');
  // Playing: an advance is in flight when the person clicks n4, then Crash.
  const advancing = app.call('frame', app.args({ advance_ms: 100 }), 'continue');
  assert.equal(app.engine.busy, true);
  app.select(4);
  assert.deepEqual(log.selects, [[4, 0]], 'a selection is reported at once, before any frame');
  const crashed = app.nodeCommand('crash');
  app.select(2); // a later selection does not change the click already made
  await advancing;
  await crashed;
  assert.deepEqual(app.view.nodes.map((n) => n.up), [true, true, true, false, true]);
  assert.deepEqual(log.errors, []);
});

test('a message action acts on the message selected when it is asked for', async () => {
  const { app, log } = await newApp();
  await app.command({ kind: 'manual', on: true });
  await app.call('frame', app.args({ advance_ms: 1500 }), 'continue');
  const held = app.view.messages.filter((m) => !m.deliver_at);
  assert.ok(held.length >= 2, 'messages are held');
  app.selectMessage(held[1].id);
  assert.deepEqual(log.selects.at(-1), [app.selected, held[1].id]);
  await app.messageCommand('drop');
  const ids = app.view.messages.map((m) => m.id);
  assert.equal(ids.includes(held[1].id), false, 'the selected message is dropped');
  assert.equal(ids.includes(held[0].id), true, 'the others stay');
});

test('turning manual delivery on pauses playback before the command runs', async () => {
  const { app } = await newApp();
  assert.equal(app.playing, true);
  const on = app.command({ kind: 'manual', on: true });
  assert.equal(app.playing, false, 'paused at the click, not after the engine answers');
  await on;
  assert.equal(app.view.manual, true);
  app.setPlaying(true);
  await app.command({ kind: 'manual', on: false });
  assert.equal(app.playing, true, 'turning it off leaves playback alone');
});

test('the held filter decides what Deliver (with nothing selected) and ] act on', async () => {
  const { app } = await newApp();
  await app.call('frame', app.args({ advance_ms: 2000 }), 'continue');
  await app.command({ kind: 'manual', on: true });
  await app.call('frame', app.args({ advance_ms: 1500 }), 'continue');
  const held = app.view.messages.filter((m) => !m.deliver_at);
  assert.ok(held.some((m) => m.type === 'MsgHeartbeat') && held.some((m) => m.type !== 'MsgHeartbeat' && m.type !== 'MsgHeartbeatResp'), 'heartbeats and others are held');
  app.setHeldFilter('no-heartbeats');
  assert.equal(app.heldFilter, 'no-heartbeats');
  const shown = held.filter((m) => !/Heartbeat/.test(m.type));
  for (let i = 0; i < held.length; i++) {
    app.cycleMessage(1);
    const m = app.view.messages.find((x) => x.id === app.selectedMsg);
    assert.ok(m.deliver_at || !/Heartbeat/.test(m.type), '] skips the held messages the filter hides');
  }
  app.selectMessage(0);
  await app.messageCommand('deliver');
  assert.equal(app.view.messages.some((m) => m.id === shown[0].id && !m.deliver_at), false, 'the oldest shown one was delivered');
  assert.equal(app.view.messages.some((m) => m.id === held[0].id), held[0].id !== shown[0].id, 'not the oldest hidden one');
  app.setHeldFilter('bogus');
  assert.equal(app.heldFilter, 'all');
});

test('New cluster cancels a long import first, so it always works', async () => {
  const { app } = await newApp();
  let cancels = 0;
  app.engine.cancel = () => { cancels++; return Promise.resolve(null); };
  assert.ok(await app.create({ nodes: 3, seed: 1 }));
  assert.equal(cancels, 1);
  assert.equal(app.view.nodes.length, 3);
});

test('quick arrow presses add up while a seek runs (three presses move 3 s)', async () => {
  const { app } = await newApp();
  await app.call('frame', app.args({ advance_ms: 5000 }), 'continue');
  const t0 = app.view.time;
  const a = app.travel(-1000);
  app.travel(-1000);
  const c = app.travel(-1000);
  await a;
  await c;
  assert.equal(app.view.time, t0 - 3000);
  await app.travel(1000);
  assert.equal(app.view.time, t0 - 2000, 'a press after the seeks ends starts from what is shown');
});

test('slowing down while a fast step is on its way does not overshoot (100x to 0.1x)', async () => {
  const { app } = await newApp();
  app.setSpeed(100);
  app.tick(1000);
  await idle(app);
  const t0 = app.view.time;
  app.tick(1100); // 100 ms of wall time at 100x: a 10 s step starts
  assert.equal(app.engine.busy, true);
  app.setSpeed(0.1); // the person slows down before it lands
  await app.advancing;
  await idle(app);
  assert.ok(app.view.time - t0 <= 10, `moved ${app.view.time - t0} virtual ms after slowing to 0.1x`);
  assert.equal(app.view.time - t0, 10, 'the step is scaled to the new speed');
  app.setSpeed(100);
  app.tick(1200);
  await app.advancing;
  assert.equal(app.view.time - t0, 10 + 10000, 'speeding up keeps its step');
});

test('a new cluster forgets the last search\'s markers and causal chain; a seek keeps them', async () => {
  const { app } = await newApp();
  app.searchMarks = [{ key: 's1', at: 5, cls: 'search', label: 'found' }];
  app.whyChain = [{ seq: 1, at: 5, node: 1, text: 'x' }];
  await app.seek(0);
  assert.equal(app.searchMarks.length, 1);
  assert.equal(app.whyChain.length, 1);
  await app.create({ nodes: 3, seed: 1 });
  assert.deepEqual([app.searchMarks, app.whyChain], [[], []]);
});

test('runTo travels back within the session and runs on past its end, paused', async () => {
  const { app } = await newApp();
  await app.runTo(2500);
  assert.equal(app.frame.view.time, 2500);
  assert.equal(app.frame.horizon, 2500);
  await app.runTo(1000);
  assert.deepEqual([app.frame.view.time, app.frame.horizon], [1000, 2500]);
  await app.runTo(3000);
  assert.deepEqual([app.frame.view.time, app.frame.horizon, app.playing], [3000, 3000, false]);
});

test('an armed fork takes the next command, whatever control gives it, and only that one', async () => {
  const { app, log } = await newApp();
  const calls = [];
  const call = app.engine.call.bind(app.engine);
  app.engine.call = (op, args) => {
    calls.push([op, args]);
    return op === 'fork' ? Promise.resolve({ at: 0, until: 10000, diverged: false }) : call(op, args);
  };
  const before = app.view.time;
  const got = [];
  app.armFork((res, cmd, name) => got.push([res, cmd, name]));
  assert.equal(await app.nodeCommand('crash'), null);
  assert.deepEqual(calls, [['fork', { change: { kind: 'crash', node: 1 } }]]);
  assert.deepEqual(got, [[{ at: 0, until: 10000, diverged: false }, { kind: 'crash', node: 1 }, 'Crash n1']]);
  assert.equal(app.playing, false, 'a fork pauses the run');
  assert.equal(app.view.time, before);
  assert.ok(app.view.nodes[0].up, 'this run is left as it was');
  // Disarmed once used: the next command goes to this run.
  assert.ok(await app.command({ kind: 'crash', node: 2 }));
  assert.equal(calls[1][0], 'command');
  assert.equal(app.view.nodes[1].up, false);
  assert.equal(got.length, 1);
  // Disarmed by hand: no fork.
  app.armFork(() => got.push('no'));
  app.armFork(null);
  await app.command({ kind: 'restart', node: 2 });
  assert.equal(got.length, 1);
  assert.deepEqual(log.errors, []);
});

test('compare asks the engine for both runs at a time, and says why not in words', async () => {
  const { app, log } = await newApp();
  const base = await app.exportSession();
  // The fake engine has no compare: the page reports the refusal, naming the action.
  assert.equal(await app.compare(base, base, 100), null);
  assert.match(log.errors[0], /^Compare the runs: /);
});
