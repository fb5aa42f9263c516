// Everything around the drawing: the clock, the time-travel slider and its
// markers, the safety badge, the status line, manual mode, the network and
// client settings shown in their forms.
import { formatTime } from '../clock.js';
import { currentLeader } from '../roles.js';
import { isReplaying } from '../model.js';
import { removeClientState } from '../actions.js';
import { svg, setText, setAttr, show, $ } from './dom.js';
import { configOf, describeConfig, ids, MEMBER_COMMAND_HELP } from '../membership.js';
import { LIMITS, FAULTS } from '../schema.js';
import { formValues, describeRaft, RAFT_FIELDS, RAFT_SWITCHES } from '../raft-settings.js';

/** statusLine says in one sentence where the cluster stands. */
export function statusLine(frame, playing) {
  const v = frame.view;
  if (!v.safety.ok && v.safety.violation) return `Stopped: ${v.safety.violation.property} broken — ${v.safety.violation.text}`;
  const leader = currentLeader(v);
  const up = v.nodes.filter((n) => n.up).length;
  const parts = [];
  if (leader) parts.push(`n${leader.id} leads term ${leader.term}, commit index ${leader.commit}`);
  else if (!up) parts.push('Every node is down: restart one');
  else parts.push(up * 2 > v.nodes.length ? 'No leader: electing one…' : `No leader: only ${up} of ${v.nodes.length} nodes are up, a majority is needed`);
  const config = configOf(v);
  if (config.joint) parts.push(`joint: old ${ids(config.outgoing)} & new ${ids(config.voters)}`);
  parts.push(`${v.messages.length} message${v.messages.length === 1 ? '' : 's'} in flight${v.manual ? ' (held for you: manual delivery)' : ''}`);
  if (isReplaying(frame)) parts.push(playing ? 'replaying the recorded run' : 'in the recorded past: acting here rewrites what follows');
  return parts.join(' · ');
}

/** Chrome updates the page's fixed controls from a frame. */
/**
 * MARKER_SHAPES tell the slider's markers apart by shape as well as colour
 * (10 px high, centred on their time): a new leader is a full-height bar, a
 * crash a triangle hanging from the top, a restart one standing at the
 * bottom, a network change two dots, a command a diamond, a violation a
 * wide bar. The legend under the ring draws the same shapes.
 */
export const MARKER_SHAPES = {
  leader: 'M-1,0H1V10H-1Z',
  crash: 'M-3.5,0H3.5L0,5.5Z',
  restart: 'M-3.5,10H3.5L0,4.5Z',
  net: 'M-1.5,1H1.5V4H-1.5ZM-1.5,6H1.5V9H-1.5Z',
  command: 'M0,1.5L3.5,5L0,8.5L-3.5,5Z',
  violation: 'M-2.5,0H2.5V10H-2.5Z',
  search: 'M0,0L3,3L0,6L-3,3Z',
};

export class Chrome {
  constructor() {
    this.time = $('time');
    this.slider = $('slider');
    this.horizon = $('horizon');
    this.markers = $('markers');
    this.safety = $('safety');
    this.status = $('status-line');
    this.replay = $('replay-chip');
    this.manual = $('manual');
    this.clients = $('client-count');
    this.removeClient = $('remove-client');
    this.key = $('key');
    this.value = $('value');
    this.clientList = $('client-list');
    this.memberConfig = $('member-config');
    this.memberAdd = [$('member-add'), $('member-add-learner')].map((b) => ({ b, title: b.title }));
    this.memberLeave = $('member-leave-joint');
    setText($('member-help'), MEMBER_COMMAND_HELP);
    this.markerKey = '';
    this.shrink = $('shrink');
    this.faults = $('faults-chip');
    this.faultsKey = '';
  }

  draw(frame, { playing, dragging, markers }) {
    const v = frame.view;
    if (!dragging) {
      setText(this.time, formatTime(v.time));
      setAttr(this.slider, 'max', frame.horizon);
      if (this.slider.value !== String(v.time)) this.slider.value = String(v.time);
      setAttr(this.slider, 'aria-valuetext', `${formatTime(v.time)} of ${formatTime(frame.horizon)} virtual seconds`);
    }
    setText(this.horizon, `${formatTime(frame.horizon)} s`);
    show(this.replay, isReplaying(frame));
    const ok = v.safety.ok;
    setAttr(this.safety, 'data-ok', ok);
    setText(this.safety, ok ? '✔ Safe' : `✖ ${v.safety.violation ? v.safety.violation.property : 'violation'}`);
    setAttr(this.safety, 'title', ok ? 'Every safety property the checkers watch holds so far: election safety, log matching, leader completeness, state machine safety, linearizability…' : v.safety.violation.text);
    setText(this.status, statusLine(frame, playing));
    setAttr(this.status, 'data-halted', !ok);
    show(this.shrink, !ok);
    this.drawFaults(v.faults || []);
    if (this.manual.checked !== v.manual) this.manual.checked = v.manual;
    setText(this.clients, String(v.clients.length));
    // The engine's limits are in bytes; an input's maxlength counts UTF-16
    // units, never more than the UTF-8 bytes, so it only stops what the
    // engine would refuse anyway.
    if (v.limits) {
      setAttr(this.key, 'maxlength', v.limits.key_bytes);
      setAttr(this.value, 'maxlength', v.limits.value_bytes);
    }
    const rc = removeClientState(v);
    this.removeClient.disabled = rc.disabled;
    setAttr(this.removeClient, 'title', rc.title);
    this.drawClients(v);
    this.drawMembership(v);
    this.drawRaft(v.raft);
    this.drawMarkers(markers, frame.horizon);
    this.drawNetwork(v.network);
  }

