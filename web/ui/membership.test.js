import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configOf, memberRole, quorumsOf, quorumNote, describeConfig, parseMemberCommand, memberButtons, MEMBER_ROLES } from './membership.js';
import { COMMAND_KINDS, MEMBERSHIP } from './schema.js';

const node = (id, extra = {}) => ({ id, up: true, role: 'follower', term: 2, applied: 10, voters: [1, 2, 3], ...extra });

// A joint configuration: old (n1 n2 n3), new (n2 n3 n4), learner n5, n6
// added but not yet a member, n7 removed.
const jointView = () => ({
  nodes: [
    node(1, { role: 'leader', voters: [4, 2, 3], voters_outgoing: [1, 2, 3], learners: [5], applied: 20 }),
    node(2), node(3), node(4), node(5), node(6, { voters: [] }), node(7, { left: true, up: false }),
  ],
});

test('configOf reads the leader, or the live node that applied most', () => {
  const c = configOf(jointView());
  assert.deepEqual([c.voters, c.outgoing, c.learners, c.joint, c.from], [[2, 3, 4], [1, 2, 3], [5], true, 1]);
  const v = jointView();
  v.nodes[0].up = false;
  v.nodes[3].applied = 15;
  v.nodes[3].voters = [1, 2, 3, 4];
  assert.deepEqual([configOf(v).voters, configOf(v).from, configOf(v).joint], [[1, 2, 3, 4], 4, false]);
  assert.equal(configOf({ nodes: [] }).from, 0);
  assert.equal(describeConfig(configOf({ nodes: [] })), 'no configuration known');
});

test('memberRole and quorumsOf place every node of a joint configuration', () => {
  const v = jointView();
  const c = configOf(v);
  assert.deepEqual(v.nodes.map((n) => memberRole(c, n)), ['outgoing', 'both', 'both', 'incoming', 'learner', 'none', 'removed']);
  assert.deepEqual([1, 2, 4, 5].map((id) => quorumsOf(c, id)), [['old'], ['new', 'old'], ['new'], []]);
  assert.equal(quorumNote(c, 2), 'n2 counts towards both quorums, old and new');
  assert.equal(quorumNote(c, 1), 'n1 counts towards the old quorum only');
  assert.equal(quorumNote(c, 5), 'n5 is not a voter: its reply counts towards neither quorum');
  assert.equal(describeConfig(c), 'joint: old (n1 n2 n3) & new (n2 n3 n4), learners (n5)');
  for (const r of ['outgoing', 'both', 'incoming', 'learner', 'none', 'removed', 'voter']) assert.ok(MEMBER_ROLES[r].text, r);
  // A simple configuration: voters count towards the one quorum.
  const s = configOf({ nodes: [node(1, { role: 'leader' }), node(2), node(3)] });
  assert.deepEqual([memberRole(s, node(1)), quorumsOf(s, 2), quorumNote(s, 2)], ['voter', ['all'], '']);
  assert.equal(quorumNote(s, 9), 'n9 is not a voter: its reply counts towards no quorum');
});

test('parseMemberCommand reads the words of every membership command into the engine\'s kinds', () => {
  const kinds = new Set(COMMAND_KINDS.map((k) => k.kind));
  const cases = [
    ['add', { kind: 'add' }], ['add n6', { kind: 'add', node: 6 }], ['Add Learner', { kind: 'add-learner' }],
    ['add-learner 7', { kind: 'add-learner', node: 7 }], ['promote n4', { kind: 'promote', node: 4 }],
    ['remove 2', { kind: 'remove', node: 2 }], ['replace n1 with n6', { kind: 'replace', node: 1, peer: 6 }],
    ['replace n1', { kind: 'replace', node: 1 }], ['leave joint', { kind: 'leave-joint' }], ['leave-joint', { kind: 'leave-joint' }],
    ['change add n6, remove n1 explicit', { kind: 'change', transition: 'explicit', changes: [{ op: 'add', node: 6 }, { op: 'remove', node: 1 }] }],
    ['change add learner, add', { kind: 'change', changes: [{ op: 'add-learner', node: 0 }, { op: 'add', node: 0 }] }],
  ];
  for (const [text, want] of cases) {
    const got = parseMemberCommand(text);
    assert.deepEqual(got, { cmd: want }, text);
    assert.ok(kinds.has(got.cmd.kind), `${got.cmd.kind} is a command kind of the schema`);
    for (const ch of got.cmd.changes || []) assert.ok(Object.values(MEMBERSHIP.ops).includes(ch.op), ch.op);
  }
  for (const [text, why] of [['', 'type a membership command'], ['grow n2', '"grow" is not a membership command'], ['promote', 'promote needs a node'],
    ['remove x', '"x" is not a node'], ['remove n1 n2', 'remove takes one node'], ['replace', 'replace needs the voter'],
    ['replace n1 by n6', 'write replace n1 with n6'], ['change', 'change needs at least one change'], ['change grow n2', 'each change is add'],
    ['change remove', 'remove needs a node'], ['leave', 'leave joint'], ['leave joint now', 'takes nothing more'], ['add '.repeat(50), 'too long']]) {
    const got = parseMemberCommand(text);
    assert.ok(got.error && got.error.includes(why), `${JSON.stringify(text)}: ${got.error}`);
  }
});

