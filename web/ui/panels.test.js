import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PANEL, PANEL_ORDER, PANEL_MS, PANEL_FAST_MS, newPanelSchedule, panelStep } from './panels.js';

test('every panel has a name, in the order: the chrome first', () => {
  assert.deepEqual([...PANEL_ORDER].sort(), Object.values(PANEL).sort());
  assert.equal(PANEL_ORDER[0], PANEL.CHROME);
  assert.throws(() => { PANEL.EXTRA = 'x'; }, TypeError, 'the names are frozen');
});

test('paused, every panel is drawn at once from a new snapshot, and not again until the page changes', () => {
  const s = newPanelSchedule();
  assert.deepEqual(panelStep(s, { ts: 0, version: 1, playing: false, speed: 1 }), { names: PANEL_ORDER.slice(), snapshot: true });
  assert.deepEqual(panelStep(s, { ts: 1, version: 1, playing: false, speed: 1 }), { names: [], snapshot: false });
  assert.equal(panelStep(s, { ts: 2, version: 2, playing: false, speed: 1 }).names.length, PANEL_ORDER.length);
});

test('playing, a pass draws the chrome at once and one more panel per frame from the same snapshot', () => {
  const s = newPanelSchedule();
  const drawn = [];
  const first = panelStep(s, { ts: 1000, version: 1, playing: true, speed: 1 });
  assert.deepEqual(first, { names: [PANEL.CHROME], snapshot: true });
  for (let f = 1; f < PANEL_ORDER.length; f++) {
    // The page changes meanwhile: the pass goes on from its snapshot.
    const r = panelStep(s, { ts: 1000 + f * 16, version: 1 + f, playing: true, speed: 1 });
    assert.equal(r.snapshot, false);
    assert.equal(r.names.length, 1);
    drawn.push(r.names[0]);
  }
  assert.deepEqual([PANEL.CHROME, ...drawn], PANEL_ORDER);
});

test('playing, passes are PANEL_MS apart, and PANEL_FAST_MS at 10x', () => {
  for (const [speed, every] of [[1, PANEL_MS], [10, PANEL_FAST_MS], [100, PANEL_FAST_MS]]) {
    const s = newPanelSchedule();
    panelStep(s, { ts: 1000, version: 1, playing: true, speed });
    for (let f = 1; f < PANEL_ORDER.length; f++) panelStep(s, { ts: 1000 + f, version: 1, playing: true, speed });
    assert.deepEqual(panelStep(s, { ts: 1000 + every - 1, version: 2, playing: true, speed }).names, [], `speed ${speed}: too soon`);
    assert.deepEqual(panelStep(s, { ts: 1000 + every, version: 2, playing: true, speed }).names, [PANEL.CHROME], `speed ${speed}: due`);
  }
});
