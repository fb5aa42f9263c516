// Pure drawing: given the model and the DOM containers, draw. Elements are
// kept by id and updated in place; nothing is rebuilt that did not change.
import { ROLES, roleOf, nodePosition, messageProgress, shortType, entryState, termHue, timerFraction, isCut } from './model.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const CX = 300, CY = 300, R = 220, NODE_R = 50;

function el(tag, attrs = {}, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function setText(e, text) { if (e.textContent !== text) e.textContent = text; }
function setAttr(e, k, v) { v = String(v); if (e.getAttribute(k) !== v) e.setAttribute(k, v); }

function shapePoints(shape, r) {
  switch (shape) {
    case 'star': {
      const pts = [];
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 ? r * 0.55 : r * 1.08;
        pts.push(`${(rr * Math.cos(a)).toFixed(1)},${(rr * Math.sin(a)).toFixed(1)}`);
      }
      return pts.join(' ');
    }
    case 'diamond': return `0,${-r * 1.1} ${r * 1.1},0 0,${r * 1.1} ${-r * 1.1},0`;
    case 'triangle': return `0,${-r * 1.1} ${r * 1.05},${r * 0.8} ${-r * 1.05},${r * 0.8}`;
    default: return '';
  }
}

/** ClusterView draws nodes, links and messages into an SVG. */
export class ClusterView {
  constructor(svg, { onSelectNode, onSelectMessage }) {
    this.svg = svg;
    this.gLinks = svg.querySelector('#links');
    this.gMsgs = svg.querySelector('#msgs');
    this.gNodes = svg.querySelector('#nodes');
    this.nodes = new Map();
    this.links = new Map();
    this.msgs = new Map();
    this.count = 0;
    this.onSelectNode = onSelectNode;
    this.onSelectMessage = onSelectMessage;
  }

