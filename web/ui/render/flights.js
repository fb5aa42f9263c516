// Messages in flight, drawn on a canvas laid over the ring's SVG, at the
// view's virtual time (or still, with reduced motion). A canvas because a
// hundred labels move every frame: redrawing them costs far less than
// moving a hundred SVG groups. Each distinct tag (label, colours, direction,
// selection) is rasterised once into a sprite at the screen's scale and then
// copied, so a frame costs one image copy per message rather than a path, a
// stroke and a line of text. Clicks are hit-tested against what was drawn.
// Held messages (manual delivery) are drawn one tag per link with a count,
// placed by held.js so that no two overlap.
import { messageKind, messageFamily, messageLabel, placeMessages, COMPACT_OVER } from '../messages.js';
import { pointOnLink, SIZE } from '../geometry.js';
import { groupHeld, heldMessages, layoutHeld } from '../held.js';

const LANE = 9;
const H = 15;
const FONT = '650 9.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** PAD is the room around a tag's box in its sprite: a request's nose and the selection stroke. */
const PAD = 9;
/** SPRITES_MAX bounds the sprite cache; it starts over when full. */
const SPRITES_MAX = 2000;

/** Colours by kind and family; the legend (style.css .m.*) uses the same. */
const STYLE = {
  replication: { fill: '#dbeafe', stroke: '#1d4ed8' },
  election: { fill: '#ede9fe', stroke: '#6d28d9' },
  read: { fill: '#ccfbf1', stroke: '#0f766e' },
  client: { fill: '#dbeafe', stroke: '#1d4ed8' },
  other: { fill: '#f1f5f9', stroke: '#475569' },
  accept: { fill: '#dcfce7', stroke: '#15803d' },
  reject: { fill: '#fee2e2', stroke: '#b91c1c', text: '#7f1d1d' },
  lost: { fill: '#ffffff', stroke: '#64748b', text: '#475569' },
};

/**
 * layoutMessages computes where each message is drawn (viewBox units): its
 * centre, label, box width, height and the direction of travel, and the ids
 * the tag stands for (held messages: every one held on its link that the
 * filter shows). Pure apart from measure(label) -> width. The returned
 * array's `left` counts held messages no free place was found for. memo,
 * an object kept between calls, saves placing the same held messages again.
 */
export function layoutMessages(view, pos, r, reducedMotion, measure, { selected = 0, heldFilter = 'all', memo = null } = {}) {
  const msgs = view.messages;
  const moving = msgs.filter((m) => m.deliver_at);
  const places = placeMessages(moving, view.time, reducedMotion);
  const compact = msgs.length > COMPACT_OVER;
  const out = [];
  for (let i = 0; i < moving.length; i++) {
    const m = moving[i];
    const a = pos[m.from - 1], b = pos[m.to - 1];
    if (!a || !b) continue;
    const p = pointOnLink(a, b, places[i], r + 14, LANE);
    const label = messageLabel(m, compact);
    out.push({ m, ids: [m.id], x: p.x, y: p.y, h: H, angle: p.angle, label, w: Math.ceil(measure(label)) + 10 });
  }
  const held = heldMessages(view, heldFilter);
  const key = `${pos.length}|${r}|${compact}|${selected}|${held.map((m) => m.id).join(',')}`;
  let placed = memo && memo.key === key ? memo.placed : null;
  if (!placed) {
    placed = layoutHeld(groupHeld(held, selected), pos, r, { h: H, lane: LANE, measure, compact });
    if (memo) { memo.key = key; memo.placed = placed; }
  }
  out.push(...placed.tags);
  out.left = placed.left;
  return out;
}

