// Whether a control can act now, and the reason shown when it cannot, so a
// button is disabled with a reason instead of failing with an error.
// DOM-free and pure.
import { isCut } from './links.js';

/** removeClientState is the −1 client button's state: disabled when there is no client to remove. */
export function removeClientState(view) {
  const n = view.clients ? view.clients.length : 0;
  if (!n) return { disabled: true, title: 'There is no client to remove (+1 adds one)' };
  return { disabled: false, title: `Remove a client (${n} now)` };
}

/**
 * isolateState is the Isolate button's state for node id: disabled when
 * every link of the node is already cut both ways (or it has none).
 */
export function isolateState(view, id) {
  const others = view.nodes.filter((n) => n.id !== id);
  if (!others.length) return { disabled: true, title: 'A one-node cluster has no links to cut' };
  if (others.every((n) => isCut(view, id, n.id) && isCut(view, n.id, id))) {
    return { disabled: true, title: `n${id} is already isolated: every link is cut (Heal all links, H, restores them)` };
  }
  return { disabled: false, title: 'Cut every link of this node (I)' };
}
