// The error and notice boxes over the page: each shows its newest message
// for a while, then hides.
import { noteError } from '../page-state.js';
import { $ } from './dom.js';

/** ERROR_MS is how long an error stays shown; NOTICE_MS a notice. */
export const ERROR_MS = 12000;
export const NOTICE_MS = 4000;

/** showError shows text in the error box and notes it in page (ui/page-state.js) for tests. */
export function showError(page, text) {
  noteError(page, text);
  const box = $('error');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(page.errorTimer);
  page.errorTimer = setTimeout(() => { box.hidden = true; }, ERROR_MS);
}

/** showNotice shows text in the notice box. */
export function showNotice(page, text) {
  const box = $('notice');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(page.noticeTimer);
  page.noticeTimer = setTimeout(() => { box.hidden = true; }, NOTICE_MS);
}