test('memberButtons says which membership actions a node allows, and why not', () => {
  const v = jointView();
  const b = (i) => memberButtons(v, v.nodes[i - 1]);
  assert.equal(b(5).promote.disabled, false);
  assert.match(b(2).promote.title, /not a learner \(voter \(old & new\)\)/);
  assert.equal(b(1).remove.disabled, false);
  assert.match(b(1).remove.title, /the leader: it hands leadership on first/);
  assert.equal(b(6).remove.disabled, true);
  assert.equal(b(4).replace.disabled, false);
  assert.equal(b(5).replace.disabled, true);
  assert.match(b(7).promote.title, /n7 was removed/);
  const leaderless = jointView();
  leaderless.nodes[0].role = 'follower';
  assert.match(memberButtons(leaderless, leaderless.nodes[1]).remove.title, /no leader/);
});

test('the status line names a joint configuration, and a leader is never "no leader"', async () => {
  const { statusLine } = await import('./render/chrome.js');
  const frame = (view) => ({ view: { safety: { ok: true }, messages: [], manual: false, ...view }, horizon: 0 });
  const simple = statusLine(frame({ nodes: [node(1, { role: 'leader' }), node(2), node(3)] }), true);
  assert.ok(simple.startsWith('n1 leads term 2') && !simple.includes('No leader') && !simple.includes('joint'), simple);
  const joint = statusLine(frame(jointView()), true);
  assert.ok(joint.includes('joint: old (n1 n2 n3) & new (n2 n3 n4)') && !joint.includes('No leader'), joint);
  const none = statusLine(frame({ nodes: [node(1), node(2), node(3)] }), true);
  assert.ok(none.includes('No leader: electing one'), none);
});

test('the Raft settings form reads into a create call, within the schema\'s bounds', async () => {
  const { readRaft, formValues, describeRaft, RAFT_FIELDS } = await import('./raft-settings.js');
  const { LIMITS: L, DEFAULT_CONFIG } = await import('./schema.js');
  const r = { pre_vote: true, check_quorum: false, read_only_lease_based: false, max_inflight_msgs: L.flow.inflight, max_size_per_msg: L.flow.size_per_msg,
    snapshot_interval_entries: DEFAULT_CONFIG.raft.snapshot_interval_entries, snapshot_catchup_entries: DEFAULT_CONFIG.raft.snapshot_catchup_entries };
  assert.deepEqual(readRaft(formValues(r)), { raft: r });
  assert.match(describeRaft(r), /PreVote on, CheckQuorum off, lease reads off; 256 appends in flight/);
  const v = formValues(r);
  v['raft-inflight'] = String(L.flow.max_inflight + 1);
  assert.deepEqual(Object.keys(readRaft(v)).sort(), ['error', 'id']);
  assert.equal(readRaft(v).id, 'raft-inflight');
  assert.match(readRaft(v).error, new RegExp(`from 1 to ${L.flow.max_inflight}`));
  v['raft-inflight'] = '2';
  v['raft-snap-keep'] = 'x';
  assert.equal(readRaft(v).id, 'raft-snap-keep');
  assert.equal(RAFT_FIELDS.length, 4);
});

test('a snapshot in flight is labelled with its size', async () => {
  const { messageLabel, messageTitle, formatBytes } = await import('./messages.js');
  const m = { id: 7, type: 'MsgSnap', from: 1, to: 4, term: 3, bytes: 3456, deliver_at: 10 };
  assert.equal(messageLabel(m), 'Snap 3.5 kB');
  assert.equal(messageLabel(m, true), 'S');
  assert.match(messageTitle(m), /snapshot carrying 3\.5 kB of state/);
  assert.deepEqual([formatBytes(12), formatBytes(2_500_000)], ['12 B', '2.5 MB']);
});

test('a Raft settings form never filled sends nothing, so the defaults apply', async () => {
  const { readRaft, RAFT_FIELDS, RAFT_SWITCHES } = await import('./raft-settings.js');
  const empty = Object.fromEntries([...RAFT_FIELDS, ...RAFT_SWITCHES].map((x) => [x.id, '']));
  assert.deepEqual(readRaft(empty, []), { raft: {} });
  assert.deepEqual(readRaft({ ...empty, 'raft-snap-every': '20' }, ['raft-snap-every']), { raft: { snapshot_interval_entries: 20 } });
  assert.equal(readRaft(empty).id, 'raft-inflight', 'every field counts when none is said to be touched');
});
