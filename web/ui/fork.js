// A fork's comparison (the engine's fork answer, sim.ForkResult) in words
// and side by side. DOM-free and pure.
import { roleOf } from './roles.js';

const secs = (t) => `${(t / 1000).toFixed(3)} s`;

/** describeNetwork says a network setting in a few words: "latency 10–50 ms, drop 30%". */
export function describeNetwork(n) {
  const pct = (x) => `${Math.round(x * 1000) / 10}%`;
  let text = `latency ${n.min_latency_ms}–${n.max_latency_ms} ms, drop ${pct(n.drop_rate)}`;
  if (n.duplicate_rate) text += `, duplicate ${pct(n.duplicate_rate)}`;
  if (n.reorder_rate) text += `, reorder ${pct(n.reorder_rate)}`;
  return text;
}

/** forkSummary says what a comparison found: where the runs first differ and how, or that they did not. */
export function forkSummary(r, change) {
  const head = `Forked at ${secs(r.at)} with ${change}`;
  if (!r.diverged) return `${head}: no difference in the ${secs(r.until - r.at)} compared (${r.compared} events alike).`;
  // The time and message of each: two events may read alike and differ there.
  const what = (e) => (e && e.kind ? `${secs(e.at)}${e.msg ? `, #${e.msg}` : ''}, ${e.text}` : 'nothing more');
  return `${head}: the runs first differ at ${secs(r.time)}, after ${r.compared} events alike. Here: ${what(r.original)}. In the fork: ${what(r.forked)}.`;
}

/** nodeState is a node's state in a few words, as the side-by-side view shows it. */
export function nodeState(n) {
  if (!n) return 'not in this run';
  return `${roleOf(n)}, term ${n.term}, log to ${n.last_index}, commit ${n.commit}, applied ${n.up ? n.applied : '—'}`;
}

/**
 * forkRows are the two clusters side by side at the answer's view_at (just
 * after the divergence, or the time a comparison was asked for): per node
 * (of either), its state here and in the fork, and whether they differ.
 * Empty when the answer has no views.
 */
export function forkRows(r) {
  if (!r.original_view || !r.forked_view) return [];
  const a = new Map(r.original_view.nodes.map((n) => [n.id, n]));
  const b = new Map(r.forked_view.nodes.map((n) => [n.id, n]));
  const ids = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  return ids.map((id) => {
    const here = nodeState(a.get(id)), fork = nodeState(b.get(id));
    return { id, here, fork, differs: here !== fork };
  });
}

/**
 * compareCaption says what the side-by-side table shows: both runs at its
 * time, and where that is against the first difference (fork, the fork's
 * answer, tells it when the comparison at that time has not reached it).
 */
export function compareCaption(r, fork) {
  const head = `Both runs at ${secs(r.view_at)}`;
  const rows = forkRows(r);
  const differ = rows.filter((x) => x.differs).map((x) => `n${x.id}`);
  const nodes = differ.length ? `: ${differ.join(', ')} ${differ.length === 1 ? 'differs' : 'differ'}` : ': every node alike';
  if (r.diverged) return `${head}, ${r.view_at === r.time ? 'where' : `${secs(r.view_at - r.time)} after`} they first differ${nodes}.`;
  if (fork && fork.diverged && r.view_at < fork.time) return `${head}, ${secs(fork.time - r.view_at)} before they first differ${nodes}.`;
  return `${head}, with no difference yet${nodes}.`;
}
