// Search the whole session: the engine replays it and answers the events
// that match (wire.ParseSearch: a phrase or conditions); each is listed,
// travels to its time, and is marked on the slider.
import { formatTime } from '../clock.js';
import { $, html, setText, show } from '../render/dom.js';

/** searchSummary says what a search found: how many events, and how many are listed. */
export function searchSummary(query, r) {
  if (!r.total) return `No event of the session matches “${query}”.`;
  const listed = r.events.length < r.total ? `; the first ${r.events.length} are listed` : '';
  return `${r.total} event${r.total === 1 ? ' of the session matches' : 's of the session match'} “${query}”${listed}.`;
}

/** bindSearch wires the search box to app (the App) and redraw (a new panel pass, for the slider's markers). */
export function bindSearch(app, redraw) {
  $('search-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const query = $('search').value.trim();
    if (!query) return;
    app.setPlaying(false);
    const r = await app.search(query);
    if (!r) return;
    setText($('search-summary'), searchSummary(query, r));
    $('search-results').replaceChildren(...r.events.map((ev) => {
      const go = html('button', { type: 'button', class: 'btn small ghost', text: `${formatTime(ev.at)} s`, title: `Travel to ${formatTime(ev.at)} s` });
      go.addEventListener('click', () => app.seek(ev.at));
      return html('li', { 'data-seq': String(ev.seq) }, go, html('span', { text: ev.text }));
    }));
    app.searchMarks = r.events.map((ev) => ({ key: `s${ev.seq}`, at: ev.at, cls: 'search', label: `found: ${ev.text}` }));
    show($('search-box'), true);
    redraw();
  });
}
