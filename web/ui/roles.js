// Roles as the page draws them: a label, a shape and a colour class, so a
// role is never told by colour alone. DOM-free.

/** ROLES maps a drawn role to its label, shape and one-letter badge. */
export const ROLES = Object.freeze({
  leader: { label: 'Leader', shape: 'star', short: 'L' },
  candidate: { label: 'Candidate', shape: 'diamond', short: 'C' },
  'pre-candidate': { label: 'Pre-candidate', shape: 'triangle', short: 'P' },
  follower: { label: 'Follower', shape: 'circle', short: 'F' },
  down: { label: 'Crashed', shape: 'cross', short: '✕' },
  left: { label: 'Left', shape: 'cross', short: '–' },
});

/**
 * roleOf returns the drawn role of a NodeView: its Raft role, "down", or
 * "left" for a member hosted outside a native cluster that left it.
 */
export function roleOf(node) {
  if (node.left) return 'left';
  if (!node.up) return 'down';
  return ROLES[node.role] ? node.role : 'follower';
}

/** roleLabel is the drawn role's label for node: "Removed" for a node removed from the configuration, where a member hosted outside a native cluster has "Left". */
export function roleLabel(node) {
  return node.left && !node.member ? 'Removed' : ROLES[roleOf(node)].label;
}

/**
 * currentLeader returns the live leader with the highest term, or null.
 * A partitioned old leader can still believe it leads an older term, and a
 * node removed from the cluster that never heard of a newer leader can
 * still believe it leads: neither is the current leader.
 */
export function currentLeader(view) {
  let best = null;
  for (const n of view.nodes) {
    if (n.up && !n.left && n.role === 'leader' && (!best || n.term > best.term)) best = n;
  }
  return best;
}

/**
 * electionTimer describes a node's election timer for drawing, or null when
 * it has none (a leader, a crashed node). etcd draws each timeout from
 * [E, 2E) ticks (E = timing.election_ticks) and the view's elapsed count is
 * an approximation, so the page shows the window, not a precise deadline:
 * remaining is the share of 2E ticks not yet elapsed (1 = just reset), and
 * due is true once the earliest possible timeout (E ticks) has passed;
 * elapsed is capped at 2E. short is the reading without the words
 * "election timer"; text is the whole sentence.
 */
export function electionTimer(node, timing) {
  if (!node.up || node.role === 'leader' || !timing || !(timing.election_ticks > 0)) return null;
  const e = timing.election_ticks;
  const counted = Math.max(0, node.election_elapsed || 0);
  // The count is an approximation and can run past the window (2E): it is
  // then shown as "2E+", never as a number the window cannot hold.
  const over = counted >= 2 * e;
  const elapsed = Math.min(counted, 2 * e);
  const count = over ? `${2 * e}+` : `≈ ${elapsed}`;
  const short = `${count} of ${e}–${2 * e} ticks${elapsed >= e ? ', may fire' : ''} (approximate)`;
  return {
    elapsed,
    min: e,
    max: 2 * e,
    remaining: Math.max(0, 1 - elapsed / (2 * e)),
    due: elapsed >= e,
    short,
    text: `election timer ${short}`,
  };
}

/**
 * refusedAction returns why the engine says a node command (crash, restart,
 * isolate, campaign, transfer; cut for the node's links) cannot act on
 * node, whatever its state, or '' if it does not say. A native cluster says
 * it of the members hosted outside it (wire.NodeView.Unavailable, in the
 * words it refuses the command with); the simulator of no node.
 */
export function refusedAction(node, action) {
  const u = node && node.unavailable;
  const why = u && Object.hasOwn(u, action) ? u[action] : '';
  return typeof why === 'string' ? why : '';
}

/** nodeSummary is a one-line description of a node for labels and ARIA. */
export function nodeSummary(node) {
  const role = ROLES[roleOf(node)].label;
  if (node.left) return `n${node.id}: ${node.member ? 'left the cluster' : 'removed from the cluster'}`;
  if (!node.up) return `n${node.id}: crashed (term ${node.term} on disk, commit ${node.commit})`;
  const leader = node.role === 'leader' ? '' : node.leader ? `, follows n${node.leader}` : ', no leader known';
  const member = node.member ? ', a member hosted outside the server' : '';
  return `n${node.id}: ${role}${member}, term ${node.term}${leader}, commit ${node.commit}, applied ${node.applied}`;
}