/** paintTag draws one message tag centred on (d.x, d.y) in viewBox units. */
function paintTag(ctx, d, isSelected) {
  const m = d.m;
  const kind = messageKind(m);
  const st = m.lost ? STYLE.lost : kind === 'request' ? STYLE[messageFamily(m)] || STYLE.other : STYLE[kind];
  const x = d.x - d.w / 2, y = d.y - H / 2;
  ctx.globalAlpha = m.lost ? 0.65 : 1;
  ctx.setLineDash(m.lost ? [2.5, 2] : []);
  ctx.beginPath();
  if (kind === 'request') {
    // A request carries a nose pointing where it goes.
    const dx = Math.cos(d.angle), dy = Math.sin(d.angle);
    const t = Math.min(dx ? (d.w / 2) / Math.abs(dx) : Infinity, dy ? (H / 2) / Math.abs(dy) : Infinity);
    const ex = d.x + dx * t, ey = d.y + dy * t;
    ctx.moveTo(ex - dy * 3.5, ey + dx * 3.5);
    ctx.lineTo(ex + dx * 6, ey + dy * 6);
    ctx.lineTo(ex + dy * 3.5, ey - dx * 3.5);
    ctx.closePath();
  }
  ctx.roundRect(x, y, d.w, H, kind === 'request' ? 2.5 : H / 2);
  ctx.fillStyle = st.fill;
  ctx.fill();
  ctx.lineWidth = isSelected ? 3 : kind === 'reject' || !m.deliver_at ? 2 : 1.2;
  ctx.strokeStyle = isSelected ? '#4338ca' : st.stroke;
  ctx.stroke();
  ctx.fillStyle = st.text || '#0f172a';
  ctx.fillText(d.label, d.x, d.y + 0.5);
  if (m.lost) {
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = st.text;
    ctx.beginPath();
    ctx.moveTo(d.x - d.w / 2 + 4, d.y + 0.5);
    ctx.lineTo(d.x + d.w / 2 - 4, d.y + 0.5);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

/** FlightsCanvas draws view.messages on a canvas over the ring. */
export class FlightsCanvas {
  constructor(canvas, svg) {
    this.canvas = canvas;
    this.svg = svg;
    this.ctx = canvas.getContext('2d');
    this.widths = new Map();
    this.drawn = [];
    this.map = { scale: 1, ox: 0, oy: 0, dpr: 1 };
    this.sprites = new Map();
    this.heldMemo = {};
    this.selected = 0;
  }

  /** fit sizes the canvas to the SVG's box; call it when the layout changes. */
  fit() {
    const w = this.svg.clientWidth, h = this.svg.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    c.style.left = `${this.svg.offsetLeft}px`;
    c.style.top = `${this.svg.offsetTop}px`;
    c.style.width = `${w}px`;
    c.style.height = `${h}px`;
    c.width = Math.max(1, Math.round(w * dpr));
    c.height = Math.max(1, Math.round(h * dpr));
    const scale = Math.min(w, h) / SIZE;
    this.map = { scale, ox: (w - SIZE * scale) / 2, oy: (h - SIZE * scale) / 2, dpr };
    this.sprites.clear(); // drawn for the old scale
  }

  measure(label) {
    let w = this.widths.get(label);
    if (w === undefined) {
      this.ctx.font = FONT;
      w = this.ctx.measureText(label).width;
      this.widths.set(label, w);
    }
    return w;
  }

  /** draw paints every message; pos are node positions (viewBox units), r the node radius; heldFilter picks the held messages shown. */
  draw(view, pos, r, { selected = 0, reducedMotion = false, heldFilter = 'all' } = {}) {
    const { ctx, canvas } = this;
    const { scale, ox, oy, dpr } = this.map;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    this.selected = selected;
    this.drawn = layoutMessages(view, pos, r, reducedMotion, (l) => this.measure(l), { selected, heldFilter, memo: this.heldMemo });
    const k = scale * dpr;
    for (const d of this.drawn) {
      const sp = this.sprite(d, d.m.id === selected);
      ctx.drawImage(sp.canvas, Math.round(dpr * ox + d.x * k - sp.cx), Math.round(dpr * oy + d.y * k - sp.cy));
    }
    if (this.drawn.left) {
      // No free place on the ring for these: the held list has them all.
      ctx.setTransform(k, 0, 0, k, dpr * ox, dpr * oy);
      ctx.font = FONT;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillStyle = '#334155';
      ctx.fillText(`${this.drawn.left} more held: see Held messages`, SIZE / 2, SIZE - 2);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    }
  }

  /** sprite returns the tag of d rasterised at the current scale, drawing it the first time. */
  sprite(d, isSelected) {
    const m = d.m;
    const kind = messageKind(m);
    // A request's nose points along its link: the angle is part of its look.
    const key = `${d.label}|${kind}|${messageFamily(m)}|${m.lost ? 1 : 0}|${m.deliver_at ? 1 : 0}|${isSelected ? 1 : 0}|${kind === 'request' ? Math.round(d.angle * 100) : ''}`;
    let sp = this.sprites.get(key);
    if (sp) return sp;
    if (this.sprites.size >= SPRITES_MAX) this.sprites.clear();
    const k = this.map.scale * this.map.dpr;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.ceil((d.w + 2 * PAD) * k));
    canvas.height = Math.max(1, Math.ceil((H + 2 * PAD) * k));
    const g = canvas.getContext('2d');
    g.setTransform(k, 0, 0, k, 0, 0);
    g.font = FONT;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    paintTag(g, { ...d, x: PAD + d.w / 2, y: PAD + H / 2 }, isSelected);
    sp = { canvas, cx: (PAD + d.w / 2) * k, cy: (PAD + H / 2) * k };
    this.sprites.set(key, sp);
    return sp;
  }

  /**
   * hit returns the id of the message drawn under a client point, or 0. On
   * a tag standing for several held messages, it is the one after the
   * selected one (so clicks go through them), or the first.
   */
  hit(clientX, clientY) {
    const rect = this.svg.getBoundingClientRect();
    const { scale, ox, oy } = this.map;
    const x = (clientX - rect.left - ox) / scale, y = (clientY - rect.top - oy) / scale;
    for (let i = this.drawn.length - 1; i >= 0; i--) {
      const d = this.drawn[i];
      if (Math.abs(x - d.x) <= d.w / 2 + 3 && Math.abs(y - d.y) <= H / 2 + 3) {
        const at = d.ids.indexOf(this.selected);
        return at < 0 ? d.m.id : d.ids[(at + 1) % d.ids.length];
      }
    }
    return 0;
  }
}
