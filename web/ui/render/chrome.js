// Everything around the drawing: the clock, the time-travel slider and its
// markers, the safety badge, the status line, manual mode, the network and
// client settings shown in their forms.
import { formatTime } from '../clock.js';
import { currentLeader } from '../roles.js';
import { isReplaying } from '../model.js';
import { svg, setText, setAttr, show, $ } from './dom.js';

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
  parts.push(`${v.messages.length} message${v.messages.length === 1 ? '' : 's'} in flight${v.manual ? ' (held for you: manual delivery)' : ''}`);
  if (isReplaying(frame)) parts.push(playing ? 'replaying the recorded run' : 'in the recorded past: acting here rewrites what follows');
  return parts.join(' · ');
}

/** Chrome updates the page's fixed controls from a frame. */
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
    this.clientList = $('client-list');
    this.markerKey = '';
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
    if (this.manual.checked !== v.manual) this.manual.checked = v.manual;
    setText(this.clients, String(v.clients.length));
    this.drawClients(v);
    this.drawMarkers(markers, frame.horizon);
    this.drawNetwork(v.network);
  }

  drawClients(v) {
    const lines = v.clients.slice(0, 12).map((c) => `c${c.id} → ${c.leader ? `n${c.leader}` : '?'}: ${c.pending || 'idle'} (${c.issued} sent)`);
    if (v.clients.length > 12) lines.push(`… and ${v.clients.length - 12} more`);
    setText(this.clientList, lines.join('\n'));
  }

  drawNetwork(net) {
    const pairs = [['lat-min', net.min_latency_ms], ['lat-max', net.max_latency_ms], ['drop', Math.round(net.drop_rate * 100)],
      ['dup', Math.round(net.duplicate_rate * 100)], ['reorder', Math.round(net.reorder_rate * 100)]];
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
      const mark = svg('rect', { class: `mk ${m.cls}`, x: `${x.toFixed(3)}%`, y: m.cls === 'leader' ? 0 : 3, width: 2, height: m.cls === 'leader' ? 10 : 7 }, this.markers);
      svg('title', { text: `${formatTime(m.at)} s: ${m.label}` }, mark);
    }
  }
}
