// The guided tour: chapters told on the real engine. A chapter is a
// cluster (a configuration and a seed) and steps, each anchored to a
// virtual time: the tour runs the engine there (applying the step's
// commands the first time it is reached; travelling back and forth
// afterwards replays them), then says what happened in words made from
// the engine's view, never from a script of what should have happened.
// Each step's check says whether the view bears its words out (the browser
// tests walk every step and fail on any false claim). A chapter may end
// with a task that the person does with the page's own controls, judged
// from the engine's view and events. DOM-free and pure.
import { currentLeader, roleOf } from './roles.js';
import { FAULTS } from './schema.js';
import { isHalted } from './model.js';

/** names lists node ids in words: "n1", "n1 and n2", "n1, n2 and n3". */
export function names(ids) {
  const n = ids.map((id) => `n${id}`);
  return n.length < 2 ? n.join('') : `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}

const secs = (t) => `${(t / 1000).toFixed(1)} s`;
const leaderOf = (v) => currentLeader(v);
const up = (v) => v.nodes.filter((n) => n.up && !n.left);
const majority = (v) => Math.floor(v.nodes.length / 2) + 1;
/** caughtBy is the properties that catch the planted faults named (the schema's FAULTS table). */
export const caughtBy = (faults) => FAULTS.filter((f) => (faults || []).includes(f.kind)).flatMap((f) => f.caught);
/** leaderAndTwo notes in memo the leader of a three-server cluster (leader) and its followers (keep, lag), and returns the leader's view. */
const leaderAndTwo = (v, m) => {
  const l = leaderOf(v);
  m.leader = l.id;
  [m.keep, m.lag] = v.nodes.map((n) => n.id).filter((id) => id !== l.id);
  return l;
};
/** held is a message from -> to of type waiting on its link, or undefined. */
const held = (v, from, to, type) => v.messages.find((x) => x.from === from && x.to === to && x.type === type);
/** readReturn is the console's read answered (or given up) at or after t, from events. */
const readReturn = (events, t) => (events || []).find((e) => e.kind === 'client-return' && !e.client && e.type === 'get' && e.at >= t);
const valueOf = (n, key) => { const p = n.kv && n.kv.pairs ? n.kv.pairs.find((x) => x.key === key) : null; return p ? p.value : undefined; };

/**
 * CHAPTERS are the tour's chapters, in order. Each: id (its link:
 * #tour=ID), title, config (the cluster, for create), steps, and
 * optionally task and zoo (the planted bugs, FAULTS kinds, its bug zoo
 * offers; none is on unless switched on). A step: at (virtual ms), act(view, memo) (the commands
 * to apply when first reached, optional), say(view, memo, events) (its
 * words; events are the model's notable ones), check(view, memo, events)
 * ('' when the view bears the words out, else what
 * does not). The commands are applied 1 ms after the previous step's time
 * (memo.actedAt), so that going back shows the cluster before them. memo carries facts
 * from one step to the next (a step sets them in say). A task: goal, hint, and judge(view, events, memo): {done,
 * ok, text} once it can be told.
 */
export const CHAPTERS = Object.freeze([
  {
    id: 'replication',
    title: '1. What Raft is for: one log, copied',
    config: { nodes: 3, seed: 1 },
    steps: [
      {
        at: 0,
        say: (v) => `Three servers, ${names(v.nodes.map((n) => n.id))}, each with a log (the rows of squares in the Logs card) and a key-value store built by applying that log in order. Raft keeps the three logs the same, so the three stores stay the same, even when a server crashes. None of them leads yet.`,
        check: (v) => (v.nodes.length === 3 && !leaderOf(v) ? '' : 'three nodes and no leader at time 0'),
      },
      {
        at: 2000,
        say: (v, m) => { m.leader = leaderOf(v).id; return `n${m.leader} is the leader now (the star). Every change to the store goes through it: it appends the change to its own log, then sends it to the others.`; },
        check: (v) => (leaderOf(v) && up(v).filter((n) => n.role === 'leader').length === 1 ? '' : 'exactly one leader'),
      },
      {
        at: 2600,
        act: () => [{ kind: 'set', key: 'x', value: '1' }],
        say: (v, m) => `At ${secs(m.actedAt)} a client asked to set x=1. n${m.leader} appended it to its log and sent it out; once a majority (2 of 3) held it, the entry was committed, and every server applied it: each store now reads x=1 (the Key-value stores card).`,
        check: (v) => (v.nodes.every((n) => valueOf(n, 'x') === '1') && v.nodes.every((n) => n.commit === v.nodes[0].commit) ? '' : 'every store holds x=1 with the same commit index'),
      },
    ],
  },
  {
    id: 'election',
    title: '2. Leader election: timeouts, terms and votes',
    config: { nodes: 5, seed: 2 },
    steps: [
      {
        at: 0,
        say: () => 'Five servers start as followers, with no leader. A follower waits to hear from a leader; the ring around each server is its election timer, set to a random length. The first timer to run out starts an election.',
        check: (v) => (v.nodes.length === 5 && !leaderOf(v) && v.nodes.every((n) => roleOf(n) === 'follower') ? '' : 'five followers, no leader'),
      },
      {
        at: 3000,
        say: (v, m) => {
          const l = leaderOf(v);
          m.leader = l.id; m.term = l.term;
          const voters = v.nodes.filter((n) => n.term === l.term && n.vote === l.id).map((n) => n.id);
          return `n${l.id}'s timer ran out first. It became a candidate in a new term, term ${l.term}, voted for itself and asked the others for their votes; ${names(voters)} voted for it, a majority of 5, so n${l.id} leads term ${l.term}. A term is an election's number: each term has at most one leader, because each server votes once per term. The timers are random so that one server usually asks first and wins, instead of several splitting the votes.`;
        },
        check: (v) => {
          const l = leaderOf(v);
          if (!l) return 'a leader by 3 s';
          const voters = v.nodes.filter((n) => n.term === l.term && n.vote === l.id).length;
          return voters >= majority(v) ? '' : `a majority voted for the leader (${voters} did)`;
        },
      },
      {
        at: 7000,
        act: (v) => [{ kind: 'crash', node: leaderOf(v).id }],
        say: (v, m) => {
          const l = leaderOf(v);
          m.second = l.id; m.term2 = l.term;
          return `n${m.leader} crashed at ${secs(m.actedAt)}. Its heartbeats stopped, a follower's timer ran out, and an election in term ${l.term} made n${l.id} the leader. Terms only grow: a server that sees a higher term than its own moves to it, and a leader that sees one steps down.`;
        },
        check: (v, m) => {
          const l = leaderOf(v);
          return l && l.id !== m.leader && l.term > m.term ? '' : 'a new leader, in a higher term, after the crash';
        },
      },
    ],
    task: {
      goal: 'Your turn: make n4 the leader, without crashing anyone.',
      hint: 'Select n4 (click it), ask the leader to hand over to it (Make leader) or force its election timeout (Force timeout), and press Play.',
      judge: (v, events, memo) => {
        const crashed = events.some((e) => e.kind === 'crash' && e.at >= memo.taskFrom);
        if (crashed) return { done: true, ok: false, text: 'A server was crashed: that makes a new election, but not by asking. Press Restart the chapter and try handing leadership over instead.' };
        const l = leaderOf(v);
        if (l && l.id === 4) return { done: true, ok: true, text: `Done: n4 leads term ${l.term}, and nobody crashed. A higher term started with n4's campaign: the other servers moved to it and voted.` };
        return { done: false };
      },
    },
  },
  {
    id: 'commit',
    title: '3. Log replication and the commit rule',
    config: { nodes: 5, seed: 4 },
    steps: [
      {
        at: 2000,
        say: (v, m) => { const l = leaderOf(v); m.leader = l.id; return `n${l.id} leads term ${l.term}. Its log is the one the others copy: each row of the Logs card is one server's log, a square per entry, coloured by the term it was written in.`; },
        check: (v) => (leaderOf(v) ? '' : 'a leader by 2 s'),
      },
      {
        at: 3000,
        act: (v, m) => {
          const l = leaderOf(v);
          const others = v.nodes.map((n) => n.id).filter((id) => id !== l.id);
          m.down = others.slice(0, 2);
          m.first = l.last_index + 1;
          return [...m.down.map((id) => ({ kind: 'crash', node: id })), { kind: 'set', key: 'y', value: '2' }];
        },
        say: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          return `At ${secs(m.actedAt)} ${names(m.down)} crashed, and a client set y=2. n${m.leader} appended it at index ${m.first} and sent it to the servers it can reach. With its own copy, 3 of the 5 servers hold it: a majority, so it is committed (n${m.leader}'s commit index is ${l.commit}) and applied. The crashed servers do not have it yet.`;
        },
        check: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          const lacking = m.down.every((id) => v.nodes.find((n) => n.id === id).last_index < m.first);
          return l.commit >= m.first && valueOf(l, 'y') === '2' && lacking ? '' : `entry ${m.first} committed by the leader, not held by the crashed servers`;
        },
      },
      {
        at: 5000,
        act: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          m.third = v.nodes.map((n) => n.id).find((id) => id !== m.leader && !m.down.includes(id));
          m.second = l.last_index + 1;
          m.before = l.commit;
          return [{ kind: 'crash', node: m.third }, { kind: 'set', key: 'z', value: '3' }];
        },
        say: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          return `At ${secs(m.actedAt)} n${m.third} crashed too, and a client set z=3. n${m.leader} appended it at index ${m.second}, but now only 2 of the 5 servers can hold it: not a majority, so it is not committed. n${m.leader}'s commit index stays at ${l.commit}, and no store has z. That is the commit rule: an entry counts only once a majority holds it, so that any future majority, which must share a server with this one, knows of it.`;
        },
        check: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          return l.last_index >= m.second && l.commit === m.before && l.commit < m.second && v.nodes.every((n) => valueOf(n, 'z') === undefined) ? '' : `entry ${m.second} appended by n${m.leader} and not committed`;
        },
      },
    ],
  },
  {
    id: 'crash',
    title: '4. The leader crashes: who may win the next election',
    config: { nodes: 3, seed: 5 },
    steps: [
      {
        at: 2000,
        say: (v, m) => { const l = leaderAndTwo(v, m); return `n${l.id} leads term ${l.term}; n${m.keep} and n${m.lag} follow.`; },
        check: (v) => (leaderOf(v) ? '' : 'a leader by 2 s'),
      },
      {
        at: 3000,
        act: (v, m) => {
          m.index = leaderOf(v).last_index + 1;
          return [{ kind: 'crash', node: m.lag }, { kind: 'set', key: 'a', value: '1' }];
        },
        say: (v, m) => `At ${secs(m.actedAt)} n${m.lag} crashed, then a client set a=1. n${m.leader} and n${m.keep} hold it at index ${m.index}: 2 of 3, a majority, so it is committed. n${m.lag} does not have it.`,
        check: (v, m) => {
          const at = (id) => v.nodes.find((n) => n.id === id);
          return at(m.leader).commit >= m.index && at(m.keep).last_index >= m.index && at(m.lag).last_index < m.index ? '' : `entry ${m.index} committed on n${m.leader} and n${m.keep}, missing on n${m.lag}`;
        },
      },
      {
        at: 9000,
        act: (v, m) => [{ kind: 'crash', node: m.leader }, { kind: 'restart', node: m.lag }],
        say: (v, m) => {
          const l = leaderOf(v);
          return `At ${secs(m.actedAt)} the leader n${m.leader} crashed and n${m.lag} came back. Either could have asked for votes, and with 2 of 3 up a candidate needs both. But a server votes only for a candidate whose log is at least as up to date as its own (a later last term, or the same term and at least as long), and n${m.lag}'s log lacks entry ${m.index}: n${m.keep} refuses it. So n${m.keep}, which has every committed entry, won term ${l.term}, and then sent n${m.lag} what it lacked: its store reads a=1 too. A committed entry is never lost.`;
        },
        check: (v, m) => {
          const l = leaderOf(v);
          const lag = v.nodes.find((n) => n.id === m.lag);
          return l && l.id === m.keep && valueOf(lag, 'a') === '1' ? '' : `n${m.keep} leads and n${m.lag} learnt a=1`;
        },
      },
    ],
  },
  {
    id: 'partition',
    title: '5. Partitions: the minority cannot commit',
    config: { nodes: 5, seed: 3, clients: { count: 2, rate_per_sec: 4 } },
    steps: [
      {
        at: 3000,
        say: (v, m) => { const l = leaderOf(v); m.leader = l.id; m.term = l.term; return `Five servers; n${l.id} leads term ${l.term}, and two clients keep writing keys through it.`; },
        check: (v) => (leaderOf(v) ? '' : 'a leader by 3 s'),
      },
      {
        at: 8000,
        act: (v, m) => {
          const l = leaderOf(v);
          const other = v.nodes.map((n) => n.id).find((id) => id !== l.id);
          m.cutCommit = l.commit;
          return [{ kind: 'partition', groups: [[l.id, other], v.nodes.map((n) => n.id).filter((id) => id !== l.id && id !== other)] }];
        },
        say: (v, m) => {
          const old = v.nodes.find((n) => n.id === m.leader);
          const l = leaderOf(v);
          m.second = l.id; m.term2 = l.term;
          const still = old.role === 'leader'
            ? `n${m.leader} still believes it leads term ${m.term}`
            : `n${m.leader} stepped down to ${roleOf(old)} (CheckQuorum: a leader that has not heard from a majority for an election timeout stops leading)`;
          return `At ${secs(m.actedAt)} the network split: n${m.leader} and one other server on one side, the three others on the other. The three elected n${l.id} in term ${l.term} and go on committing (commit index ${l.commit}): 3 of 5 is a majority. ${still}, but on its side nothing can be committed: an entry is committed only once a majority of the 5 servers (3) hold it, and only 2 are there. Its commit index stays at ${old.commit}, where it was when the network split.`;
        },
        check: (v, m) => {
          const old = v.nodes.find((n) => n.id === m.leader);
          const l = leaderOf(v);
          if (!l || l.id === m.leader) return 'a new leader on the majority side';
          if (old.commit !== m.cutCommit) return `the old leader's commit index stayed at ${m.cutCommit} (it is ${old.commit})`;
          return l.commit > old.commit && old.term < l.term ? '' : `the majority commits past the old leader (${l.commit} against ${old.commit}) in a higher term`;
        },
      },
      {
        at: 11000,
        act: () => [{ kind: 'heal' }],
        say: (v, m) => {
          const old = v.nodes.find((n) => n.id === m.leader);
          const l = leaderOf(v);
          return `At ${secs(m.actedAt)} the network healed. n${m.leader} heard of term ${l.term}, higher than its own, and follows n${l.id} now (it is a ${roleOf(old)}). Any entries it had appended alone were never committed, and the leader's log replaces them; n${m.leader} commits again, up to index ${old.commit} now.`;
        },
        check: (v, m) => {
          const old = v.nodes.find((n) => n.id === m.leader);
          const l = leaderOf(v);
          if (!l || l.id === m.leader || roleOf(old) !== 'follower' || old.term !== l.term || old.leader !== l.id) return 'the old leader a follower of the new leader, in its term';
          return old.commit > m.cutCommit ? '' : `the old leader committing again past ${m.cutCommit} (it is at ${old.commit})`;
        },
      },
    ],
    task: {
      goal: 'Your turn: commit a value of your own while n1 and n2 are cut off from the others.',
      hint: 'Select n1 and press Isolate, the same for n2, then Set a key in the Console and press Play.',
      judge: (v, events, memo) => {
        const since = events.filter((e) => e.at >= memo.taskFrom);
        const mine = since.filter((e) => e.kind === 'client-return' && !e.client && e.type === 'set' && e.outcome === 'ok');
        if (!mine.length) return { done: false };
        const ret = mine[mine.length - 1];
        // The links as they are now, and no cut or heal after the write
        // was answered: they were so when it committed.
        const changed = since.some((e) => (e.kind === 'partition' || e.kind === 'heal') && e.at > ret.at);
        const off = [1, 2].every((a) => [3, 4, 5].every((b) => v.cuts.some((c) => c.from === a && c.to === b) && v.cuts.some((c) => c.from === b && c.to === a)));
        if (off && !changed) return { done: true, ok: true, text: `Done: with n1 and n2 cut off, ${names([3, 4, 5])} still make 3 of 5, a majority, so your write was committed and answered.` };
        return { done: true, ok: false, text: 'Your write was committed, but not while n1 and n2 were both cut off from the others: Isolate n1 and n2 first, then write again.' };
      },
    },
  },
  {
    id: 'persist',
    title: '6. Why a server writes to disk before it answers',
    config: { nodes: 3, seed: 6 },
    zoo: ['ack-before-persist', 'forget-hard-state', 'skip-entry'],
    steps: [
      {
        at: 2000,
        say: (v, m) => {
          const l = leaderAndTwo(v, m);
          return `n${l.id} leads term ${l.term}; n${m.keep} and n${m.lag} follow. Before a server answers (a vote, or "I have these entries"), it must write what it promises to disk: its term, its vote and the new entries. etcd Raft hands them over in a Ready, and the program around it must save them before it sends that Ready's messages. This chapter shows why.`;
        },
        check: (v) => (leaderOf(v) ? '' : 'a leader by 2 s'),
      },
      {
        at: 3000,
        act: (v, m) => {
          m.index = leaderOf(v).last_index + 1;
          return [{ kind: 'crash', node: m.lag }, { kind: 'set', key: 'a', value: '1' }];
        },
        say: (v, m) => `At ${secs(m.actedAt)} n${m.lag} crashed, then a client set a=1, at index ${m.index}. n${m.keep} wrote the entry to disk and then acknowledged it; with that answer n${m.leader} had it on 2 of 3 servers, so it committed the entry and told the client OK.`,
        check: (v, m) => {
          const at = (id) => v.nodes.find((n) => n.id === id);
          return at(m.leader).commit >= m.index && at(m.keep).last_index >= m.index && at(m.lag).last_index < m.index ? '' : `entry ${m.index} committed on n${m.leader} and n${m.keep}, missing on n${m.lag}`;
        },
      },
      {
        at: 7000,
        act: (v, m) => [{ kind: 'crash', node: m.keep }, { kind: 'crash', node: m.leader }, { kind: 'restart', node: m.keep }, { kind: 'restart', node: m.lag }],
        say: (v, m) => {
          const l = leaderOf(v);
          return `At ${secs(m.actedAt)} n${m.keep} and n${m.leader} crashed, and n${m.keep} and n${m.lag} came back. n${m.keep} had written entry ${m.index} to disk before acknowledging it, so it still has it: n${m.lag} voted for it (its log was more up to date), n${l.id} leads term ${l.term}, and both stores read a=1. An acknowledged write survives any crash, as long as the servers kept what they promised.`;
        },
        check: (v, m) => {
          const l = leaderOf(v);
          const lag = v.nodes.find((n) => n.id === m.lag);
          return l && l.id === m.keep && valueOf(l, 'a') === '1' && valueOf(lag, 'a') === '1' ? '' : `n${m.keep} leads and both running stores read a=1`;
        },
      },
    ],
    task: {
      goal: 'Your turn: lose the acknowledged write a=1.',
      hint: 'Crash and restart any servers you like (select one, then Crash or Restart), and press Play; the task is judged once every server is running again.',
      judge: (v, events, memo) => {
        const bad = v.safety && v.safety.violation;
        if (bad) return { done: true, ok: true, text: `Lost, and caught: the checker stopped the run at ${secs(bad.at)} (${bad.property}: ${bad.text}). Only the planted bug made this possible.` };
        const acted = events.some((e) => e.kind === 'restart' && e.at >= memo.taskFrom);
        const l = leaderOf(v);
        if (!acted || !l || v.nodes.some((n) => !n.up)) return { done: false };
        if (valueOf(l, 'a') === '1') return { done: true, ok: false, text: `a=1 is still there: n${l.id} leads and holds it. It cannot be lost: it was acknowledged only once a majority had it on disk, any majority that elects a leader shares a server with that one, and a server votes only for a candidate whose log is at least as up to date as its own. Switch on the bug "ack-before-persist" in the bug zoo below to see what a server that answers before writing breaks.` };
        return { done: false };
      },
    },
  },
  {
    id: 'vote',
    title: '6b. A vote is written to disk before it is sent',
    config: { nodes: 3, seed: 10, manual: true, raft: { pre_vote: false } },
    zoo: ['forget-vote'],
    steps: [
      {
        at: 100,
        say: () => 'Three servers and no leader yet. In this chapter every message waits on its link until it is delivered (Manual delivery is on), so that the order is ours to choose, and PreVote is off, so a candidate asks for votes at once.',
        check: (v) => (v.manual && !leaderOf(v) && v.nodes.length === 3 ? '' : 'three servers, manual delivery, no leader'),
      },
      {
        at: 110,
        act: () => [{ kind: 'campaign', node: 1 }],
        say: (v) => `n1's election timeout was forced: it is a candidate in term ${v.nodes[0].term}, voted for itself, and its requests for votes wait on the links to n2 and n3.`,
        check: (v) => (roleOf(v.nodes[0]) === 'candidate' && held(v, 1, 3, 'MsgVote') ? '' : 'n1 a candidate, its vote request to n3 held'),
      },
      {
        at: 120,
        act: (v) => [{ kind: 'deliver', msg: held(v, 1, 3, 'MsgVote').id }],
        say: (v) => `n3 received n1's request and voted for n1 in term ${v.nodes[2].term}. Before its answer left, it wrote its term and its vote to disk: the answer is a promise.`,
        check: (v) => (v.nodes[2].vote === 1 && v.nodes[2].term === v.nodes[0].term ? '' : 'n3 voted for n1 in n1\'s term'),
      },
      {
        at: 130,
        act: () => [{ kind: 'crash', node: 3 }, { kind: 'restart', node: 3 }],
        say: (v, m) => (m.faults.includes('forget-vote')
          ? `n3 crashed and restarted from its disk. With the planted bug its vote was never made durable: it knows term ${v.nodes[2].term}, but not that it voted (Voted for: none).`
          : `n3 crashed and restarted from its disk: it still knows that it voted for n1 in term ${v.nodes[2].term} (its card says Voted for n1).`),
        check: (v, m) => (v.nodes[2].up && v.nodes[2].vote === (m.faults.includes('forget-vote') ? 0 : 1) ? '' : 'n3 restarted, its vote as its disk kept it'),
      },
      {
        at: 140,
        act: () => [{ kind: 'campaign', node: 2 }],
        say: (v) => `n2's timeout ran out too. It never heard of n1's campaign, so it asks for votes in the same term, ${v.nodes[1].term}.`,
        check: (v) => (roleOf(v.nodes[1]) === 'candidate' && v.nodes[1].term === v.nodes[0].term && held(v, 2, 3, 'MsgVote') ? '' : 'n2 a candidate in n1\'s term'),
      },
      {
        at: 150,
        act: (v) => [{ kind: 'deliver', msg: held(v, 2, 3, 'MsgVote').id }],
        say: (v) => `n3 received n2's request and refused it: it already voted in term ${v.nodes[2].term}, and its disk says so. n1 and n2 each have one vote, their own, and at most one of them can ever get a second: each server votes once per term, even across a crash, so a term has at most one leader.`,
        check: (v) => (v.nodes[2].vote === 1 && held(v, 3, 2, 'MsgVoteResp') && held(v, 3, 2, 'MsgVoteResp').reject ? '' : 'n3 kept its vote for n1 and refused n2'),
      },
    ],
  },
  {
    id: 'snapshot',
    title: '7. Snapshots, and a follower that fell too far behind',
    config: { nodes: 3, seed: 7, raft: { snapshot_interval_entries: 10, snapshot_catchup_entries: 3 }, clients: { count: 2, rate_per_sec: 5 } },
    steps: [
      {
        at: 2000,
        say: (v, m) => {
          const l = leaderOf(v);
          m.leader = l.id;
          m.lag = Math.max(...v.nodes.map((n) => n.id).filter((id) => id !== l.id));
          return `n${l.id} leads, and two clients keep writing. A log that only grows would fill the disk, so every ${v.raft.snapshot_interval_entries} applied entries (in this chapter; etcd's default is ${(10000).toLocaleString('en')}) each server saves a snapshot of its store and drops the log entries before it, keeping the last ${v.raft.snapshot_catchup_entries}.`;
        },
        check: (v) => (leaderOf(v) && v.raft.snapshot_interval_entries === 10 ? '' : 'a leader by 2 s, snapshots every 10 entries'),
      },
      {
        at: 8000,
        act: (v, m) => [{ kind: 'crash', node: m.lag }],
        say: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          const lag = v.nodes.find((n) => n.id === m.lag);
          return `At ${secs(m.actedAt)} n${m.lag} crashed. The others went on: n${m.leader}'s latest snapshot is at index ${l.snapshot_index}, and its log now starts at index ${l.first_index}. n${m.lag}'s log ends at index ${lag.last_index}: the entries it lacks, ${lag.last_index + 1} to ${l.first_index - 1}, are in no server's log any more.`;
        },
        check: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          const lag = v.nodes.find((n) => n.id === m.lag);
          return l.snapshot_index > 0 && lag.last_index + 1 < l.first_index ? '' : `the leader's log compacted past n${m.lag}'s last entry`;
        },
      },
      {
        at: 8300,
        act: (v, m) => { m.snap = v.nodes.find((n) => n.id === m.leader).snapshot_index; return [{ kind: 'restart', node: m.lag }]; },
        say: (v, m) => `At ${secs(m.actedAt)} n${m.lag} came back. n${m.leader} cannot send it entries it no longer has, so it sent its snapshot instead (MsgSnap, up to index ${m.snap}). n${m.lag} installed it, replacing its log and its store: its log now starts right after the snapshot, at index ${m.snap + 1}.`,
        check: (v, m) => {
          const lag = v.nodes.find((n) => n.id === m.lag);
          return lag.snapshot_index === m.snap && lag.first_index === m.snap + 1 ? '' : `n${m.lag} installed the leader's snapshot at index ${m.snap} (it has ${lag.snapshot_index}, first index ${lag.first_index})`;
        },
      },
      {
        at: 10000,
        say: (v, m) => {
          const lag = v.nodes.find((n) => n.id === m.lag);
          return `From the snapshot on, n${m.lag} took the entries after it as usual, and it is caught up: it has applied up to index ${lag.applied}, like the others, and takes its own snapshots again.`;
        },
        check: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          const lag = v.nodes.find((n) => n.id === m.lag);
          return lag.applied === l.applied && lag.snapshot_index > m.snap ? '' : `n${m.lag} caught up with n${m.leader} and snapshotting on its own`;
        },
      },
    ],
    task: {
      goal: 'Your turn: make a follower need a snapshot again.',
      hint: 'Crash a follower, let the clients write (Play) until the leader\'s log starts after the follower\'s last entry, then Restart it.',
      judge: (v, events, memo) => {
        const since = events.filter((e) => e.at >= memo.taskFrom);
        const inst = since.find((e) => e.kind === 'snapshot-install' && since.some((r) => r.kind === 'restart' && r.node === e.node && r.at <= e.at));
        if (inst) return { done: true, ok: true, text: `Done: n${inst.node} came back behind the leader's compacted log, and caught up by installing a snapshot (${inst.text}).` };
        const l = leaderOf(v);
        const back = since.filter((e) => e.kind === 'restart').map((e) => v.nodes.find((n) => n.id === e.node)).find((n) => n && l && n.up && n.id !== l.id && n.applied >= l.commit);
        if (back) return { done: true, ok: false, text: `n${back.id} came back and caught up from the log: the leader still had every entry it lacked. Crash it again and wait longer, until the leader has snapshotted past it.` };
        return { done: false };
      },
    },
  },
  {
    id: 'reads',
    title: '8. Linearizable reads: ReadIndex, and a stale read',
    config: { nodes: 3, seed: 8, raft: { check_quorum: false } },
    zoo: ['local-read'],
    steps: [
      {
        at: 2000,
        say: (v, m) => { const l = leaderOf(v); m.leader = l.id; return `n${l.id} leads term ${l.term}. A read must see every write that finished before it was sent: that is what linearizable means. Reads change nothing, so they are not written to the log; this chapter shows how a leader answers them safely.`; },
        check: (v) => (leaderOf(v) && leaderOf(v).id === 1 ? '' : 'n1 leads by 2 s (the task names it)'),
      },
      {
        at: 2600,
        act: () => [{ kind: 'set', key: 'x', value: '1' }],
        say: (v, m) => `At ${secs(m.actedAt)} a client set x=1: committed and applied everywhere.`,
        check: (v) => (v.nodes.every((n) => valueOf(n, 'x') === '1') ? '' : 'every store reads x=1'),
      },
      {
        at: 3000,
        act: () => [{ kind: 'get', key: 'x' }],
        say: (v, m, events) => {
          const r = readReturn(events, m.actedAt);
          return `At ${secs(m.actedAt)} a client read x, and n${m.leader} answered ${r ? JSON.stringify(r.output) : 'nothing'}. Not from its store at once: etcd Raft's ReadIndex noted the commit index, sent a round of heartbeats, and only when a majority answered (so n${m.leader} was still the leader) and it had applied that index did it answer.`;
        },
        check: (v, m, events) => { const r = readReturn(events, m.actedAt); return r && r.output === '1' ? '' : 'the read answered 1'; },
      },
      {
        at: 6000,
        act: (v, m) => [{ kind: 'isolate', node: m.leader }],
        say: (v, m) => {
          const l = leaderOf(v);
          const old = v.nodes.find((n) => n.id === m.leader);
          m.second = l.id;
          return `At ${secs(m.actedAt)} n${m.leader} was cut off. The other two elected n${l.id} in term ${l.term}. CheckQuorum is off in this chapter, so n${m.leader} still believes it leads term ${old.term}: a deposed leader that does not know it. (With CheckQuorum on it would step down after an election timeout, but a read could still reach it before then.)`;
        },
        check: (v, m) => {
          const l = leaderOf(v);
          const old = v.nodes.find((n) => n.id === m.leader);
          return l && l.id !== m.leader && old.role === 'leader' && old.term < l.term ? '' : `a new leader, and n${m.leader} still a leader of an older term`;
        },
      },
      {
        at: 6500,
        act: () => [{ kind: 'set', key: 'x', value: '2' }],
        say: (v, m) => `At ${secs(m.actedAt)} a client set x=2 through n${m.second}: committed by the majority and answered OK. n${m.leader}, cut off, still reads x=1 in its store.`,
        check: (v, m) => {
          const old = v.nodes.find((n) => n.id === m.leader);
          return valueOf(leaderOf(v), 'x') === '2' && valueOf(old, 'x') === '1' ? '' : `x=2 on the new leader, x=1 on n${m.leader}`;
        },
      },
      {
        at: 9000,
        act: (v, m) => [{ kind: 'get', key: 'x', node: m.leader }],
        say: (v, m, events) => {
          const r = readReturn(events, m.actedAt);
          return `At ${secs(m.actedAt)} a client sent a read of x to n${m.leader}. Answered from n${m.leader}'s store it would say x=1, though x=2 had been acknowledged before the read was sent: a stale read. With ReadIndex, n${m.leader} must first hear from a majority, and it cannot, so it never answered; ${r ? `the client gave up at ${secs(r.at)}, and tries another server next time` : 'the client is still waiting'}.`;
        },
        check: (v, m, events) => { const r = readReturn(events, m.actedAt); return r && r.outcome !== 'ok' && r.outcome !== 'not-found' ? '' : `the read sent to n${m.leader} not answered`; },
      },
    ],
    task: {
      goal: 'Your turn: get a stale read from the deposed leader.',
      hint: 'In the Client console, choose Ask: n1, press Get to read x, and press Play. Then Restart the chapter with the bug "local-read" switched on in the bug zoo below, and try again.',
      judge: (v, events, memo) => {
        const bad = v.safety && v.safety.violation;
        if (bad && caughtBy(['local-read']).includes(bad.property)) return { done: true, ok: true, text: `Done, with a planted bug: ${bad.text}. The linearizability checker stopped the run at ${secs(bad.at)}. etcd Raft as it is never answers a read without ReadIndex (or a lease, which needs CheckQuorum).` };
        const r = events.find((e) => e.kind === 'client-return' && !e.client && e.type === 'get' && e.at >= memo.taskFrom);
        if (!r) return { done: false };
        if (r.outcome === 'ok') return { done: true, ok: false, text: `That read answered ${JSON.stringify(r.output)}, the value a linearizable read must see: it was asked of a server that could confirm it leads. Ask n${memo.leader}, the deposed leader.` };
        return { done: true, ok: false, text: `The read was not answered: n${memo.leader} could not hear from a majority, so ReadIndex never confirmed it still leads, and a read it cannot confirm it does not answer. With etcd Raft as it is a stale read is impossible; switch on the bug "local-read" in the bug zoo to see one.` };
      },
    },
  },
  {
    id: 'membership',
    title: '9. Membership changes and joint consensus',
    config: { nodes: 3, seed: 9 },
    steps: [
      {
        at: 2000,
        say: (v) => { const l = leaderOf(v); return `n${l.id} leads three voters, ${names(l.voters)}. Who votes is itself in the log: a change of members is an entry, and a server uses a configuration once it applies it.`; },
        check: (v) => (leaderOf(v) && leaderOf(v).voters.length === 3 ? '' : 'a leader of three voters'),
      },
      {
        at: 3000,
        act: () => [{ kind: 'add' }],
        say: (v, m) => {
          const l = leaderOf(v);
          m.leader = l.id;
          m.added = Math.max(...v.nodes.map((n) => n.id));
          return `At ${secs(m.actedAt)} n${l.id} was asked to add a server. It proposed "add n${m.added}" as an entry; once committed and applied, the voters are ${l.voters.length}, and a majority is ${Math.floor(l.voters.length / 2) + 1} of them. n${m.added} started empty and caught up by copying the log.`;
        },
        check: (v, m) => {
          const l = leaderOf(v);
          const added = v.nodes.find((n) => n.id === m.added);
          return l && l.voters.length === 4 && added && added.applied === l.applied ? '' : 'four voters, the new one caught up';
        },
      },
      {
        at: 3050,
        act: (v, m) => [{ kind: 'replace', node: m.leader }],
        say: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          m.newcomer = Math.max(...v.nodes.map((n) => n.id));
          return `At ${secs(m.actedAt)} n${m.leader} was asked to replace itself with a new server, n${m.newcomer}: two changes at once. Switching straight from the old voters to the new would let an old majority and a new majority decide different things for a moment. So etcd Raft passes through a joint configuration, (${names(l.voters_outgoing)}) and (${names(l.voters)}): until it is left, every commit and every election needs a majority of both.`;
        },
        check: (v, m) => {
          const l = v.nodes.find((n) => n.id === m.leader);
          return (l.voters_outgoing || []).length > 0 && !l.voters.includes(m.leader) && l.voters.length === 4 ? '' : `n${m.leader} in a joint configuration that drops it`;
        },
      },
      {
        at: 6000,
        say: (v, m) => {
          const l = leaderOf(v);
          return `Then the joint configuration was left by a second entry: the voters are ${names(l.voters)}. n${m.leader}, removed, stopped leading and handed leadership over first (an etcd server does the same): n${l.id} leads term ${l.term}. n${m.leader} is shown as left.`;
        },
        check: (v, m) => {
          const l = leaderOf(v);
          const old = v.nodes.find((n) => n.id === m.leader);
          return l && l.id !== m.leader && !(l.voters_outgoing || []).length && old.left ? '' : `a new leader outside the joint configuration, n${m.leader} left`;
        },
      },
    ],
    task: {
      goal: 'Your turn: take one server out of the cluster, so that a majority is 2 of 3 again.',
      hint: 'Select a follower (click it), press Remove in its card on the right, then Play.',
      judge: (v, events, memo) => {
        const l = leaderOf(v);
        if (l && l.voters.length === 3 && !(l.voters_outgoing || []).length) return { done: true, ok: true, text: `Done: the voters are ${names(l.voters)}; a majority is 2 of 3.` };
        const crashed = events.find((e) => e.kind === 'crash' && e.at >= memo.taskFrom);
        if (crashed) return { done: true, ok: false, text: `n${crashed.node} crashed, but it is still a voter: a crashed server counts towards the majority as before, and the cluster waits for it. Removing it is a membership change.` };
        return { done: false };
      },
    },
  },
]);

