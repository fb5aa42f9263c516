// Keyboard shortcuts: keydown anywhere outside a text field runs the
// action of ../keys.js's table. On the time slider the arrow keys travel
// 1 s like everywhere else (its own step is 1 ms, so it can reach any time
// when dragged).
import { actionForKey, sliderKeyAction, shownShortcuts } from '../keys.js';
import { html } from '../render/dom.js';

function typing(target) {
  return !!(target && target.closest && target.closest('input:not([type="checkbox"]):not([type="range"]), select, textarea, [contenteditable="true"]'));
}

/** bindKeyboard calls act(action) for shortcut keys pressed on doc. */
export function bindKeyboard(doc, act) {
  doc.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || typing(e.target)) return;
    const onSlider = !!(e.target && e.target.matches && e.target.matches('input[type="range"]'));
    const a = onSlider ? sliderKeyAction(e.key, e) : actionForKey(e.key, e);
    if (!a) return;
    // Space and Enter keep their meaning on buttons.
    if (e.key === ' ' && e.target.closest && e.target.closest('button, [role="button"], summary, label')) return;
    e.preventDefault();
    act(a);
  });
}

/** listShortcuts fills a <dl> with the shortcut table, without the actions hidden(action) rules out. */
export function listShortcuts(dl, hidden) {
  dl.replaceChildren(...shownShortcuts(hidden).flatMap((s) => [
    html('dt', {}, ...s.name.split(' / ').flatMap((k, i) => (i ? [' / ', html('kbd', { text: k })] : [html('kbd', { text: k })]))),
    html('dd', { text: s.text }),
  ]));
}
