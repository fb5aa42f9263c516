// What the page says in words through its ARIA live region: role changes,
// crashes and commits, throttled so a screen reader is not flooded.
// DOM-free and pure: the caller passes the clock.
import { roleOf, ROLES, currentLeader } from './roles.js';

/**
 * roleChanges compares two views and lists each node whose drawn role
 * changed: {id, from, to, term}. Views of different clusters (another node
 * count) compare as no change.
 */
export function roleChanges(prev, next) {
  if (!prev || !next || prev.nodes.length !== next.nodes.length) return [];
  const out = [];
  for (let i = 0; i < next.nodes.length; i++) {
    const a = roleOf(prev.nodes[i]), b = roleOf(next.nodes[i]);
    if (a !== b) out.push({ id: next.nodes[i].id, from: a, to: b, term: next.nodes[i].term });
  }
  return out;
}

/**
 * describeChanges turns the difference between two views into short
 * sentences, most important first: {text, priority} with priority 2 for
 * leaders, crashes and violations, 1 for other role changes, 0 for commits.
 */
export function describeChanges(prev, next) {
  const out = [];
  if (!prev || !next) return out;
  for (const c of roleChanges(prev, next)) {
    if (c.to === 'leader') out.push({ text: `n${c.id} is now the leader, term ${c.term}.`, priority: 2 });
    else if (c.to === 'left') out.push({ text: `n${c.id} left the cluster.`, priority: 2 });
    else if (c.to === 'down') out.push({ text: `n${c.id} crashed.`, priority: 2 });
    else if (c.from === 'down') out.push({ text: `n${c.id} restarted as ${ROLES[c.to].label.toLowerCase()}.`, priority: 2 });
    else if (c.from === 'leader') out.push({ text: `n${c.id} is no longer leader (now ${ROLES[c.to].label.toLowerCase()}, term ${c.term}).`, priority: 2 });
    else if (c.to === 'candidate') out.push({ text: `n${c.id} is a candidate for term ${c.term}.`, priority: 1 });
  }
  if (prev.safety && prev.safety.ok && next.safety && !next.safety.ok && next.safety.violation) {
    out.push({ text: `Safety violation: ${next.safety.violation.text}`, priority: 3 });
  }
  const l0 = currentLeader(prev), l1 = currentLeader(next);
  if (l0 && l1 && l1.commit > l0.commit) out.push({ text: `Committed up to index ${l1.commit}.`, priority: 0, commit: l1.commit });
  return out;
}

/** The live region's pace: at most one utterance per GAP_MS. */
export const GAP_MS = 1500;
/** Lesser news (a candidate, a commit) waits HOLD_MS, so it can join the news that follows. */
export const HOLD_MS = 800;
const MAX_PER_UTTERANCE = 3;

/** initialAnnouncer is an announcer with nothing queued. */
export function initialAnnouncer() {
  return { queue: [], lastAt: -Infinity };
}

/**
 * announceStep queues new items and decides what to say at wall time now:
 * {state, say} where say is a sentence or null. Commits collapse to the
 * newest; more important items go first; at most one utterance every
 * GAP_MS, joining up to three sentences; lesser news waits HOLD_MS for
 * company.
 */
export function announceStep(state, items, now) {
  let queue = state.queue.concat(items.map((it) => ({ ...it, at: now })));
  // Only the newest commit is worth saying.
  let lastCommit = -1;
  queue.forEach((it, i) => { if (it.commit !== undefined) lastCommit = i; });
  queue = queue.filter((it, i) => it.commit === undefined || i === lastCommit);
  const urgent = queue.some((it) => it.priority >= 2);
  const ripe = queue.length && now - Math.min(...queue.map((it) => it.at)) >= HOLD_MS;
  if (!queue.length || now - state.lastAt < GAP_MS || !(urgent || ripe)) return { state: { queue, lastAt: state.lastAt }, say: null };
  const order = queue.map((it, i) => ({ it, i })).sort((a, b) => b.it.priority - a.it.priority || a.i - b.i);
  const take = order.slice(0, MAX_PER_UTTERANCE).map((x) => x.i);
  const say = take.sort((a, b) => a - b).map((i) => queue[i].text).join(' ');
  const rest = queue.filter((_, i) => !take.includes(i));
  // Drop stale low-priority chatter rather than letting it pile up.
  const kept = rest.filter((it) => it.priority >= 2).slice(-6);
  return { state: { queue: kept, lastAt: now }, say };
}