/** caughtSay says what a checker found in a run with planted bugs (faults): when, which rule, and which bug did it. */
export function caughtSay(bad, faults) {
  const docs = FAULTS.filter((f) => faults.includes(f.kind)).map((f) => `"${f.kind}": ${f.doc}`).join('; ');
  return `The checker stopped the run at ${(bad.at / 1000).toFixed(3)} s: ${bad.property} was broken: ${bad.text}. The planted bug did it (${docs || 'none planted'}); etcd Raft as it is never does this. The run cannot go on past a broken rule, so the chapter ends here: Back shows the steps before, and Restart with the bug off shows the run as etcd Raft runs it.`;
}

/** chapterById returns the chapter with id, or null. */
export function chapterById(id) {
  return CHAPTERS.find((c) => c.id === id) || null;
}

/** stepLabel says where the reader is: "Step 2 of 3". */
export function stepLabel(i, chapter) {
  return `Step ${i + 1} of ${chapter.steps.length}`;
}

/**
 * TourRunner runs a chapter on app (the App): start creates its cluster
 * and goes to the first step; next and back move a step, running the
 * engine to the step's time (a step's commands are applied the first time
 * it is reached, 1 ms after the step before; after that, travelling
 * replays them). said is the current step's words, problem what the
 * engine's view does not bear out ('' when it bears them out). Once the
 * last step is shown, a chapter's task starts: the person acts with the
 * page's controls, and judge(events) tells whether it is done.
 */
