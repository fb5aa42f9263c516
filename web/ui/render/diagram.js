// The space-time diagram on a canvas (ui/diagram.js places everything):
// lanes, the time axis, message lines batched by look (one path per look,
// so thousands of lines cost a few strokes), marks, and the selected
// message drawn over them. A click picks what is under it; the wheel moves
// through time.
import { diagramScale, messageLine, hitDiagram, timeTicks, markStyle, GUTTER, AXIS } from '../diagram.js';
import { messageFamily } from '../messages.js';

const FONT = '10px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** LINE are the message lines' colours by family (as the ring's tags), and for heartbeats (faint), refusals and losses. */
const LINE = { replication: '#1d4ed8', election: '#6d28d9', read: '#0f766e', client: '#1d4ed8', other: '#94a3b8', heartbeat: '#cbd5e1', reject: '#b91c1c', lost: '#dc2626' };

/** DiagramView draws diagrams into a canvas and reports picks and scrolls. */
export class DiagramView {
  constructor(canvas, { onPick, onScroll }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.width = 400;
    this.height = 0;
    this.d = null;
    this.scale = null;
    this.chain = [];
    canvas.addEventListener('click', (e) => {
      const hit = this.d && hitDiagram(this.d, this.scale, e.offsetX, e.offsetY);
      if (hit) onPick(hit);
    });
    canvas.addEventListener('wheel', (e) => {
      if (!this.d || !e.deltaY) return;
      e.preventDefault();
      onScroll(Math.sign(e.deltaY) * (this.d.to - this.d.from) / 10);
    }, { passive: false });
  }

  /** resize records the size of the canvas's box (from a ResizeObserver). */
  resize(width, height) {
    this.width = Math.max(120, Math.floor(width));
    this.height = Math.floor(height);
  }

  /**
   * draw paints diagram d with message `selected` (an id, 0 for none)
   * stressed, and a causal answer's chain (steps {at, node}; those of no
   * node are left out) as a path through its events.
   */
  draw(d, selected, chain = []) {
    const s = diagramScale(d, this.width, this.height);
    this.d = d;
    this.scale = s;
    this.chain = chain.filter((c) => c.node && c.at >= d.from && c.at <= d.to);
    const dpr = globalThis.devicePixelRatio || 1;
    const c = this.canvas, g = this.ctx;
    const w = Math.round(s.width * dpr), h = Math.round(s.height * dpr);
    if (c.width !== w || c.height !== h) {
      c.width = w; c.height = h;
      c.style.width = `${s.width}px`; c.style.height = `${s.height}px`;
    }
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, s.width, s.height);
    g.font = FONT;
    g.textBaseline = 'middle';
    // What the trace no longer holds.
    if (d.kept > d.from) {
      g.fillStyle = '#f1f5f9';
      g.fillRect(GUTTER, AXIS, s.x(d.kept) - GUTTER, s.height - AXIS);
    }
    g.fillStyle = '#475569';
    g.strokeStyle = '#e2e8f0';
    g.lineWidth = 1;
    g.beginPath();
    for (const id of d.nodes) {
      g.fillText(`n${id}`, 4, s.y(id));
      g.moveTo(GUTTER, s.y(id)); g.lineTo(s.width - 8, s.y(id));
    }
    g.textAlign = 'center';
    for (const t of timeTicks(d.from, d.to)) {
      g.fillText(`${(t / 1000).toFixed(t % 1000 ? (t % 100 ? 2 : 1) : 0)} s`, s.x(t), AXIS / 2);
      g.moveTo(s.x(t), AXIS); g.lineTo(s.x(t), s.height);
    }
    g.stroke();
    g.textAlign = 'left';
    // Lines, one path per look.
    const paths = new Map();
    let picked = null;
    for (const m of d.messages) {
      const l = messageLine(d, m, s);
      if (m.id === selected) picked = l;
      const type = d.types[m.type];
      const colour = l.state === 'lost' ? LINE.lost : m.reject ? LINE.reject : type.startsWith('MsgHeartbeat') ? LINE.heartbeat : LINE[messageFamily({ type })] || LINE.other;
      const key = `${colour}|${l.state === 'delivered' ? '' : 'dash'}`;
      let p = paths.get(key);
      if (!p) { p = new Path2D(); paths.set(key, p); }
      p.moveTo(l.x1, l.y1); p.lineTo(l.x2, l.y2);
      if (l.state === 'lost') { p.moveTo(l.x2 - 3, l.y2 - 3); p.lineTo(l.x2 + 3, l.y2 + 3); p.moveTo(l.x2 + 3, l.y2 - 3); p.lineTo(l.x2 - 3, l.y2 + 3); }
    }
    g.lineWidth = 1;
    for (const [key, p] of paths) {
      const [colour, dash] = key.split('|');
      g.strokeStyle = colour;
      g.setLineDash(dash ? [3, 2] : []);
      g.stroke(p);
    }
    g.setLineDash([]);
    for (const mark of d.marks) this.mark(g, s.x(mark.at), s.y(mark.node), markStyle(mark));
    if (picked) {
      g.strokeStyle = '#4338ca';
      g.lineWidth = 3;
      g.beginPath(); g.moveTo(picked.x1, picked.y1); g.lineTo(picked.x2, picked.y2); g.stroke();
    }
    if (this.chain.length) {
      g.strokeStyle = '#4338ca';
      g.lineWidth = 2;
      g.beginPath();
      this.chain.forEach((c, i) => (i ? g.lineTo : g.moveTo).call(g, s.x(c.at), s.y(c.node)));
      g.stroke();
      for (const c of this.chain) { g.beginPath(); g.arc(s.x(c.at), s.y(c.node), 6, 0, 2 * Math.PI); g.stroke(); }
    }
    // Now (or the time travelled to): the window's end.
    g.strokeStyle = '#0f172a';
    g.lineWidth = 1.5;
    g.beginPath(); g.moveTo(s.x(d.to), AXIS); g.lineTo(s.x(d.to), s.height); g.stroke();
  }

  /**
   * drawn is what was drawn last, for tests: the window, and each mark and
   * message with the canvas point (CSS px) a click picks it at, or null.
   */
  drawn() {
    const { d, scale: s } = this;
    if (!d) return null;
    const mid = (l) => ({ x: (l.x1 + l.x2) / 2, y: (l.y1 + l.y2) / 2 });
    return {
      from: d.from, to: d.to, nodes: d.nodes,
      marks: d.marks.map((m) => ({ ...m, x: s.x(m.at), y: s.y(m.node) })),
      messages: d.messages.map((m) => ({ ...m, type: d.types[m.type], ...mid(messageLine(d, m, s)) })),
      chain: this.chain.map((c) => ({ ...c, x: s.x(c.at), y: s.y(c.node) })),
    };
  }

  /** mark draws one mark's glyph centred on (x, y). */
  mark(g, x, y, { shape, colour }) {
    g.fillStyle = colour;
    g.strokeStyle = colour;
    g.lineWidth = 2;
    g.beginPath();
    if (shape === 'circle' || shape === 'dot') g.arc(x, y, shape === 'dot' ? 2.5 : 4.5, 0, 2 * Math.PI);
    else if (shape === 'diamond') { g.moveTo(x, y - 5); g.lineTo(x + 5, y); g.lineTo(x, y + 5); g.lineTo(x - 5, y); }
    else if (shape === 'triangle') { g.moveTo(x, y - 5); g.lineTo(x + 5, y + 4); g.lineTo(x - 5, y + 4); }
    else if (shape === 'square') g.rect(x - 4, y - 4, 8, 8);
    else if (shape === 'bar') g.rect(x - 1.5, y - 9, 3, 18);
    else { g.moveTo(x - 4, y - 4); g.lineTo(x + 4, y + 4); g.moveTo(x + 4, y - 4); g.lineTo(x - 4, y + 4); g.stroke(); return; }
    g.closePath();
    g.fill();
  }
}
