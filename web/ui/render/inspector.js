// The inspector: the selected node (facts, actions, links, the leader's
// view of replication, its store and newest entries) and the selected
// message. The page holds the skeleton; buttons are updated in place so
// keyboard focus survives redraws.
import { roleOf, roleLabel, electionTimer, currentLeader, refusedAction } from '../roles.js';
import { cutSet, linkState } from '../links.js';
import { messageTitle, messageLabel } from '../messages.js';
import { formatTime } from '../clock.js';
import { html, setText, setAttr, show, sync, $ } from './dom.js';
import { kvText, kvSummary } from '../logs.js';
import { HELD_FILTERS, heldMessages } from '../held.js';
import { isolateState } from '../actions.js';
import { shortText, visibleControls } from '../text.js';
import { configOf, memberRole, memberButtons, MEMBER_ROLES, describeConfig, quorumNote } from '../membership.js';
import { MEMBERSHIP } from '../schema.js';

const ACTIONS = ['crash', 'restart', 'isolate', 'campaign', 'transfer'];
/** MEMBER_ACTIONS are the membership buttons: their ids end with the command kind (wire.CmdPromote ...). */
const MEMBER_ACTIONS = [MEMBERSHIP.kinds.promote, MEMBERSHIP.kinds.remove, MEMBERSHIP.kinds.replace];
/** HELD_LISTED bounds the held messages listed as buttons (the oldest first). */
const HELD_LISTED = 40;

/**
 * NodeInspector draws the selected node into the #insp-* skeleton.
 * onAction(kind) runs a node action on the node selected when it is
 * clicked (the app's selection, not the node drawn last); onCommand(cmd)
 * runs the links' commands, which name both ends as drawn.
 */
export class NodeInspector {
  constructor({ onCommand, onAction }) {
    this.onCommand = onCommand;
    this.title = $('insp-title');
    this.facts = $('insp-facts');
    this.links = $('insp-links');
    this.progress = $('insp-progress');
    this.progressBox = $('insp-progress-box');
    this.kv = $('insp-kv');
    this.entries = $('insp-entries');
    this.buttons = Object.fromEntries(ACTIONS.map((a) => [a, $(`act-${a}`)]));
    this.titles = Object.fromEntries(ACTIONS.map((a) => [a, this.buttons[a].title]));
    for (const a of MEMBER_ACTIONS) {
      this.buttons[a] = $(`act-${a}`);
      this.titles[a] = this.buttons[a].title;
    }
    for (const a of [...ACTIONS, ...MEMBER_ACTIONS]) this.buttons[a].addEventListener('click', () => onAction(a));
    this.id = 0;
    this.linkKey = '';
    this.linkRows = [];
    this.sig = '';
  }