export class TourRunner {
  constructor(app, chapter, faults = []) {
    this.app = app;
    this.chapter = chapter;
    // faults are the bug zoo's planted bugs (the chapter's zoo), none by default.
    this.faults = faults.filter((f) => (chapter.zoo || []).includes(f));
    // stopped: a checker halted the run (a planted bug caught); the chapter ends there.
    this.stopped = false;
    this.i = -1;
    this.reached = -1;
    this.actedAt = [];
    this.memo = {};
    this.said = '';
    this.problem = '';
    // seen is the App's count of commands after the tour's last move.
    this.seen = 0;
  }

  /** start creates the chapter's cluster, paused, and shows its first step; false when the engine refused. */
  async start() {
    this.app.armFork(null);
    const config = this.faults.length ? { ...this.chapter.config, faults: this.faults } : this.chapter.config;
    const f = await this.app.create(config, `Tour: ${this.chapter.title}${this.faults.length ? ` (planted bug: ${this.faults.join(', ')})` : ''}`);
    if (!f) return false;
    this.app.setPlaying(false);
    this.i = -1;
    this.reached = -1;
    this.actedAt = [];
    this.memo = { faults: this.faults };
    this.seen = this.app.unsaved;
    return this.go(0);
  }

  get last() { return this.i === this.chapter.steps.length - 1 || this.stopped; }

