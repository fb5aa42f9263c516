// The logs side by side: one row per node, one column per index, cells
// coloured and numbered by term; commit, applied and the compacted prefix
// (entries folded into the snapshot) per node; the leader's match and next
// marked on each follower's row. A row's cells are drawn on a canvas, each
// distinct look rasterised once into a sprite and then copied, and only the
// cells whose look changed are drawn again: a grid of DOM cells cost a
// style, layout and paint pass over every cell each time the window moved.
// The row says in words what it shows (logSummary), a cell's sentence is
// its tooltip, and a click on a cell asks why that entry is (not)
// committed.
import { ROLES, roleOf, currentLeader } from '../roles.js';
import { logColumns, logCell, logSummary, entryState, entryAt, progressMarks, termColour, kvText, kvSummary } from '../logs.js';
import { html, setText, setAttr, setClass, sync } from './dom.js';
import { shortText } from '../text.js';

/** CELL_W is a log cell's width in CSS px, gap included. */
export const CELL_W = 24;
/** FIXED_W is the width of the columns before the cells (style.css .lrow), plus room. */
const FIXED_W = 210;
/** A cell's box (CSS px) inside its CELL_W by ROW_H slot: room above for nothing, below for the match mark. */
const BOX_W = 22, BOX_H = 20, BOX_Y = 1, ROW_H = 26;
/** CELL_FONT is the term's font in a cell. */
const CELL_FONT = '650 10.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** SPRITES_MAX bounds the cell sprites kept; the cache starts over when full. */
const SPRITES_MAX = 500;

/** stripes draws parallel lines of width w, `period` apart, across the box, along the direction (dx, dy). */
function stripes(g, x, y, w, h, period, width, dx, dy) {
  g.beginPath();
  const d = Math.hypot(w, h);
  for (let t = -d; t <= d; t += period) {
    // Lines perpendicular to (dx, dy), t along it from the box's centre.
    const cx = x + w / 2 + dx * t, cy = y + h / 2 + dy * t;
    g.moveTo(cx - dy * d, cy + dx * d);
    g.lineTo(cx + dy * d, cy - dx * d);
  }
  g.lineWidth = width;
  g.stroke();
}

/**
 * paintCell draws a cell's look into g (CSS px, the slot's top left at 0,
 * 0): the looks style.css gives the legend's .c cells, state by state.
 */
function paintCell(g, { state, term, conf, match, next, dim }, accent) {
  const x = 0, y = BOX_Y, w = BOX_W, h = BOX_H;
  // A crashed or removed node's cells are faded.
  g.globalAlpha = dim ? 0.6 : 1;
  const shape = () => {
    g.beginPath();
    if (conf) g.ellipse(x + w / 2, y + h / 2, w / 2 - 0.5, h / 2 - 0.5, 0, 0, 2 * Math.PI);
    else g.roundRect(x + 0.5, y + 0.5, w - 1, h - 1, 3);
  };
  g.save();
  shape();
  g.clip();
  if (state === 'compacted') {
    g.fillStyle = '#f8fafc';
    g.fillRect(x, y, w, h);
    g.strokeStyle = '#e2e8f0';
    stripes(g, x, y, w, h, 6, 3, Math.SQRT1_2, -Math.SQRT1_2);
  } else {
    g.fillStyle = termColour(term);
    g.fillRect(x, y, w, h);
    if (state === 'committed') {
      g.strokeStyle = 'rgba(255,255,255,.75)';
      stripes(g, x, y, w, h, 5, 2, Math.SQRT1_2, Math.SQRT1_2);
    } else if (state === 'uncommitted') {
      g.fillStyle = 'rgba(255,255,255,.62)';
      g.fillRect(x, y, w, h);
    }
    if (next) {
      g.fillStyle = accent;
      g.fillRect(x + 1, y, 3, h);
    }
  }
  g.restore();
  shape();
  g.lineWidth = conf ? 2 : 1;
  g.setLineDash(state === 'uncommitted' ? [3, 2] : state === 'compacted' ? [1, 1] : []);
  g.strokeStyle = state === 'uncommitted' ? '#64748b' : state === 'compacted' ? '#94a3b8' : conf ? '#0f172a' : '#334155';
  g.stroke();
  if (conf) {
    // A double border: a membership change has a look of its own.
    g.beginPath();
    g.ellipse(x + w / 2, y + h / 2, w / 2 - 3.5, h / 2 - 3.5, 0, 0, 2 * Math.PI);
    g.lineWidth = 1;
    g.stroke();
  }
  g.setLineDash([]);
  if (term && state !== 'compacted') {
    g.font = CELL_FONT;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillStyle = state === 'uncommitted' ? '#334155' : '#0f172a';
    g.fillText(String(term), x + w / 2, y + h / 2 + 0.5);
  }
  if (match) {
    // The leader's match index: a mark under the cell.
    g.beginPath();
    g.moveTo(x + w / 2, y + h);
    g.lineTo(x + w / 2 + 4, y + h + 5);
    g.lineTo(x + w / 2 - 4, y + h + 5);
    g.closePath();
    g.fillStyle = accent;
    g.fill();
  }
}