  positions(n) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(nodePosition(i, n, CX, CY, R));
    return out;
  }

  reset() {
    for (const g of [this.gLinks, this.gMsgs, this.gNodes]) g.replaceChildren();
    this.nodes.clear(); this.links.clear(); this.msgs.clear();
  }

  draw(view, ui) {
    const n = view.nodes.length;
    if (n !== this.count) { this.reset(); this.count = n; }
    const pos = this.positions(n);
    this.drawLinks(view, pos);
    this.drawNodes(view, pos, ui);
    this.drawMessages(view, pos, ui);
  }

  drawLinks(view, pos) {
    const n = view.nodes.length;
    for (let a = 1; a <= n; a++) {
      for (let b = a + 1; b <= n; b++) {
        const key = `${a}-${b}`;
        let line = this.links.get(key);
        if (!line) {
          line = el('line', { class: 'link' }, this.gLinks);
          const p = pos[a - 1], q = pos[b - 1];
          line.setAttribute('x1', p.x); line.setAttribute('y1', p.y); line.setAttribute('x2', q.x); line.setAttribute('y2', q.y);
          this.links.set(key, line);
        }
        const ab = isCut(view, a, b), ba = isCut(view, b, a);
        setAttr(line, 'class', ab || ba ? 'link cut' : 'link');
        // One-way cuts: an arrow shows the direction still open.
        const end = ab && !ba ? 'url(#arrow)' : '';
        const start = ba && !ab ? 'url(#arrow)' : '';
        setAttr(line, 'marker-start', ab && !ba ? end : '');
        setAttr(line, 'marker-end', ba && !ab ? start : '');
        const label = ab && ba ? `link n${a}–n${b} cut` : ab ? `n${a}→n${b} cut, n${b}→n${a} open` : ba ? `n${b}→n${a} cut, n${a}→n${b} open` : '';
        setAttr(line, 'aria-label', label);
      }
    }
  }

  drawNodes(view, pos, ui) {
    view.nodes.forEach((node, i) => {
      let g = this.nodes.get(node.id);
      const p = pos[i];
      if (!g) {
        g = el('g', { transform: `translate(${p.x},${p.y})`, tabindex: '0', role: 'button', 'data-testid': `node-${node.id}` }, this.gNodes);
        g.$halo = el('circle', { class: 'halo', r: NODE_R + 9 }, g);
        g.$timer = el('path', { class: 'timer' }, g);
        g.$circle = el('circle', { class: 'body', r: NODE_R }, g);
        g.$poly = el('polygon', { class: 'body' }, g);
        g.$cross = el('path', { class: 'body', d: `M${-NODE_R * 0.6},${-NODE_R * 0.6} L${NODE_R * 0.6},${NODE_R * 0.6} M${NODE_R * 0.6},${-NODE_R * 0.6} L${-NODE_R * 0.6},${NODE_R * 0.6}` }, g);
        g.$name = el('text', { class: 'name', y: -8 }, g);
        g.$role = el('text', { y: 9 }, g);
        g.$term = el('text', { y: 24 }, g);
        g.addEventListener('click', () => this.onSelectNode(node.id));
        g.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.onSelectNode(node.id); });
        this.nodes.set(node.id, g);
      }
      const role = roleOf(node);
      const info = ROLES[role];
      setAttr(g, 'class', `node ${role}${ui.selected === node.id ? ' selected' : ''}`);
      setAttr(g, 'data-role', role);
      setAttr(g, 'data-term', node.term);
      setAttr(g, 'data-up', node.up);
      setAttr(g, 'aria-label', `n${node.id}: ${info.label}, term ${node.term}${node.leader ? `, leader n${node.leader}` : ''}, commit ${node.commit}`);
      g.$halo.style.display = ui.selected === node.id ? '' : 'none';
      g.$circle.style.display = info.shape === 'circle' ? '' : 'none';
      g.$cross.style.display = 'none';
      g.$poly.style.display = info.shape === 'circle' || info.shape === 'cross' ? 'none' : '';
      if (info.shape === 'cross') { g.$circle.style.display = ''; g.$cross.style.display = ''; }
      if (g.$poly.style.display === '') setAttr(g.$poly, 'points', shapePoints(info.shape, NODE_R));
      setText(g.$name, `n${node.id}`);
      setText(g.$role, info.label);
      setText(g.$term, node.up ? `term ${node.term}` : `term ${node.term} (disk)`);
      const f = timerFraction(node, view.timing);
      if (f === null) setAttr(g.$timer, 'd', '');
      else {
        const a = 2 * Math.PI * Math.max(0.001, Math.min(1, f)) - 0.0001;
        const r = NODE_R + 5;
        const x = r * Math.sin(a), y = -r * Math.cos(a);
        setAttr(g.$timer, 'd', `M0,${-r} A${r},${r} 0 ${a > Math.PI ? 1 : 0} 1 ${x.toFixed(1)},${y.toFixed(1)}`);
      }
    });
  }

  drawMessages(view, pos, ui) {
    const seen = new Set();
    for (const m of view.messages) {
      seen.add(m.id);
      let g = this.msgs.get(m.id);
      if (!g) {
        g = el('g', { tabindex: '-1', 'data-testid': `msg-${m.id}` }, this.gMsgs);
        g.$box = el('rect', { rx: 4, height: 16, y: -8 }, g);
        g.$label = el('text', {}, g);
        g.addEventListener('click', (e) => { e.stopPropagation(); this.onSelectMessage(m.id); });
        this.msgs.set(m.id, g);
      }
      const label = shortType(m);
      if (g.$label.textContent !== label) {
        g.$label.textContent = label;
        const w = 8 + label.length * 5.6;
        g.$box.setAttribute('width', w); g.$box.setAttribute('x', -w / 2);
      }
      const kind = m.response ? (m.reject ? 'reject' : 'resp') : 'req';
      setAttr(g, 'class', `msg ${kind}${m.lost ? ' lost' : ''}${ui.selectedMsg === m.id ? ' selected' : ''}`);
      const a = pos[m.from - 1], b = pos[m.to - 1];
      if (!a || !b) continue;
      let t = ui.reducedMotion ? (m.deliver_at ? 0.5 : 0.15) : messageProgress(m, view.time);
      // Keep labels off the node bodies and apart from the reverse direction.
      const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
      const margin = (NODE_R + 12) / len;
      t = margin + t * (1 - 2 * margin);
      const off = 9;
      const x = a.x + dx * t - (dy / len) * off, y = a.y + dy * t + (dx / len) * off;
      setAttr(g, 'transform', `translate(${x.toFixed(1)},${y.toFixed(1)})`);
    }
    for (const [id, g] of this.msgs) {
      if (!seen.has(id)) { g.remove(); this.msgs.delete(id); }
    }
  }
}