  /** go shows step i (from the current step, one forward past those reached). */
  async go(i) {
    const step = this.chapter.steps[i];
    if (this.app.unsaved !== this.seen) {
      // The person gave commands since the tour's last move: the run from
      // here is theirs, and the steps after this one apply their commands
      // again when reached.
      this.reached = Math.min(this.reached, this.i);
      this.seen = this.app.unsaved;
    }
    if (!step || i > this.reached + 1 || !this.app.view) return false;
    if (i > this.reached) {
      // First time here: the step's commands 1 ms after the step before
      // (so travelling back to that step shows the cluster before them),
      // then the run to its time.
      if (step.act) await this.app.runTo(i > 0 ? this.chapter.steps[i - 1].at + 1 : 0);
      this.actedAt[i] = this.app.view.time;
      if (step.act) {
        this.memo.actedAt = this.actedAt[i];
        for (const cmd of step.act(this.app.view, this.memo)) {
          // A checker that halts the run (a planted bug caught) ends the
          // step's commands: the engine takes none after a halt.
          if (isHalted(this.app.frame)) break;
          if (!(await this.app.command(cmd))) return false;
        }
        this.seen = this.app.unsaved;
      }
      this.reached = i;
    }
    const f = await this.app.runTo(step.at);
    if (!f) return false;
    this.i = i;
    this.memo.actedAt = this.actedAt[i];
    const v = this.app.view;
    const events = this.app.model.notable;
    const bad = v.safety && v.safety.violation;
    this.stopped = Boolean(bad);
    if (bad) {
      this.said = caughtSay(bad, this.faults);
      this.problem = caughtBy(this.faults).includes(bad.property) ? '' : `no violation (the run stopped: ${bad.property}: ${bad.text})`;
    } else {
      this.said = step.say(v, this.memo, events);
      this.problem = step.check(v, this.memo, events);
    }
    if (this.last && this.chapter.task) this.memo.taskFrom = this.app.view.time;
    return true;
  }

  next() { return this.stopped ? Promise.resolve(false) : this.go(this.i + 1); }

  back() { return this.i > 0 ? this.go(this.i - 1) : Promise.resolve(false); }

  /** judge tells whether the chapter's task is done, from the view and events (the model's): {done, ok, text}; done false before the last step or with no task. */
  judge(events) {
    const t = this.chapter.task;
    if (!t || !this.last || !this.app.view) return { done: false };
    return t.judge(this.app.view, events || [], this.memo);
  }
}