/** LogGrid draws every node's log into a container. */
export class LogGrid {
  constructor(container, { onSelectNode, onCell }) {
    this.box = container;
    this.onSelectNode = onSelectNode;
    this.rows = [];
    this.cols = 0;
    this.head = null;
    this.sig = '';
    this.width = 400;
    this.view = null;
    this.marks = new Map();
    this.lo = 1;
    this.dpr = 1;
    this.sprites = new Map();
    this.accent = '#4338ca';
    // Tooltips are computed on hover: writing one per cell per frame costs.
    container.addEventListener('mousemove', (e) => this.tooltip(e.target, e.offsetX));
    container.addEventListener('click', (e) => {
      const hit = this.cellAt(e.target, e.offsetX);
      if (hit && onCell) onCell(hit.node, hit.index);
    });
  }

  /** resize records the container's width (from a ResizeObserver: no layout reads here), and redraws at a new pixel ratio. */
  resize(width) {
    this.width = width || this.width;
    if ((globalThis.devicePixelRatio || 1) !== this.dpr) this.cols = 0;
  }

  /** fit returns how many index columns fit the container's width. */
  fit() {
    return Math.max(4, Math.floor((this.width - FIXED_W) / CELL_W));
  }

  /** cellAt is the entry under x (CSS px) on a row's canvas: {node, index, r}, or null off the cells or past the node's log. */
  cellAt(canvas, x) {
    const r = this.rows.findIndex((row) => row.canvas === canvas);
    const node = this.view && this.view.nodes[r];
    const k = Math.floor(x / CELL_W);
    if (!node || k < 0 || k >= this.cols) return null;
    const index = this.lo + k;
    return entryState(node, index) === 'none' ? null : { node: node.id, index, r };
  }

  tooltip(canvas, x) {
    const r = this.rows.findIndex((row) => row.canvas === canvas);
    const node = this.view && this.view.nodes[r];
    if (!node) return;
    const k = Math.floor(x / CELL_W);
    const i = this.lo + k;
    if (k < 0 || k >= this.cols || this.rows[r].hover === i) return;
    this.rows[r].hover = i;
    const c = logCell(node, i);
    const mark = this.marks.get(node.id);
    let text = c.text || `index ${i}: no entry on n${node.id}`;
    if (mark && mark.match === i) text += `; the leader's match index for n${node.id}`;
    if (mark && mark.next === i) text += `; the leader sends n${node.id} entries from here (next)`;
    if (c.state !== 'none') text += '. Click: why is it committed or not?';
    canvas.title = text;
  }

  build(n, cols) {
    this.box.replaceChildren();
    this.cols = cols;
    this.dpr = globalThis.devicePixelRatio || 1;
    this.sprites.clear();
    this.accent = getComputedStyle(this.box).getPropertyValue('--accent').trim() || this.accent;
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
      const canvas = html('canvas', { class: 'lcanvas', width: String(Math.round(cols * CELL_W * this.dpr)), height: String(Math.round(ROW_H * this.dpr)) });
      canvas.style.width = `${cols * CELL_W}px`;
      canvas.style.height = `${ROW_H}px`;
      const note = html('span', { class: 'lnote', hidden: true });
      const strip = html('span', { class: 'lcells', 'data-testid': `log-${i}`, role: 'img', 'aria-label': `n${i} log` }, canvas, note);
      const row = html('div', { class: 'lrow' }, name, commit, applied, snap, strip);
      this.box.append(row);
      const ctx = canvas.getContext('2d');
      this.rows.push({ row, name, commit, applied, snap, strip, canvas, ctx, note, hover: 0, keys: new Array(cols).fill('none') });
    }
  }

  /** sprite returns a cell's look rasterised at the screen's scale, drawing it the first time. */
  sprite(key, look) {
    let sp = this.sprites.get(key);
    if (sp) return sp;
    if (this.sprites.size >= SPRITES_MAX) this.sprites.clear();
    sp = document.createElement('canvas');
    sp.width = Math.ceil(CELL_W * this.dpr);
    sp.height = Math.ceil(ROW_H * this.dpr);
    const g = sp.getContext('2d');
    g.scale(this.dpr, this.dpr);
    paintCell(g, look, this.accent);
    this.sprites.set(key, sp);
    return sp;
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
    setAttr(row.strip, 'aria-label', logSummary(node, lo, hi));
    if (row.hover) { row.hover = 0; row.canvas.removeAttribute('title'); }
    const { ctx, keys } = row;
    const dim = role === 'down' || role === 'left';
    const d = this.dpr, slot = CELL_W * d;
    for (let k = 0; k < keys.length; k++) {
      const i = lo + k;
      const state = i <= hi ? entryState(node, i) : 'none';
      const e = state === 'none' || state === 'compacted' ? null : entryAt(node, i);
      const look = { state, term: e ? e.term : 0, conf: !!e && e.type !== 'normal', match: !!mark && mark.match === i, next: !!mark && mark.next === i, dim };
      const key = state === 'none' ? 'none' : `${state}|${look.term}|${look.match}|${look.next}|${look.conf}|${dim}`;
      if (keys[k] === key) continue;
      keys[k] = key;
      ctx.clearRect(Math.round(k * slot), 0, Math.round(slot), row.canvas.height);
      if (state !== 'none') ctx.drawImage(this.sprite(key, look), Math.round(k * slot), 0);
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
