// The fake engine's frames and committed-log pages against real ones: the
// same fields at every level, values of the same JSON types, and only the
// kinds the schema names. The real ones are
// web/engine/testdata/real-frames.json, written by a Go test from the
// in-browser engine and a native cluster
// (go test ./wasm -run TestRealFrames -update), so the fake cannot drift
// from the real thing unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeEngine } from './fake-engine.js';
import { EVENT_KINDS, ERROR_KINDS } from '../ui/schema.js';

const REAL = JSON.parse(readFileSync(new URL('./testdata/real-frames.json', import.meta.url), 'utf8'));
const MAPS = new Set(REAL.map_fields);
const EVENT_KIND = new Set(EVENT_KINDS.map((k) => k.kind));

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * shapeOf walks frames: for each path ("view.nodes[].kv"), the fields any of
 * its objects have (with the JSON types of their values), the fields all of
 * them have, and how many objects there were.
 */
export function shapeOf(frames) {
  const paths = new Map();
  const walk = (path, v) => {
    if (Array.isArray(v)) { for (const x of v) walk(`${path}[]`, x); return; }
    if (!v || typeof v !== 'object') return;
    let p = paths.get(path);
    if (!p) paths.set(path, (p = { any: new Map(), all: null }));
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    for (const k of keys) {
      if (!p.any.has(k)) p.any.set(k, new Set());
      p.any.get(k).add(typeOf(v[k]));
      if (!MAPS.has(k)) walk(path ? `${path}.${k}` : k, v[k]);
    }
    p.all = p.all ? new Set([...p.all].filter((k) => keys.includes(k))) : new Set(keys);
  };
  for (const f of frames) walk('', f);
  return paths;
}

/** driftOf lists how the shape fake differs from the shape real: fields, types and paths real frames never have, fields every real object has and a fake one lacks. */
export function driftOf(real, fake) {
  const out = [];
  for (const [path, f] of fake) {
    const r = real.get(path);
    if (!r) { out.push(`${path || '(frame)'}: real frames have no such object`); continue; }
    for (const [k, types] of f.any) {
      if (!r.any.has(k)) { out.push(`${path || '(frame)'}: field "${k}" is not in real frames`); continue; }
      for (const t of types) if (!r.any.get(k).has(t)) out.push(`${path || '(frame)'}: field "${k}" is a ${t}; in real frames a ${[...r.any.get(k)].join(' or ')}`);
    }
    for (const k of r.all) if (!f.all.has(k)) out.push(`${path || '(frame)'}: field "${k}" is in every real object but missing in a fake one`);
  }
  return out;
}

/** fakeFrames runs the fake through what the Go test runs the real engine through. */
async function fakeFrames() {
  const e = await FakeEngine.start();
  const frames = [];
  const call = async (op, args) => frames.push(await e.call(op, args));
  await call('create', { nodes: 5, seed: 3, clients: { count: 3, rate_per_sec: 20, timeout_ms: 500, keys: 5 } });
  await call('frame', { advance_ms: 3000, log_window: 4 });
  await call('command', { kind: 'set', key: 'a', value: '1' });
  await call('command', { kind: 'crash', node: 1 });
  await call('command', { kind: 'cut', node: 2, peer: 3 });
  await call('frame', { advance_ms: 2000, log_window: 4 });
  await call('command', { kind: 'restart', node: 1 });
  await call('command', { kind: 'manual', on: true });
  await call('frame', { advance_ms: 500, log_window: 4, kv_limit: 1 });
  return frames;
}

/** fakePages reads, as the Go test does, a page of a node's committed log with more to read and its last page. */
async function fakePages() {
  const e = await FakeEngine.start();
  await e.call('create', { nodes: 5, seed: 3, clients: { count: 3, rate_per_sec: 20, timeout_ms: 500, keys: 5 } });
  await e.call('frame', { advance_ms: 3000 });
  const more = await e.call('committed-log', { node: 2, limit: 2 });
  return [more, await e.call('committed-log', { node: 2, from: more.commit })];
}

const realFrames = [...REAL.engines.wasm, ...REAL.engines.native];
const realPages = [...REAL.log_pages.wasm, ...REAL.log_pages.native];

test('the real frames are there, from both engines, and name only kinds the schema has', () => {
  assert.ok(REAL.engines.wasm.length > 0 && REAL.engines.native.length > 0, 'frames from the in-browser engine and a native cluster');
  for (const f of realFrames) for (const ev of f.events) assert.ok(EVENT_KIND.has(ev.kind), `real event kind ${ev.kind} is in schema.js`);
});

test('the fake engine\'s frames have the real frames\' fields at every level, and only schema kinds', async () => {
  const frames = await fakeFrames();
  assert.deepEqual(driftOf(shapeOf(realFrames), shapeOf(frames)), [], 'the fake engine (fake-engine.js, fake-cluster.js) drifted from the real frames');
  const kinds = new Set(frames.flatMap((f) => f.events.map((ev) => ev.kind)));
  for (const k of kinds) assert.ok(EVENT_KIND.has(k), `fake event kind ${k} is in schema.js`);
  assert.ok(kinds.size >= 10, `the fake's run shows many kinds of event (${[...kinds]})`);
});

test('the fake engine\'s committed-log pages have the real pages\' fields at every level', async () => {
  assert.ok(REAL.log_pages.wasm.length > 0 && REAL.log_pages.native.length > 0, 'pages from the in-browser engine and a native cluster');
  const pages = await fakePages();
  assert.ok(pages[0].next > 0 && pages[1].next === undefined, 'a page with more to read and the last page');
  assert.deepEqual(driftOf(shapeOf(realPages), shapeOf(pages)), [], 'the fake engine\'s committed-log (fake-engine.js) drifted from the real pages');
});

test('the fake engine refuses with error kinds the schema names', async () => {
  const e = await FakeEngine.start();
  await e.call('create', {});
  const kinds = new Set(Object.values(ERROR_KINDS));
  for (const [op, args] of [['command', { kind: 'crash', node: 9 }], ['command', { kind: 'nope' }], ['command', { kind: 'drop', msg: 999 }], ['seek', { t: 1e9 }], ['create', { nodes: 10 }], ['teleport', {}],
    ['committed-log', {}], ['committed-log', { node: 9 }], ['committed-log', { node: 1, from: 1e6 }], ['committed-log', { node: 1, limit: -1 }]]) {
    await assert.rejects(e.call(op, args), (err) => kinds.has(err.kind), `${op} ${JSON.stringify(args)}`);
  }
});

test('driftOf catches a field the fake adds, a field it drops, and a type it changes', () => {
  const real = shapeOf([{ view: { time: 1, nodes: [{ id: 1, role: 'leader' }, { id: 2 }] }, events: [] }]);
  assert.deepEqual(driftOf(real, shapeOf([{ view: { time: 1, nodes: [{ id: 1 }] }, events: [] }])), []);
  assert.deepEqual(driftOf(real, shapeOf([{ view: { time: 1, nodes: [{ id: 1, extra: 1 }] }, events: [] }])), ['view.nodes[]: field "extra" is not in real frames']);
  assert.deepEqual(driftOf(real, shapeOf([{ view: { nodes: [] }, events: [] }])), ['view: field "time" is in every real object but missing in a fake one']);
  assert.deepEqual(driftOf(real, shapeOf([{ view: { time: '1', nodes: [] }, events: [] }])), ['view: field "time" is a string; in real frames a number']);
});
