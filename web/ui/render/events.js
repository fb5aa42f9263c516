// The event log, newest first. Rows are prepended as events arrive and the
// oldest removed; the list is rebuilt only when the filter changes, the
// events restart (a seek) or more rows arrived than it draws. It draws
// only the newest screenful and a little more while scrolled to its top,
// and older ones (up to LOG_KEPT) as the user scrolls down: rows out of
// sight would cost layout and paint on every redraw. events.js plans what
// to draw (logPlan).
import { badgeOf, groupOf, logPlan, logLimit, logFirst } from '../events.js';
import { formatTime } from '../clock.js';
import { html } from './dom.js';
import { shortText } from '../text.js';

/** NEAR_END_PX is how close to the end of the log a scroll draws older rows. */
const NEAR_END_PX = 80;

function row(e) {
  return html('li', { class: `ev g-${groupOf(e.kind)} k-${e.kind}`, 'data-node': e.node || null },
    html('time', { text: formatTime(e.at) }), html('span', { class: 'badge', text: badgeOf(e.kind) }), html('span', { class: 'etext', ...shortText(e.text) }));
}

/** EventList draws the model's events into an <ol>. */
export class EventList {
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
    this.shown = { key: '', newest: 0, count: 0, limit: 0 };
    this.first = logFirst(0);
    this.limit = this.first;
    this.last = null;
    // Scroll events are the user's: reading the layout here costs nothing a
    // frame would not already have paid.
    list.addEventListener('scroll', () => {
      const nearEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - NEAR_END_PX;
      this.setLimit(logLimit(this.limit, this.first, { nearEnd, atTop: list.scrollTop <= 0 }));
    }, { passive: true });
  }

  /** resize records the list's height (from a ResizeObserver: no layout reads here). */
  resize(height) {
    this.first = logFirst(height);
    this.setLimit(logLimit(this.limit, this.first, { nearEnd: false, atTop: this.list.scrollTop <= 0 }));
  }

  setLimit(limit) {
    if (limit === this.limit) return;
    this.limit = limit;
    if (this.last) this.draw(...this.last);
  }

  /** invalidate makes the next draw rebuild the list (after the events restart). */
  invalidate() { this.shown.key = ''; }

  draw(model, filter, node) {
    this.last = [model, filter, node];
    const source = filter === 'important' || (filter !== 'all' && filter !== 'messages') ? model.notable : model.events;
    const plan = logPlan(this.shown, source, filter, node, this.limit);
    if (plan.rebuild) {
      this.list.replaceChildren(...plan.rows.map(row));
    } else if (plan.rows.length) {
      const frag = document.createDocumentFragment();
      for (const e of plan.rows) frag.append(row(e)); // newest first
      this.list.prepend(frag);
    }
    for (let n = this.list.childElementCount; n > plan.count; n--) this.list.lastElementChild.remove();
    this.shown = plan.shown;
    this.empty.hidden = plan.count > 0;
  }
}