  draw(view, id) {
    const node = view.nodes[id - 1];
    if (!node) return;
    const role = roleOf(node);
    const leader = currentLeader(view);
    const t = electionTimer(node, view.timing);
    const cuts = cutSet(view);
    const config = configOf(view);
    const mrole = memberRole(config, node);
    const mb = memberButtons(view, node);
    let sig = `${id}|${role}|${mrole}|${describeConfig(config)}|${MEMBER_ACTIONS.map((a) => mb[a].title).join('|')}|${node.member ? 'm' : ''}|${ACTIONS.map((a) => refusedAction(node, a)).join('|')}|${(view.nodes || []).map((n) => refusedAction(n, 'cut') ? 'x' : '').join('')}|${node.term}|${node.vote}|${node.leader}|${node.commit}|${node.applied}|${node.last_index}|${node.first_index}|${t ? t.elapsed : '-'}|${leader ? leader.id : 0}|${[...cuts].join(',')}|${kvSummary(node)}`;
    if (node.progress) for (const p of node.progress) sig += `|${p.id}:${p.match}:${p.next}:${p.state}:${p.recent_active}:${p.inflight}:${p.paused}:${p.pending_snapshot}`;
    const lastEntry = node.log && node.log.length ? node.log[node.log.length - 1] : null;
    sig += `|${lastEntry ? lastEntry.index : 0}|${kvText(node).join('\u0000')}`;
    if (sig === this.sig) return;
    this.sig = sig;
    this.id = id;
    setText(this.title, `n${id} · ${roleLabel(node)}`);
    setAttr(this.title, 'data-role', role);

    const facts = [
      ['term', node.term], ['voted for', node.vote ? `n${node.vote}` : '—'],
      ['leader', !node.up ? '—' : node.role === 'leader' ? 'itself' : node.leader ? `n${node.leader}` : 'unknown'],
      ['commit', node.commit], ['applied', node.up ? node.applied : '— (crashed)'], ['last index', node.last_index],
      ['snapshot', node.snapshot_index ? `≤ ${node.snapshot_index} (T${node.snapshot_term})` : 'none'],
      ['member', MEMBER_ROLES[mrole].label],
    ];
    const timer = ['timer', t ? t.short : node.up ? '— (a leader has none)' : '— (down)'];
    const own = configOf({ nodes: [{ ...node, up: true, role: 'leader' }] });
    const wide = [timer, ['its configuration', (node.voters || []).length ? describeConfig(own) : node.up ? 'none yet (it has not applied any)' : '— (down; its snapshot holds none)']];
    if (mrole !== 'voter') wide.push(['membership', MEMBER_ROLES[mrole].text]);
    if (node.member && !node.left) wide.push(['member', 'hosted outside the server (by a page or a devserver -join process)']);
    if (node.error) wide.push(['error', node.error]);
    sync(this.facts, [...facts.flatMap(([k, v]) => [{ tag: 'dt', text: k }, { tag: 'dd', text: String(v) }]),
      ...wide.flatMap(([k, v]) => [{ tag: 'dt', text: k }, { tag: 'dd', class: 'wide', text: String(v) }])]);

    const b = this.buttons;
    for (const a of [...ACTIONS, ...MEMBER_ACTIONS]) setAttr(b[a], 'data-testid', `node-${id}-${a}`);
    for (const a of MEMBER_ACTIONS) {
      b[a].disabled = mb[a].disabled;
      setAttr(b[a], 'title', mb[a].title);
    }
    b.crash.disabled = !node.up;
    b.restart.disabled = node.up;
    const iso = isolateState(view, id);
    b.isolate.disabled = iso.disabled;
    setAttr(b.isolate, 'title', iso.title);
    b.campaign.disabled = !node.up || node.role === 'leader';
    b.transfer.disabled = !node.up || !leader || leader.id === id;
    setAttr(b.transfer, 'title', !leader ? 'No leader to hand leadership over' : leader.id === id ? `n${id} already leads` : `Ask leader n${leader.id} to hand leadership to n${id} (L)`);
    // Commands the engine says cannot act on this node (a member hosted
    // outside a native cluster, or one that left) are disabled, saying why.
    for (const a of ACTIONS) {
      const why = refusedAction(node, a);
      if (why) b[a].disabled = true;
      // Transfer and isolate titles were set above from the view.
      if (a !== 'transfer' && a !== 'isolate') setAttr(b[a], 'title', why || this.titles[a]);
      else if (why) setAttr(b[a], 'title', why);
    }

    this.drawLinks(view, id, cuts);
    this.drawProgress(node, view.raft ? view.raft.max_inflight_msgs : 0);
    // The lists are redrawn in place: only what changed is written.
    const kv = node.up ? kvText(node).map((t) => ({ tag: 'li', ...shortText(t) })) : [{ tag: 'li', class: 'note', text: node.left ? 'gone: it left the cluster' : 'lost in the crash' }];
    if (node.up && node.kv && node.kv.count > kvText(node).length) kv.push({ tag: 'li', class: 'note', text: kvSummary(node) });
    if (node.up && !kv.length) kv.push({ tag: 'li', class: 'note', text: 'empty' });
    sync(this.kv, kv);
    const newest = (node.log || []).slice(-6).reverse().map((e) => {
      const st = e.index <= (node.up ? node.applied : 0) ? 'applied' : e.index <= node.commit ? 'committed' : 'not committed';
      const op = visibleControls(e.type !== 'normal' ? `membership: ${e.op}` : e.op || '(empty entry of a new leader)');
      return { tag: 'li', children: [{ tag: 'span', class: 'eix', text: `${e.index}` }, { tag: 'span', class: 'eterm', text: `T${e.term}` }, { tag: 'span', class: 'eop', text: op, title: op }, { tag: 'span', class: `est ${st.replace(' ', '-')}`, text: st }] };
    });
    if (!newest.length) newest.push({ tag: 'li', class: 'note', text: node.first_index > 1 ? 'every entry is in the snapshot' : 'no entries' });
    sync(this.entries, newest);
  }

