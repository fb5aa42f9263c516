// SVG path data for the role shapes, centred on 0,0, cached by shape and size.

const cache = new Map();

function star(r) {
  const pts = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 ? r * 0.62 : r * 1.18;
    pts.push(`${(rr * Math.cos(a)).toFixed(2)},${(rr * Math.sin(a)).toFixed(2)}`);
  }
  return `M${pts.join('L')}Z`;
}

const circle = (r) => `M${-r},0A${r},${r} 0 1 0 ${r},0A${r},${r} 0 1 0 ${-r},0Z`;

const BUILDERS = {
  circle,
  cross: circle,
  star,
  diamond: (r) => { const s = r * 1.2; return `M0,${-s}L${s},0L0,${s}L${-s},0Z`; },
  triangle: (r) => { const s = r * 1.25; return `M0,${-s}L${(s * 0.95).toFixed(2)},${(s * 0.72).toFixed(2)}L${(-s * 0.95).toFixed(2)},${(s * 0.72).toFixed(2)}Z`; },
};

/** shapePath returns the path data of a role shape of radius r. */
export function shapePath(shape, r) {
  const key = `${shape}:${r}`;
  let d = cache.get(key);
  if (!d) {
    d = (BUILDERS[shape] || circle)(r);
    cache.set(key, d);
  }
  return d;
}

/** crossPath is the X drawn over a crashed node. */
export function crossPath(r) {
  const s = (r * 0.55).toFixed(2);
  return `M${-s},${-s}L${s},${s}M${s},${-s}L${-s},${s}`;
}
