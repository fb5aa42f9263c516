// The logs side by side: one row per node, one column per index, cells
// coloured and numbered by term; commit, applied and the compacted prefix
// (entries folded into the snapshot) per node; the leader's match and next
// marked on each follower's row. Cells are reused.
import { ROLES, roleOf, currentLeader } from '../roles.js';
import { logColumns, logCell, entryState, entryAt, progressMarks, termColour, kvText, kvSummary } from '../logs.js';
import { html, setText, setAttr, setClass, sync } from './dom.js';
import { shortText } from '../text.js';

/** CELL_W is a log cell's width in CSS px, gap included. */
export const CELL_W = 24;
/** FIXED_W is the width of the columns before the cells (style.css .lrow), plus room. */
const FIXED_W = 210;

/** LogGrid draws every node's log into a container. */
export class LogGrid {
  constructor(container, { onSelectNode }) {
    this.box = container;
    this.onSelectNode = onSelectNode;
    this.rows = [];
    this.cols = 0;
    this.head = null;
    this.sig = '';
    this.width = 400;
    this.view = null;
    this.lo = 1;
    // Tooltips are computed on hover: writing one per cell per frame costs.
    container.addEventListener('mouseover', (e) => this.tooltip(e.target));
  }

  /** resize records the container's width (from a ResizeObserver: no layout reads here). */
  resize(width) { this.width = width || this.width; }

  /** fit returns how many index columns fit the container's width. */
  fit() {
    return Math.max(4, Math.floor((this.width - FIXED_W) / CELL_W));
  }

  tooltip(cell) {
    if (!cell.classList || !cell.classList.contains('cell') || !this.view) return;
    const r = this.rows.findIndex((row) => row.strip === cell.parentElement);
    const node = this.view.nodes[r];
    if (!node) return;
    const k = this.rows[r].cells.indexOf(cell);
    const i = this.lo + k;
    const c = logCell(node, i);
    const mark = this.marks.get(node.id);
    let text = c.text || `index ${i}: no entry on n${node.id}`;
    if (mark && mark.match === i) text += `; the leader's match index for n${node.id}`;
    if (mark && mark.next === i) text += `; the leader sends n${node.id} entries from here (next)`;
    cell.title = text;
  }

  build(n, cols) {
    this.box.replaceChildren();
    this.cols = cols;
    const headCells = [];
    for (let c = 0; c < cols; c++) headCells.push(html('span', { class: 'ix' }));
    this.head = { cells: headCells };
    this.box.append(html('div', { class: 'lrow lhead', 'aria-hidden': 'true' },
      html('span', { class: 'lname', text: 'node' }), html('span', { class: 'lnum', text: 'commit' }), html('span', { class: 'lnum', text: 'applied' }),
      html('span', { class: 'lsnap', text: 'compacted', title: 'Entries compacted into the snapshot: the log starts after them' }),
      html('span', { class: 'lcells' }, ...headCells)));
    this.rows = [];
    for (let i = 1; i <= n; i++) {
      const name = html('button', { class: 'lname', type: 'button', title: `Select n${i}` });
      name.addEventListener('click', () => this.onSelectNode(i));
      const commit = html('span', { class: 'lnum', 'data-testid': `commit-${i}` });
      const applied = html('span', { class: 'lnum', 'data-testid': `applied-${i}` });
      const snap = html('span', { class: 'lsnap', 'data-testid': `snap-${i}` });
      const cells = [];
      for (let c = 0; c < cols; c++) cells.push(html('span', { class: 'cell none' }));
      const note = html('span', { class: 'lnote', hidden: true });
      const strip = html('span', { class: 'lcells', 'data-testid': `log-${i}`, role: 'list', 'aria-label': `n${i} log` }, ...cells, note);
      const row = html('div', { class: 'lrow' }, name, commit, applied, snap, strip);
      this.box.append(row);
      this.rows.push({ row, name, commit, applied, snap, strip, cells, note, keys: new Array(cols).fill('') });
    }
  }

  /** draw updates the grid to the view; it skips work when nothing it shows changed. */
  draw(view, selected) {
    const cols = this.fit();
    if (view.nodes.length !== this.rows.length || cols !== this.cols) {
      this.build(view.nodes.length, cols);
      this.sig = '';
    }
    const leader = currentLeader(view);
    const marks = progressMarks(leader);
    this.view = view;
    this.marks = marks;
    let sig = `${selected}|${leader ? leader.id : 0}`;
    for (const n of view.nodes) sig += `|${n.up}${n.role}${n.term},${n.last_index},${n.commit},${n.applied},${n.first_index}`;
    for (const [id, p] of marks) sig += `|${id}:${p.match}/${p.next}`;
    if (sig === this.sig) return;
    this.sig = sig;
    const { lo, hi } = logColumns(view, cols);
    this.lo = lo;
    this.head.cells.forEach((c, k) => {
      const i = lo + k;
      setText(c, i <= hi && (i % 5 === 0 || i === lo || i === hi) ? String(i) : '');
    });
    view.nodes.forEach((node, r) => this.drawRow(this.rows[r], node, lo, hi, marks.get(node.id), selected === node.id, leader && leader.id === node.id));
  }