  drawLinks(view, id, cuts) {
    const n = view.nodes.length;
    const key = `${id}/${n}`;
    if (key !== this.linkKey) {
      this.linkKey = key;
      this.linkRows = [];
      const rows = [];
      for (let p = 1; p <= n; p++) {
        if (p === id) continue;
        const state = html('td', { class: 'lstate' });
        const toggle = html('button', { type: 'button', class: 'btn small', 'data-testid': `link-${id}-${p}` });
        const oneway = html('button', { type: 'button', class: 'btn small ghost', 'data-testid': `link-${id}-${p}-oneway`, text: `Cut n${id}→n${p} only` });
        const peer = p;
        toggle.addEventListener('click', () => {
          const s = linkState(this.cuts, id, peer);
          this.onCommand(s.state === 'open' ? { kind: 'cut', node: id, peer } : { kind: 'heal', node: id, peer });
        });
        oneway.addEventListener('click', () => this.onCommand({ kind: 'cut', node: id, peer, one_way: true }));
        rows.push(html('tr', {}, html('th', { scope: 'row', text: `n${id} ⇄ n${p}` }), state, html('td', {}, toggle), html('td', {}, oneway)));
        this.linkRows.push({ peer: p, state, toggle, oneway });
      }
      if (!rows.length) rows.push(html('tr', {}, html('td', { class: 'note', text: 'A one-node cluster has no links.' })));
      this.links.replaceChildren(...rows);
    }
    this.cuts = cuts;
    for (const r of this.linkRows) {
      const s = linkState(cuts, id, r.peer);
      setText(r.state, s.state === 'open' ? 'open' : s.state === 'cut' ? '✕ cut' : s.ab ? `✕ n${id}→n${r.peer}` : `✕ n${r.peer}→n${id}`);
      setAttr(r.state, 'class', `lstate ${s.state}`);
      setAttr(r.state, 'title', s.text);
      setText(r.toggle, s.state === 'open' ? 'Cut' : 'Heal');
      setAttr(r.toggle, 'aria-label', `${s.state === 'open' ? 'Cut' : 'Heal'} the link n${id}–n${r.peer} (both ways)`);
      r.oneway.disabled = s.ab;
      // A link to a member hosted outside a native cluster cannot be cut here.
      const why = refusedAction(view.nodes[id - 1], 'cut') || refusedAction(view.nodes[r.peer - 1], 'cut');
      r.toggle.disabled = !!why;
      if (why) r.oneway.disabled = true;
      setAttr(r.toggle, 'title', why || null);
      setAttr(r.oneway, 'title', why || null);
    }
  }

  /** drawProgress shows the leader's view of each follower as etcd keeps it; window is MaxInflightMsgs. */
  drawProgress(node, window) {
    const ps = node.up && node.role === 'leader' ? (node.progress || []).filter((p) => p.id !== node.id) : [];
    show(this.progressBox, ps.length > 0);
    sync(this.progress, ps.map((p) => ({ tag: 'tr', class: p.inflight_full ? 'full' : '', children: [
      { tag: 'th', scope: 'row', text: `n${p.id}${p.learner ? ' (learner)' : ''}` }, { tag: 'td', text: String(p.match) }, { tag: 'td', text: String(p.next) },
      { tag: 'td', text: `${p.state}${p.pending_snapshot ? ` (snapshot ${p.pending_snapshot})` : ''}${p.paused ? ', paused' : ''}` },
      { tag: 'td', text: `${p.inflight || 0}${window ? `/${window}` : ''}${p.inflight_full ? ' full' : ''}` },
      { tag: 'td', text: p.recent_active ? 'yes' : 'no' }] })));
  }
}

