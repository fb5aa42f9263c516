// Membership as the page shows it: the configuration in force, each node's
// place in it, which quorum a vote or an append reply counts towards, and
// the membership commands typed in words. DOM-free and pure.
import { currentLeader } from './roles.js';
import { MEMBERSHIP } from './schema.js';

const K = MEMBERSHIP.kinds;
const OP = MEMBERSHIP.ops;

/**
 * configOf returns the configuration in force as the current leader applied
 * it, or, with no leader, as the live node that applied the most did:
 * {voters, outgoing, learners, learnersNext, joint, autoLeave, from}, the
 * lists sorted ids ("voters" are the incoming voters of a joint
 * configuration, "outgoing" the old ones). from is the node read, 0 if none.
 */
export function configOf(view) {
  let src = currentLeader(view);
  if (!src) {
    for (const n of view.nodes || []) {
      if (n.up && !n.left && (n.voters || []).length && (!src || n.applied > src.applied)) src = n;
    }
  }
  const list = (xs) => [...(xs || [])].sort((a, b) => a - b);
  const voters = list(src && src.voters);
  const outgoing = list(src && src.voters_outgoing);
  return {
    voters, outgoing,
    learners: list(src && src.learners),
    learnersNext: list(src && src.learners_next),
    joint: outgoing.length > 0,
    from: src ? src.id : 0,
  };
}

/** MEMBER_ROLES maps a node's place in the configuration to its label and a sentence. */
export const MEMBER_ROLES = Object.freeze({
  voter: { label: 'voter', text: 'a voter: its vote and its log count towards the quorum' },
  both: { label: 'voter (old & new)', text: 'a voter of both configurations: it counts towards the old quorum and the new' },
  outgoing: { label: 'leaving voter (old)', text: 'a voter of the old configuration only: it counts towards the old quorum until the joint configuration is left' },
  incoming: { label: 'joining voter (new)', text: 'a voter of the new configuration only: it counts towards the new quorum' },
  learner: { label: 'learner', text: 'a learner: it receives the log but does not vote' },
  removed: { label: 'removed', text: 'removed from the cluster: no leader sends to it and its id is never reused' },
  none: { label: 'not a member', text: 'not (yet) a member: the change that adds it has not been applied' },
});

/**
 * memberRole returns node's place in config: voter, both, outgoing,
 * incoming (the last three only in a joint configuration), learner,
 * removed or none.
 */
export function memberRole(config, node) {
  if (node.left) return 'removed';
  const id = node.id;
  const inNew = config.voters.includes(id), inOld = config.outgoing.includes(id);
  if (config.joint) {
    if (inNew && inOld) return 'both';
    if (inOld) return 'outgoing';
    if (inNew) return 'incoming';
  } else if (inNew) return 'voter';
  if (config.learners.includes(id) || config.learnersNext.includes(id)) return 'learner';
  return 'none';
}

/**
 * quorumsOf returns which quorums a vote or an append reply from id counts
 * towards in config: ['new', 'old'], ['new'], ['old'] in a joint
 * configuration, ['all'] in a simple one, [] for a learner or a stranger.
 */
export function quorumsOf(config, id) {
  const out = [];
  if (config.voters.includes(id)) out.push(config.joint ? 'new' : 'all');
  if (config.joint && config.outgoing.includes(id)) out.push('old');
  return out;
}

/** quorumNote says in words what quorumsOf returns, for a message's tooltip ('' in a simple configuration). */
export function quorumNote(config, id) {
  if (!config.joint) return config.voters.includes(id) || !config.voters.length ? '' : `n${id} is not a voter: its reply counts towards no quorum`;
  const q = quorumsOf(config, id);
  if (!q.length) return `n${id} is not a voter: its reply counts towards neither quorum`;
  if (q.length === 2) return `n${id} counts towards both quorums, old and new`;
  return `n${id} counts towards the ${q[0]} quorum only`;
}

/** ids formats ids as "(n1 n2 n3)". */
export function ids(list) { return `(${list.map((i) => `n${i}`).join(' ')})`; }

/** describeConfig says the configuration in force in a line. */
export function describeConfig(config) {
  if (!config.from) return 'no configuration known';
  let s = config.joint ? `joint: old ${ids(config.outgoing)} & new ${ids(config.voters)}` : `voters ${ids(config.voters)}`;
  if (config.learners.length) s += `, learners ${ids(config.learners)}`;
  return s;
}

/** MEMBER_COMMAND_HELP shows the words parseMemberCommand takes. */
export const MEMBER_COMMAND_HELP = 'add · add learner · promote n4 · remove n2 · replace n1 with n6 · change add n6, remove n1 [auto|implicit|explicit] · leave joint';