function text(tag, content, cls) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.textContent = content;
  return e;
}

/** drawCards renders each node's state, log, KV and the leader's progress. */
export function drawCards(container, view, ui) {
  const frag = document.createDocumentFragment();
  for (const node of view.nodes) {
    const role = roleOf(node);
    const card = document.createElement('article');
    card.className = `card ${role}${ui.selected === node.id ? ' selected' : ''}`;
    card.dataset.testid = `card-${node.id}`;
    const h = document.createElement('header');
    h.append(text('b', `n${node.id}`), text('span', ROLES[role].label, 'role'),
      text('span', node.up ? `term ${node.term}` : `term ${node.term} on disk`),
      text('span', node.leader ? `leader n${node.leader}` : 'no leader known'));
    if (node.error) h.append(text('span', `error: ${node.error}`, 'role'));
    card.append(h);
    const dl = document.createElement('dl');
    const pair = (k, v, testid) => { dl.append(text('dt', k)); const dd = text('dd', String(v)); if (testid) dd.dataset.testid = testid; dl.append(dd); };
    pair('commit', node.commit, `commit-${node.id}`);
    pair('applied', node.up ? node.applied : '—', `applied-${node.id}`);
    pair('last', node.last_index);
    pair('vote', node.vote ? `n${node.vote}` : '—');
    pair('snapshot', node.snapshot_index ? `${node.snapshot_index} (t${node.snapshot_term})` : '—');
    pair('first', node.first_index);
    card.append(dl);
    const log = document.createElement('div');
    log.className = 'log';
    log.dataset.testid = `log-${node.id}`;
    log.setAttribute('aria-label', `n${node.id} log`);
    const omitted = node.log_omitted + Math.max(0, node.first_index - 1);
    if (omitted > 0) {
      const c = text('span', `…${omitted}`, 'entry compacted');
      c.title = `${node.first_index - 1} entries compacted into the snapshot at ${node.snapshot_index}; ${node.log_omitted} older entries not shown`;
      log.append(c);
    }
    const shown = node.log.slice(-ui.logShown);
    for (const e of shown) {
      const st = entryState(e, node);
      const b = text('span', `${e.index}`, `entry ${st}`);
      b.style.background = `hsl(${termHue(e.term)} 70% 80%)`;
      b.title = `index ${e.index}, term ${e.term}, ${st}${e.op ? `: ${e.op}` : e.type === 'normal' ? ': (empty entry of a new leader)' : ''}`;
      b.append(document.createElement('br'), `t${e.term}`);
      log.append(b);
    }
    card.append(log);
    const kv = document.createElement('ul');
    kv.className = 'kv';
    kv.dataset.testid = `kv-${node.id}`;
    kv.setAttribute('aria-label', `n${node.id} key-value store`);
    if (!node.up) kv.append(text('li', '(state machine lost in the crash; rebuilt on restart)'));
    for (const p of node.kv) kv.append(text('li', `${p.key}=${p.value}`));
    card.append(kv);
    if (node.progress && node.progress.length) {
      const t = document.createElement('table');
      t.className = 'progress';
      t.append(...['peer', 'match', 'next', 'state'].map((x) => text('th', x)));
      for (const p of node.progress) {
        const tr = document.createElement('tr');
        tr.append(text('td', `n${p.id}`), text('td', p.match), text('td', p.next), text('td', `${p.state}${p.recent_active ? '' : ' (silent)'}`));
        t.append(tr);
      }
      card.append(t);
    }
    frag.append(card);
  }
  container.replaceChildren(frag);
}

/** drawEvents renders the event log, newest first. */
export function drawEvents(list, model, filter) {
  const events = filter === 'important' ? model.notable : model.events;
  const frag = document.createDocumentFragment();
  let shown = 0;
  for (let i = events.length - 1; i >= 0 && shown < 200; i--) {
    const e = events[i];
    const isMsg = e.kind === 'send' || e.kind === 'deliver' || e.kind === 'drop' || e.kind === 'duplicate';
    if (filter === 'messages' && !isMsg) continue;
    const li = document.createElement('li');
    li.className = e.kind;
    li.append(text('span', `${(e.at / 1000).toFixed(3)}s`, 't'), ' ', e.text);
    frag.append(li);
    shown++;
  }
  list.replaceChildren(frag);
}
