// Geometry of the ring: where nodes sit and where a point on a link is.
// DOM-free and pure.

/** The drawing's coordinate system (an SVG viewBox of SIZE x SIZE). */
export const SIZE = 480;
export const CENTER = SIZE / 2;

/** ringRadius is the ring's radius for n nodes. */
export function ringRadius(n) {
  return n <= 1 ? 0 : n <= 3 ? 150 : 172;
}

/** nodeRadius is a node's radius for n nodes: smaller when crowded. */
export function nodeRadius(n) {
  return n >= 8 ? 27 : n >= 6 ? 30 : 33;
}

/** nodePosition places node i (0-based) of n on the ring, the first at the top. */
export function nodePosition(i, n, cx = CENTER, cy = CENTER, r = ringRadius(n)) {
  if (n <= 1) return { x: cx, y: cy };
  const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
  return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
}

/** ringPositions returns every node's position, indexed like view.nodes. */
export function ringPositions(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(nodePosition(i, n));
  return out;
}

/**
 * pointOnLink is the point a fraction t (0 at a, 1 at b) along the link from
 * a to b, kept `inset` units clear of both node bodies and shifted `lane`
 * units to the right of the direction of travel, so a->b and b->a traffic
 * use different lanes.
 */
export function pointOnLink(a, b, t, inset, lane) {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len, uy = dy / len;
  const usable = Math.max(0, len - 2 * inset);
  const d = inset + usable * Math.min(1, Math.max(0, t));
  // Right of travel in screen coordinates (y grows downwards): (-uy, ux).
  return { x: a.x + ux * d - uy * lane, y: a.y + uy * d + ux * lane, angle: Math.atan2(dy, dx) };
}
