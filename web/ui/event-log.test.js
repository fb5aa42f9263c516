import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logPlan, logLimit, logFirst, matches, LOG_MORE, LOG_KEPT, LOG_ROW_PX } from './events.js';

const LOG_FIRST = logFirst(300);

// apply does what render/events.js does with a plan, on an array of rows.
function apply(rows, plan) {
  const next = plan.rebuild ? plan.rows.slice() : [...plan.rows, ...rows];
  return next.slice(0, plan.count);
}

// expected is the log built from nothing: the newest limit matching events.
function expected(source, filter, node, limit) {
  return source.filter((e) => matches(e, filter, node)).reverse().slice(0, limit);
}

// A small deterministic random source (no Math.random: a failure repeats).
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const KINDS = ['send', 'deliver', 'leader', 'crash', 'commit', 'client-invoke', 'role'];

test('the event log drawn step by step is the log drawn from nothing', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    let source = [];
    let seq = 0;
    let rows = [];
    let shown = { key: '', newest: 0, count: 0, limit: 0 };
    let limit = LOG_FIRST;
    let filter = 'important';
    let node = 0;
    // seen is the events the log has had since it was last built: the
    // model keeps only a window of them (source), the log the rows it drew.
    let seen = [];
    for (let step = 0; step < 60; step++) {
      if (r() < 0.05) {
        // A seek: the events restart from an earlier point.
        source = source.slice(0, Math.floor(r() * source.length));
      } else {
        // New events, sometimes a flood, sometimes none.
        const n = r() < 0.2 ? Math.floor(r() * 300) : Math.floor(r() * 20);
        for (let i = 0; i < n; i++) {
          const e = { seq: ++seq, kind: KINDS[Math.floor(r() * KINDS.length)], node: 1 + Math.floor(r() * 3), peer: 0, at: seq };
          source.push(e);
          seen.push(e);
        }
        if (source.length > 500) source = source.slice(-500);
      }
      if (r() < 0.1) filter = ['important', 'all', 'election', 'faults'][Math.floor(r() * 4)];
      if (r() < 0.1) node = Math.floor(r() * 4);
      if (r() < 0.15) limit = logLimit(limit, LOG_FIRST, { nearEnd: r() < 0.7, atTop: r() < 0.5 });
      const plan = logPlan(shown, source, filter, node, limit);
      rows = apply(rows, plan);
      // A rebuilt log starts from the model's window.
      if (plan.rebuild) seen = source.slice();
      assert.deepEqual(rows.map((e) => e.seq), expected(seen, filter, node, limit).map((e) => e.seq), `seed ${seed} step ${step}`);
      shown = { key: `${filter}|${node}`, newest: source.length ? source[source.length - 1].seq : 0, count: plan.count, limit };
      assert.deepEqual(plan.shown, shown, `seed ${seed} step ${step}: what the log shows once drawn`);
    }
  }
});

test('a few new events are put on top, not the whole log rebuilt', () => {
  const source = Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, kind: 'leader', node: 1, at: i }));
  const first = logPlan({ key: '', newest: 0, count: 0, limit: 0 }, source, 'all', 0, LOG_FIRST);
  assert.equal(first.rebuild, true);
  assert.equal(first.rows.length, LOG_FIRST);
  source.push({ seq: 101, kind: 'crash', node: 2, at: 101 });
  const next = logPlan({ key: 'all|0', newest: 100, count: LOG_FIRST, limit: LOG_FIRST }, source, 'all', 0, LOG_FIRST);
  assert.equal(next.rebuild, false);
  assert.deepEqual(next.rows.map((e) => e.seq), [101]);
  assert.equal(next.count, LOG_FIRST);
});

test('scrolling near the end draws older rows, up to the most kept; back at the top, a screenful again', () => {
  let limit = LOG_FIRST;
  limit = logLimit(limit, LOG_FIRST, { nearEnd: true, atTop: false });
  assert.equal(limit, LOG_FIRST + LOG_MORE);
  for (let i = 0; i < 20; i++) limit = logLimit(limit, LOG_FIRST, { nearEnd: true, atTop: false });
  assert.equal(limit, LOG_KEPT);
  assert.equal(logLimit(limit, LOG_FIRST, { nearEnd: false, atTop: false }), LOG_KEPT);
  assert.equal(logLimit(limit, LOG_FIRST, { nearEnd: false, atTop: true }), LOG_FIRST);
});

test('the first screenful follows the list height', () => {
  assert.equal(logFirst(0), LOG_MORE);
  assert.equal(logFirst(LOG_ROW_PX * 10), 10 + LOG_MORE);
  assert.equal(logFirst(LOG_ROW_PX * 10 + 1), 11 + LOG_MORE);
  assert.equal(logFirst(1e6), LOG_KEPT);
  // A taller list draws more rows at its top; a shorter one, fewer.
  assert.equal(logLimit(LOG_MORE, logFirst(600), { nearEnd: false, atTop: true }), logFirst(600));
  assert.equal(logLimit(logFirst(600), logFirst(100), { nearEnd: false, atTop: false }), logFirst(600));
});