/**
 * MessagePanel shows the selected message and, in manual mode, the held
 * ones. onAction(kind) drops, delivers or duplicates the message selected
 * when it is clicked; onSelect(id) selects a held message; onFilter(value)
 * chooses which held messages are shown.
 */
export class MessagePanel {
  constructor({ onAction, onSelect, onFilter }) {
    this.onSelect = onSelect;
    this.detail = $('msg-detail');
    this.drop = $('msg-drop');
    this.deliver = $('msg-deliver');
    this.dup = $('msg-duplicate');
    this.why = $('msg-why');
    this.heldList = $('held-list');
    this.heldBox = $('held-box');
    this.heldCount = $('held-count');
    this.heldFilter = $('held-filter');
    for (const f of HELD_FILTERS) this.heldFilter.append(new Option(f.text, f.value));
    this.heldFilter.addEventListener('change', () => onFilter(this.heldFilter.value));
    this.id = 0;
    this.drop.addEventListener('click', () => onAction('drop'));
    this.deliver.addEventListener('click', () => onAction('deliver'));
    this.dup.addEventListener('click', () => onAction('duplicate'));
    this.items = new Map();
    this.sig = '';
  }

  /** draw shows the selected message and the held ones the filter (a HELD_FILTERS value) lets through. */
  draw(view, selected, filter = HELD_FILTERS[0].value) {
    const m = selected ? view.messages.find((x) => x.id === selected) : null;
    this.id = m ? m.id : 0;
    const sig = `${this.id}|${m ? m.deliver_at : ''}|${view.manual}|${view.messages.length}|${view.time}|${filter}`;
    if (sig === this.sig) return;
    this.sig = sig;
    if (m) {
      const when = m.deliver_at ? `sent at ${formatTime(m.sent_at)} s, arrives at ${formatTime(m.deliver_at)} s` : `sent at ${formatTime(m.sent_at)} s, held`;
      const config = configOf(view);
      const counts = m.response && config.from === m.to && /MsgAppResp|VoteResp/.test(m.type) ? quorumNote(config, m.from) : '';
      setText(this.detail, `${messageTitle(m)}. ${when}.${counts ? ` ${counts}.` : ''}\n${visibleControls(m.text)}`);
    } else {
      setText(this.detail, selected ? `Message #${selected} is no longer in flight (delivered or dropped).` : 'Click a message on the ring (or press ] ) to select it.');
    }
    this.drop.disabled = !m;
    this.why.disabled = !m;
    this.deliver.disabled = !m || !view.manual;
    this.dup.disabled = !m || !view.manual;
    const why = view.manual ? '' : ' (turn manual delivery on first)';
    setAttr(this.deliver, 'title', `Deliver it now${why}`);
    setAttr(this.dup, 'title', `Put a copy of it in flight${why}`);
    this.drawHeld(view, selected, filter);
  }

  drawHeld(view, selected, filter) {
    const all = view.manual ? heldMessages(view) : [];
    const held = view.manual ? heldMessages(view, filter) : [];
    show(this.heldBox, view.manual);
    if (this.heldFilter.value !== filter) this.heldFilter.value = filter;
    const hidden = all.length - held.length;
    const listed = held.length > HELD_LISTED ? `, the oldest ${HELD_LISTED} listed` : '';
    setText(this.heldCount, all.length ? `${all.length} held${hidden ? `, ${hidden} hidden by the filter` : ''}${listed}` : 'none held yet');
    const keep = new Set();
    let prev = null;
    for (const m of held.slice(0, HELD_LISTED)) {
      keep.add(m.id);
      let b = this.items.get(m.id);
      if (!b) {
        b = html('button', { type: 'button', class: 'held', text: `#${m.id} n${m.from}→n${m.to} ${messageLabel(m)}`, title: m.text });
        b.addEventListener('click', () => this.onSelect(m.id));
        this.items.set(m.id, b);
        const li = html('li', {}, b);
        if (prev) prev.parentElement.after(li); else this.heldList.prepend(li);
      }
      setAttr(b, 'aria-pressed', selected === m.id);
      prev = b;
    }
    for (const [id, b] of this.items) if (!keep.has(id)) { b.parentElement.remove(); this.items.delete(id); }
  }
}
