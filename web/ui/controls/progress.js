// The progress of a long import or seek (a session link or file replayed,
// a travel far back), with its Cancel button.
import { progressText } from '../engine.js';
import { $ } from '../render/dom.js';

/** bindProgress shows app.engine's progress in #busy and cancels the long call on Cancel. */
export function bindProgress(app) {
  const box = $('busy');
  const text = $('busy-text');
  $('busy-cancel').addEventListener('click', () => { app.engine.cancel(); });
  app.engine.onProgress = (p) => {
    box.hidden = !p;
    if (p) text.textContent = progressText(p);
  };
}
