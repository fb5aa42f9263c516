// Nodes' logs side by side, aligned by index: which indexes fit, and each
// cell's state. DOM-free and pure.

/**
 * entryState classifies index i on a node: "none" (past its last index),
 * "compacted" (folded into its snapshot), "applied", "committed" (not yet
 * applied) or "uncommitted". A crashed node applied nothing: its state
 * machine is gone, its committed entries survive on disk.
 */
export function entryState(node, i) {
  if (i > node.last_index || i < 1) return 'none';
  if (i < node.first_index) return 'compacted';
  if (node.up && i <= node.applied) return 'applied';
  if (i <= node.commit) return 'committed';
  return 'uncommitted';
}

/** entryAt returns the node's shown entry at index i, or null (outside its window). */
export function entryAt(node, i) {
  const log = node.log;
  if (!log || !log.length) return null;
  const k = i - log[0].index;
  return k >= 0 && k < log.length ? log[k] : null;
}

/**
 * logColumns picks the indexes to draw: the newest `max` up to the highest
 * last index of any node. It returns {lo, hi} (hi < lo when every log is
 * empty).
 */
export function logColumns(view, max) {
  let hi = 0;
  for (const n of view.nodes) hi = Math.max(hi, n.last_index);
  const lo = Math.max(1, hi - Math.max(1, max) + 1);
  return { lo, hi };
}

/**
 * logCell describes the cell of node at index i: its state, term, operation
 * and a sentence for the tooltip.
 */
export function logCell(node, i) {
  const state = entryState(node, i);
  if (state === 'none') return { state, term: 0, text: '' };
  if (state === 'compacted') {
    return { state, term: 0, text: `n${node.id} index ${i}: compacted into the snapshot at ${node.snapshot_index} (term ${node.snapshot_term})` };
  }
  const e = entryAt(node, i);
  const term = e ? e.term : 0;
  const what = !e ? '' : e.type !== 'normal' ? `membership: ${e.op}` : e.op ? e.op : 'empty entry of a new leader';
  const words = { applied: 'committed and applied', committed: 'committed, not yet applied', uncommitted: 'not committed' }[state];
  return { state, term, op: what, text: `n${node.id} index ${i}${term ? `, term ${term}` : ''}: ${what}${what ? ' — ' : ''}${words}` };
}

/** STATE_WORDS name a cell state in a row's summary. */
const STATE_WORDS = { compacted: 'compacted', applied: 'applied', committed: 'committed, not applied', uncommitted: 'not committed' };

/**
 * logSummary says in words what a node's row of the grid shows for the
 * indexes lo..hi: the runs of entries by state, the terms, the membership
 * changes and where the log ends, for screen readers (the cells are
 * drawn on a canvas). Bounded: a state appears in one run at most (states
 * follow each other in index order), and at most 5 membership changes
 * are named.
 */
export function logSummary(node, lo, hi) {
  const head = `n${node.id} log`;
  if (hi < lo || node.last_index < lo) {
    return node.last_index ? `${head}: ends at index ${node.last_index}, before the shown indexes` : `${head}: empty`;
  }
  const end = Math.min(hi, node.last_index);
  const runs = [];
  const terms = new Set();
  const confs = [];
  let from = lo, state = entryState(node, lo);
  for (let i = lo; i <= end + 1; i++) {
    const s = i <= end ? entryState(node, i) : '';
    if (s !== state) {
      runs.push(`${from === i - 1 ? from : `${from} to ${i - 1}`} ${STATE_WORDS[state]}`);
      from = i; state = s;
    }
    const e = i <= end && s !== 'compacted' ? entryAt(node, i) : null;
    if (e && e.term) terms.add(e.term);
    if (e && e.type !== 'normal' && confs.length < 5) confs.push(i);
  }
  let text = `${head}, indexes ${lo} to ${hi}: ${runs.join('; ')}`;
  if (terms.size) text += `; term${terms.size > 1 ? 's' : ''} ${[...terms].join(', ')}`;
  if (confs.length) text += `; membership change${confs.length > 1 ? 's' : ''} at ${confs.join(', ')}`;
  if (node.last_index < hi) text += `; the log ends at ${node.last_index}`;
  return text;
}

/**
 * progressMarks returns, for each follower id, the leader's view of it:
 * {match, next, state}. Empty without a leader.
 */
export function progressMarks(leader) {
  const out = new Map();
  if (!leader || !leader.progress) return out;
  for (const p of leader.progress) if (p.id !== leader.id) out.set(p.id, p);
  return out;
}

/** TERM_COLOURS are the fills (light, for dark text) entries take by term. */
export const TERM_COLOURS = ['#bfdbfe', '#bbf7d0', '#fed7aa', '#e9d5ff', '#fecaca', '#a5f3fc', '#fef08a', '#c7d2fe', '#fbcfe8', '#d9f99d'];

/** termColour is a stable colour for a term, alike on every node. */
export function termColour(term) {
  if (!term) return '#e2e8f0';
  return TERM_COLOURS[(term - 1) % TERM_COLOURS.length];
}

/** kvPairs is the page of a node's key-value store the view shows (kv.pairs), [] when none. */
export function kvPairs(node) {
  return (node.kv && node.kv.pairs) || [];
}

/** kvText is the shown page of a node's key-value pairs as "k=v" strings, in key order; a cut key or value ends in "…". */
export function kvText(node) {
  return kvPairs(node).map((p) => `${p.key}=${p.value}${p.cut ? '…' : ''}`);
}

/** kvSummary says how much of a node's store the page shows: "3 keys, digest 1a2b3c4d", "keys 51 to 100 of 120, digest …". */
export function kvSummary(node) {
  const kv = node.kv || {};
  const count = kv.count || 0;
  const shown = kvPairs(node).length;
  const digest = kv.digest ? `, digest ${kv.digest.slice(0, 8)}` : '';
  if (!count) return 'no keys';
  if (shown === count) return `${count} key${count === 1 ? '' : 's'}${digest}`;
  const from = kv.from ? ` from "${kv.from}"` : '';
  return `${shown} of ${count} keys${from}${digest}`;
}

/** nextKeysFrom is where the next page of keys starts: the smallest next key of the up nodes, "" when every page reached the end. */
export function nextKeysFrom(view) {
  let next = '';
  for (const n of view.nodes || []) {
    const k = n.up && n.kv ? n.kv.next : '';
    if (k && (!next || k < next)) next = k;
  }
  return next;
}
