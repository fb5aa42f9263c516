import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindKeyboard } from './controls/keyboard.js';

/** press sends one keydown to a bound fake document; it returns what was done and whether the browser's default was stopped. */
function press(key, target) {
  let handler = null;
  const doc = { addEventListener: (type, h) => { if (type === 'keydown') handler = h; } };
  const acts = [];
  bindKeyboard(doc, (a) => acts.push(a.action));
  const e = { key, target, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
  handler(e);
  return { acts, prevented: e.defaultPrevented };
}

const slider = {
  closest: (sel) => (sel.includes('input[type="range"]') || (sel.includes('input') && !sel.includes(':not([type="range"])')) ? slider : null),
  matches: (sel) => sel.includes('input[type="range"]'),
};

test('arrow keys on the slider travel 1 s, as the shortcut list says, not 1 ms', () => {
  assert.deepEqual(press('ArrowLeft', slider), { acts: ['back'], prevented: true });
  assert.deepEqual(press('ArrowRight', slider), { acts: ['forward'], prevented: true });
  assert.deepEqual(press('ArrowDown', slider), { acts: ['back'], prevented: true });
  assert.deepEqual(press('ArrowUp', slider), { acts: ['forward'], prevented: true });
  // Home and End keep the slider's own meaning: the start and the horizon.
  assert.deepEqual(press('Home', slider), { acts: [], prevented: false });
});

test('arrow keys elsewhere travel too; in a text field they are the field\'s', () => {
  const body = { closest: () => null, matches: () => false };
  assert.deepEqual(press('ArrowLeft', body), { acts: ['back'], prevented: true });
  const field = { closest: (sel) => (sel.startsWith('input') ? field : null), matches: () => false };
  assert.deepEqual(press('ArrowLeft', field), { acts: [], prevented: false });
});
