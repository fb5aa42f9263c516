import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPageState, newEventFilter, noteError, shownErrors, noteSaid, takeSaid, SHOWN_ERRORS_KEEP } from './page-state.js';
import { readFileSync } from 'node:fs';

test('the page state is declared in one place: a field added on the fly throws', () => {
  const page = newPageState(false);
  assert.throws(() => { page.somethingNew = 1; }, TypeError);
  assert.throws(() => { page.panels.extra = 1; }, TypeError);
  assert.throws(() => { newEventFilter(page).extra = 1; }, TypeError);
  page.version++;
  assert.equal(page.version, 1);
});

test('every field of the page state is documented where it is declared', () => {
  const src = readFileSync(new URL('./page-state.js', import.meta.url), 'utf8');
  const lines = src.slice(src.indexOf('Object.seal({'), src.indexOf('});')).split('\n').map((l) => l.trim());
  for (const field of Object.keys(newPageState(false))) {
    let i = lines.findIndex((l) => l.startsWith(`${field}:`));
    assert.ok(i > 0, `${field} is not declared on a line of its own`);
    // Walk back over the fields declared together to their comment.
    while (i > 0 && /^\w+: /.test(lines[i - 1])) i--;
    assert.ok(i > 0 && lines[i - 1].startsWith('/**') && lines[i - 1].includes(field), `${field} has no doc comment naming it`);
  }
});

test('the main wiring adds no field to the page state and reads only declared ones', () => {
  const fields = new Set(Object.keys(newPageState(false)));
  for (const file of ['../main.js', '../test-surface.js']) {
    const src = readFileSync(new URL(file, import.meta.url), 'utf8');
    for (const [, name] of src.matchAll(/\bpage\.(\w+)/g)) assert.ok(fields.has(name), `${file} uses page.${name}, which page-state.js does not declare`);
  }
});

test('the event filter redraws by bumping the page version', () => {
  const page = newPageState(true);
  const ui = newEventFilter(page);
  assert.deepEqual({ filter: ui.filter, node: ui.node }, { filter: 'important', node: 0 });
  ui.redraw();
  assert.equal(page.version, 1);
  assert.equal(page.realTime, true);
});

test('shown errors keep the newest, and take empties them', () => {
  const page = newPageState(false);
  for (let i = 0; i < SHOWN_ERRORS_KEEP + 3; i++) noteError(page, `e${i}`);
  const all = shownErrors(page);
  assert.equal(all.length, SHOWN_ERRORS_KEEP);
  assert.equal(all[0], 'e3');
  assert.equal(shownErrors(page, true).length, SHOWN_ERRORS_KEEP);
  assert.deepEqual(shownErrors(page), []);
});

test('sentences for the announcer queue up until taken', () => {
  const page = newPageState(false);
  noteSaid(page, ['a']);
  noteSaid(page, []);
  noteSaid(page, ['b', 'c']);
  assert.deepEqual(takeSaid(page), ['a', 'b', 'c']);
  assert.deepEqual(takeSaid(page), []);
});
