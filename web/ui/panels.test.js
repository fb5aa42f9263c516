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

test('playing, a pass starts PANEL_MS after the last one ended, and PANEL_FAST_MS at 10x', () => {
  for (const [speed, every] of [[1, PANEL_MS], [10, PANEL_FAST_MS], [100, PANEL_FAST_MS]]) {
    const s = newPanelSchedule();
    panelStep(s, { ts: 1000, version: 1, playing: true, speed });
    for (let f = 1; f < PANEL_ORDER.length; f++) panelStep(s, { ts: 1000 + f, version: 1, playing: true, speed });
    const end = 1000 + PANEL_ORDER.length - 1;
    assert.deepEqual(panelStep(s, { ts: end + every - 1, version: 2, playing: true, speed }).names, [], `speed ${speed}: too soon`);
    assert.deepEqual(panelStep(s, { ts: end + every, version: 2, playing: true, speed }).names, [PANEL.CHROME], `speed ${speed}: due`);
  }
});

test('playing on a slow machine, the stage gets frames of its own between passes', () => {
  // Frames 80 ms apart (4x CPU throttling): a pass of five panels takes
  // 320 ms, longer than PANEL_FAST_MS. The next pass still waits for
  // PANEL_FAST_MS after the last panel, so not every frame draws a panel.
  const s = newPanelSchedule();
  const frame = 80;
  let withPanel = 0;
  const frames = 100;
  for (let f = 0; f < frames; f++) {
    if (panelStep(s, { ts: 1000 + f * frame, version: f + 1, playing: true, speed: 10 }).names.length) withPanel++;
  }
  // Frames of the stage alone between two passes: those before the wait is over.
  const passFrames = PANEL_ORDER.length, waitFrames = Math.ceil(PANEL_FAST_MS / frame) - 1;
  assert.ok(withPanel <= Math.ceil(frames * passFrames / (passFrames + waitFrames)) + 1, `${withPanel} of ${frames} frames drew a panel`);
});