  drawRow(row, node, lo, hi, mark, selected, leads) {
    const role = roleOf(node);
    setClass(row.row, `lrow ${role}${selected ? ' selected' : ''}`);
    // The accessible name starts with the visible text ("n1 L"), so that
    // speech users can say what they see (WCAG 2.5.3, label in name).
    const shown = `n${node.id} ${ROLES[role].short}`;
    setText(row.name, shown);
    setAttr(row.name, 'aria-label', `${shown}: ${ROLES[role].label}${leads ? ', the current leader' : ''}; select n${node.id}`);
    setText(row.commit, node.commit);
    setText(row.applied, node.up ? node.applied : '—');
    setAttr(row.applied, 'title', node.up ? `applied up to ${node.applied}` : 'crashed: nothing applied until it restarts');
    // The compacted prefix, always in sight even when the window shows none of it.
    const upto = node.first_index - 1;
    setText(row.snap, upto > 0 ? `1–${upto}` : '');
    setClass(row.snap, upto > 0 ? 'lsnap compacted' : 'lsnap');
    setAttr(row.snap, 'title', upto > 0 ? `n${node.id}: entries 1 to ${upto} are compacted into its snapshot (term ${node.snapshot_term}); its log starts at ${node.first_index}` : `n${node.id}: nothing compacted yet`);
    // A node far behind has no cell in the window: say where its log ends.
    const behind = node.last_index < lo && hi >= lo;
    row.note.hidden = !behind;
    if (behind) setText(row.note, node.last_index ? `← its log ends at index ${node.last_index}` : '← its log is empty');
    for (let k = 0; k < row.cells.length; k++) {
      const i = lo + k;
      const cell = row.cells[k];
      const state = i <= hi ? entryState(node, i) : 'none';
      const e = state === 'none' || state === 'compacted' ? null : entryAt(node, i);
      const c = { state, term: e ? e.term : 0 };
      const conf = e && e.type !== 'normal';
      const isMatch = mark && mark.match === i, isNext = mark && mark.next === i;
      const key = `${c.state}|${c.term}|${isMatch}|${isNext}|${conf}`;
      if (row.keys[k] === key) continue;
      row.keys[k] = key;
      // A membership change has a look of its own (and says so in words).
      let cls = `cell ${c.state}${conf ? ' conf' : ''}`;
      if (isMatch) cls += ' match';
      if (isNext) cls += ' next';
      setClass(cell, cls);
      setText(cell, c.term ? String(c.term) : '');
      cell.style.background = c.state === 'applied' || c.state === 'committed' || c.state === 'uncommitted' ? termColour(c.term) : '';
      cell.removeAttribute('title');
      setAttr(cell, 'role', c.state === 'none' ? null : 'listitem');
    }
  }
}

/** KvTable draws each node's key-value store: its count and digest, and the page of "key=value" items the view carries. */
export class KvTable {
  constructor(container) {
    this.box = container;
    this.rows = [];
  }

  build(n) {
    this.box.replaceChildren();
    this.rows = [];
    for (let i = 1; i <= n; i++) {
      const list = html('ul', { class: 'kv', 'data-testid': `kv-${i}`, 'aria-label': `n${i} key-value store` });
      const sum = html('span', { class: 'kvsum', 'data-testid': `kv-sum-${i}` });
      this.box.append(html('div', { class: 'kvrow' }, html('span', { class: 'kvname', text: `n${i}` }), html('div', {}, sum, list)));
      this.rows.push({ list, sum, sig: null });
    }
  }

  draw(view) {
    if (view.nodes.length !== this.rows.length) this.build(view.nodes.length);
    view.nodes.forEach((node, r) => {
      const row = this.rows[r];
      const text = kvText(node);
      const summary = node.up ? kvSummary(node) : '';
      const sig = node.up ? `${summary}\u0000${text.join('\u0000')}` : node.left ? '\u0001left' : '\u0001down';
      if (sig === row.sig) return;
      row.sig = sig;
      row.sum.textContent = summary;
      const items = [];
      if (node.left) items.push({ tag: 'li', class: 'note', text: 'gone: it left the cluster' });
      else if (!node.up) items.push({ tag: 'li', class: 'note', text: 'lost in the crash; rebuilt from storage on restart' });
      else if (!text.length) items.push({ tag: 'li', class: 'note', text: node.kv && node.kv.count ? 'no keys on this page' : 'empty' });
      else for (const t of text) { const s = shortText(t); items.push({ tag: 'li', text: s.text, title: s.title || s.text }); }
      sync(row.list, items); // in place: only the items that changed are written
    });
  }
}
