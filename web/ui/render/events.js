// The event log, newest first. Rows are prepended as events arrive and the
// oldest removed; the list is rebuilt only when the filter changes or the
// events restart (a seek).
import { matches, badgeOf, groupOf } from '../events.js';
import { formatTime } from '../clock.js';
import { html } from './dom.js';
import { shortText } from '../text.js';

/** SHOWN is how many rows the log shows. */
export const SHOWN = 200;

function row(e) {
  return html('li', { class: `ev g-${groupOf(e.kind)} k-${e.kind}`, 'data-node': e.node || null },
    html('time', { text: formatTime(e.at) }), html('span', { class: 'badge', text: badgeOf(e.kind) }), html('span', { class: 'etext', ...shortText(e.text) }));
}

/** EventList draws the model's events into an <ol>. */
export class EventList {
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
    this.key = '';
    this.newest = 0;
    this.count = 0;
  }

  /** invalidate makes the next draw rebuild the list (after the events restart). */
  invalidate() { this.key = ''; }

  draw(model, filter, node) {
    const source = filter === 'important' || (filter !== 'all' && filter !== 'messages') ? model.notable : model.events;
    const key = `${filter}|${node}`;
    let fresh = [];
    const rebuild = key !== this.key || !source.length || this.newest > source[source.length - 1].seq;
    if (!rebuild) {
      for (let i = source.length - 1; i >= 0 && source[i].seq > this.newest; i--) if (matches(source[i], filter, node)) fresh.push(source[i]);
      if (fresh.length >= SHOWN) fresh = fresh.slice(0, SHOWN);
    }
    if (rebuild || fresh.length >= SHOWN) {
      const rows = [];
      for (let i = source.length - 1; i >= 0 && rows.length < SHOWN; i--) if (matches(source[i], filter, node)) rows.push(row(source[i]));
      this.list.replaceChildren(...rows);
      this.count = rows.length;
    } else if (fresh.length) {
      const frag = document.createDocumentFragment();
      for (const e of fresh) frag.append(row(e)); // newest first
      this.list.prepend(frag);
      this.count += fresh.length;
      while (this.count > SHOWN) { this.list.lastElementChild.remove(); this.count--; }
    }
    this.key = key;
    this.newest = source.length ? source[source.length - 1].seq : 0;
    this.empty.hidden = this.count > 0;
  }
}