/**
 * parseMemberCommand reads a membership command typed in words and returns
 * {cmd} (a wire Command for the engine to check) or {error}. Node names are
 * "n4" or "4". The engine decides whether the cluster can take it.
 */
export function parseMemberCommand(text) {
  const words = String(text || '').trim().toLowerCase().replace(/,/g, ' , ').split(/\s+/).filter(Boolean);
  if (!words.length) return { error: `type a membership command: ${MEMBER_COMMAND_HELP}` };
  if (words.length > 40) return { error: 'that command is too long (at most 40 words)' };
  const node = (w) => {
    const m = /^n?([1-9][0-9]?)$/.exec(w || '');
    return m ? Number(m[1]) : 0;
  };
  const bad = (why) => ({ error: `${why} (${MEMBER_COMMAND_HELP})` });
  const [verb, ...rest] = words;
  const one = (kind, required) => {
    if (rest.length > 1) return bad(`${verb} takes one node`);
    const id = node(rest[0]);
    if (rest.length && !id) return bad(`"${rest[0]}" is not a node (n1 to n99)`);
    if (required && !id) return bad(`${verb} needs a node, e.g. ${verb} n2`);
    return { cmd: id ? { kind, node: id } : { kind } };
  };
  switch (verb) {
    case 'add':
      if (rest[0] === 'learner') { rest.shift(); return one(K.add_learner, false); }
      return one(K.add, false);
    case K.add_learner: return one(K.add_learner, false);
    case 'promote': return one(K.promote, true);
    case 'remove': return one(K.remove, true);
    case K.leave_joint: case 'leave':
      if (verb === 'leave' && rest[0] !== 'joint') return bad('did you mean "leave joint"?');
      if (rest.length > (verb === 'leave' ? 1 : 0)) return bad('leave joint takes nothing more');
      return { cmd: { kind: K.leave_joint } };
    case 'replace': {
      const old = node(rest[0]);
      if (!old) return bad('replace needs the voter to replace, e.g. replace n1 with n6');
      if (rest.length === 1) return { cmd: { kind: K.replace, node: old } };
      const peer = node(rest[2]);
      if (rest[1] !== 'with' || !peer || rest.length > 3) return bad('write replace n1 with n6 (or replace n1: the next id)');
      return { cmd: { kind: K.replace, node: old, peer } };
    }
    case 'change': {
      let transition = '';
      if (MEMBERSHIP.transitions.includes(rest[rest.length - 1])) transition = rest.pop();
      const changes = [];
      const parts = rest.join(' ').split(',').map((p) => p.trim().split(' ').filter(Boolean)).filter((p) => p.length);
      for (const p of parts) {
        let op = p[0], target = p.slice(1);
        if (op === 'add' && target[0] === 'learner') { op = OP.add_learner; target = target.slice(1); }
        if (![OP.add, OP.add_learner, OP.remove].includes(op)) return bad(`"${p.join(' ')}": each change is add, add learner or remove`);
        if (target.length > 1) return bad(`"${p.join(' ')}": one node per change`);
        const id = node(target[0]);
        if (target.length && !id) return bad(`"${target[0]}" is not a node`);
        if (op === OP.remove && !id) return bad('remove needs a node');
        changes.push({ op, node: id });
      }
      if (!changes.length) return bad('change needs at least one change');
      const cmd = { kind: K.change, changes };
      if (transition) cmd.transition = transition;
      return { cmd };
    }
    default:
      return bad(`"${verb}" is not a membership command`);
  }
}

/**
 * memberButtons returns the state of the inspector's membership buttons
 * for node in view: {promote, remove, replace}, each {disabled, title}.
 * The engine decides in the end; these say what is plainly impossible.
 */
export function memberButtons(view, node) {
  const config = configOf(view);
  const role = memberRole(config, node);
  const leader = currentLeader(view);
  const noLeader = !leader && { disabled: true, title: 'There is no leader to propose a membership change to' };
  const id = `n${node.id}`;
  const gone = role === 'removed' && { disabled: true, title: `${id} was removed; its id is never reused` };
  return {
    promote: gone || noLeader || (role !== 'learner'
      ? { disabled: true, title: `${id} is not a learner (${MEMBER_ROLES[role].label})` }
      : { disabled: false, title: `Make learner ${id} a voter (ConfChange AddNode)` }),
    remove: gone || noLeader || (role === 'none'
      ? { disabled: true, title: `${id} is not a member` }
      : { disabled: false, title: `Remove ${id} from the cluster${leader && leader.id === node.id ? ' (the leader: it hands leadership on first)' : ''}` }),
    replace: gone || noLeader || (!['voter', 'both', 'incoming'].includes(role)
      ? { disabled: true, title: `${id} is not a voter (${MEMBER_ROLES[role].label})` }
      : { disabled: false, title: `Replace voter ${id} with a new node through a joint configuration (ConfChangeV2)` }),
  };
}
