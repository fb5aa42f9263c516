// Links between nodes and their cuts, one entry per direction in view.cuts.
// DOM-free and pure.

/** cutSet returns the set of "from>to" keys of the view's cut directions. */
export function cutSet(view) {
  const s = new Set();
  for (const c of view.cuts || []) s.add(`${c.from}>${c.to}`);
  return s;
}

/** isCut reports whether the direction a -> b is cut. */
export function isCut(view, a, b) {
  return (view.cuts || []).some((c) => c.from === a && c.to === b);
}

/**
 * linkState describes the link between a and b: "open", "cut" (both ways),
 * or "one-way" with the blocked direction, and a sentence saying so.
 */
export function linkState(cuts, a, b) {
  const ab = cuts.has(`${a}>${b}`), ba = cuts.has(`${b}>${a}`);
  if (ab && ba) return { state: 'cut', ab, ba, text: `n${a}–n${b} cut both ways` };
  if (ab) return { state: 'one-way', ab, ba, text: `n${a}→n${b} cut; n${b}→n${a} open` };
  if (ba) return { state: 'one-way', ab, ba, text: `n${b}→n${a} cut; n${a}→n${b} open` };
  return { state: 'open', ab, ba, text: `n${a}–n${b} open` };
}

/** pairs lists every unordered pair [a, b] (a < b) of node ids 1..n. */
export function pairs(n) {
  const out = [];
  for (let a = 1; a <= n; a++) for (let b = a + 1; b <= n; b++) out.push([a, b]);
  return out;
}
