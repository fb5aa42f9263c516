// The console's output: the requests typed in the console and the answers
// the cluster gave (client-return events of client 0), newest at the bottom.
import { formatTime } from '../clock.js';
import { html } from './dom.js';
import { shortText } from '../text.js';

/** ConsoleView appends new console lines to an <ol>, keyed by event seq. */
export class ConsoleView {
  constructor(list) {
    this.list = list;
    this.last = -1;
    this.first = -1;
  }

  draw(lines) {
    const first = lines.length ? lines[0].seq : 0;
    const newest = lines.length ? lines[lines.length - 1].seq : 0;
    // After a seek or a new session the lines restart: redraw them all.
    if (newest < this.last || first < this.first) { this.list.replaceChildren(); this.last = -1; }
    this.first = first;
    let added = false;
    for (const l of lines) {
      if (l.seq <= this.last) continue;
      const t = shortText(l.text);
      this.list.append(html('li', { class: l.dir, title: t.title }, html('time', { text: `${formatTime(l.at)}s` }), html('span', { class: 'ctext', text: t.text })));
      this.last = l.seq;
      added = true;
    }
    while (this.list.childElementCount > 60) this.list.firstElementChild.remove();
    if (added) this.list.scrollTop = this.list.scrollHeight;
  }
}