  /** drawFaults names the faults planted in the cluster (Config.faults), with what each does: a run with any is not etcd Raft as it is. */
  drawFaults(faults) {
    const key = faults.join(',');
    if (key === this.faultsKey) return;
    this.faultsKey = key;
    show(this.faults, faults.length > 0);
    setText(this.faults, faults.length ? `planted bug: ${faults.join(', ')}` : '');
    const docs = faults.map((f) => {
      const rule = FAULTS.find((r) => r.kind === f);
      return rule ? `${f}: ${rule.doc} (caught by ${rule.caught.join(', ')})` : f;
    });
    setAttr(this.faults, 'title', faults.length ? `This run has faults planted in its nodes, to watch the checkers catch them: ${docs.join('; ')}` : '');
  }

  /** drawRaft shows the tuning the cluster runs with, and fills the settings form with it where the user is not editing. */
  drawRaft(r) {
    if (!r) return;
    const key = JSON.stringify(r);
    if (key === this.raftKey) return;
    this.raftKey = key;
    setText($('raft-now'), describeRaft(r));
    const values = formValues(r);
    for (const s of RAFT_SWITCHES) {
      const el = $(s.id);
      if (el.dataset.dirty !== 'true') el.checked = values[s.id];
      el.dataset.filled = 'true';
    }
    for (const f of RAFT_FIELDS) {
      const el = $(f.id);
      if (document.activeElement !== el && el.dataset.dirty !== 'true') el.value = values[f.id];
      el.dataset.filled = 'true';
      setAttr(el, 'max', f.max < Number.MAX_SAFE_INTEGER ? f.max : null);
    }
  }

  /** drawMembership shows the configuration in force and which membership buttons can act. */
  drawMembership(v) {
    const config = configOf(v);
    const leader = currentLeader(v);
    setText(this.memberConfig, describeConfig(config));
    const full = v.nodes.length >= LIMITS.max_nodes;
    for (const { b, title } of this.memberAdd) {
      b.disabled = !leader || full;
      setAttr(b, 'title', !leader ? 'There is no leader to propose a membership change to'
        : full ? `A session has at most ${LIMITS.max_nodes} nodes: removed nodes stay in view and their ids are never reused` : title);
    }
    this.memberLeave.disabled = !config.joint || !leader;
    setAttr(this.memberLeave, 'title', config.joint ? 'Leave the joint configuration (needed after a change with transition explicit)' : 'The configuration is not joint: there is nothing to leave');
  }

  drawClients(v) {
    const lines = v.clients.slice(0, 12).map((c) => `c${c.id} → ${c.leader ? `n${c.leader}` : '?'}: ${c.pending || 'idle'} (${c.issued} sent)`);
    if (v.clients.length > 12) lines.push(`… and ${v.clients.length - 12} more`);
    setText(this.clientList, lines.join('\n'));
  }

  drawNetwork(net) {
    // Rates as percentages to 0.1 (the inputs' step), without float noise.
    const pct = (r) => Math.round(r * 1000) / 10;
    const pairs = [['lat-min', net.min_latency_ms], ['lat-max', net.max_latency_ms], ['drop', pct(net.drop_rate)],
      ['dup', pct(net.duplicate_rate)], ['reorder', pct(net.reorder_rate)]];
    for (const [id, val] of pairs) {
      const input = $(id);
      // Do not overwrite what the user is typing.
      if (document.activeElement !== input && input.dataset.dirty !== 'true' && input.value !== String(val)) input.value = String(val);
    }
  }

  drawMarkers(markers, horizon) {
    const key = `${markers.length}|${markers.length ? markers[markers.length - 1].key : ''}|${horizon}`;
    if (key === this.markerKey) return;
    this.markerKey = key;
    this.markers.replaceChildren();
    if (!horizon) return;
    for (const m of markers) {
      const x = (100 * m.at) / horizon;
      const at = svg('svg', { x: `${x.toFixed(3)}%`, y: 0, overflow: 'visible' }, this.markers);
      const mark = svg('path', { class: `mk ${m.cls}`, d: MARKER_SHAPES[m.cls] || MARKER_SHAPES.command }, at);
      svg('title', { text: `${formatTime(m.at)} s: ${m.label}` }, mark);
    }
  }
}
