// The forms and buttons of the side panels and the top bar, bound to the
// app's actions.
import { SPEEDS, formatSpeed, formatTime } from '../clock.js';
import { FILTERS, detailFor } from '../events.js';
import { readNetwork, NETWORK_FIELDS } from '../network.js';
import { checkKeyValue } from '../kvinput.js';
import { $ } from '../render/dom.js';
import { wholeNumber } from '../session-url.js';
import { parseMemberCommand } from '../membership.js';
import { readRaft, RAFT_FIELDS, RAFT_SWITCHES } from '../raft-settings.js';
import { MEMBERSHIP } from '../schema.js';
import { exportChoices } from '../export-formats.js';

/**
 * bindForms wires the page's controls to handlers:
 * app (the App), ui ({filter, node} state and redraw()), and actions from
 * main: share(), exportFile(), importFile(file), error(text), realTime
 * (the engine runs at wall-clock speed: a new cluster has no seed) and
 * limits() (the engine's ranges for nodes and seed, or {}).
 */
/** readNetworkForm reads the Network form's fields (network.js readNetwork): {network} or {error, field}. */
export function readNetworkForm() {
  return readNetwork(NETWORK_FIELDS.map((f) => { const el = $(f.id); return { ...f, value: el.value, min: el.min, max: el.max }; }));
}

/**
 * readReseed reads the Seed from now field against limits (the engine's
 * ranges, {} if unknown): {cmd} (a reseed command) or {error, field}.
 */
export function readReseed(limits) {
  try {
    return { cmd: { kind: 'reseed', seed: wholeNumber('seed', $('reseed').value.trim(), (limits || {}).seed) } };
  } catch (err) {
    return { error: `Reseed: ${err.message}`, field: 'reseed' };
  }
}

export function bindForms(app, ui, actions) {
  const speed = $('speed');
  for (const s of SPEEDS) speed.append(new Option(formatSpeed(s), String(s), s === 1, s === 1));
  speed.addEventListener('change', () => app.setSpeed(Number(speed.value)));
  $('play').addEventListener('click', () => app.setPlaying(!app.playing));
  $('next').addEventListener('click', () => app.next());

  const slider = $('slider');
  slider.addEventListener('input', () => {
    app.dragging = true;
    if (app.playing) app.setPlaying(false);
    $('time').textContent = formatTime(Number(slider.value));
    app.seek(Number(slider.value));
  });
  slider.addEventListener('change', async () => {
    await app.seek(Number(slider.value));
    app.dragging = false;
  });

  $('manual').addEventListener('change', (e) => app.command({ kind: 'manual', on: e.target.checked }));

  const key = () => $('key').value.trim();
  // Key and value are checked in UTF-8 bytes against the limits the engine
  // reports, before anything is sent.
  const kvCommand = (kind, what, value = '') => {
    const bad = checkKeyValue(what, key(), value, app.view && app.view.limits);
    if (bad) { actions.error(bad); return; }
    const cmd = kind === 'set' ? { kind, key: key(), value } : { kind, key: key() };
    const node = Number($('kv-node').value);
    if (node) cmd.node = node;
    app.command(cmd);
  };
  $('console-form').addEventListener('submit', (e) => {
    e.preventDefault();
    kvCommand('set', 'Set', $('value').value);
  });
  $('get').addEventListener('click', () => kvCommand('get', 'Get'));
  $('del').addEventListener('click', () => kvCommand('del', 'Del'));

  for (const id of [...RAFT_SWITCHES, ...RAFT_FIELDS].map((x) => x.id)) {
    $(id).addEventListener('input', () => { $(id).dataset.dirty = 'true'; });
  }
  for (const id of ['lat-min', 'lat-max', 'drop', 'dup', 'reorder']) {
    $(id).addEventListener('input', () => { $(id).dataset.dirty = 'true'; });
  }
  $('net-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    // Checked here first; on any error the fields keep what was typed.
    const r = readNetworkForm();
    if (r.error) { actions.error(r.error); $(r.field).focus(); return; }
    if (await app.command({ kind: 'network', network: r.network })) {
      for (const f of NETWORK_FIELDS) $(f.id).dataset.dirty = 'false';
    }
  });
  $('reseed-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const r = readReseed(actions.limits && actions.limits());
    if (r.error) { actions.error(r.error); $(r.field).focus(); return; }
    app.command(r.cmd);
  });
  $('add-client').addEventListener('click', () => app.command({ kind: 'add-clients', count: 1 }));
  $('remove-client').addEventListener('click', () => app.command({ kind: 'remove-clients', count: 1 }));
  $('heal-all').addEventListener('click', () => app.command({ kind: 'heal' }));

  $('member-add').addEventListener('click', () => app.command({ kind: MEMBERSHIP.kinds.add }));
  $('member-add-learner').addEventListener('click', () => app.command({ kind: MEMBERSHIP.kinds.add_learner }));
  $('member-leave-joint').addEventListener('click', () => app.command({ kind: MEMBERSHIP.kinds.leave_joint }));
  $('member-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = parseMemberCommand($('member-cmd').value);
    if (r.error) { actions.error(`Membership: ${r.error}`); $('member-cmd').focus(); return; }
    if (await app.command(r.cmd)) $('member-cmd').value = '';
  });

  $('restart-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    // Checked as digits against the engine's ranges: a seed past 2^53 is refused, not rounded.
    const limits = (actions.limits && actions.limits()) || {};
    // Native nodes run in real time: no seed replays them (the server
    // checks the node count against its own range).
    if (actions.realTime) {
      let nodes;
      try {
        nodes = wholeNumber('nodes', $('nodes-count').value.trim(), limits.nodes);
      } catch (err) {
        actions.error(`New cluster: ${err.message}`);
        return;
      }
      if (await app.create({ nodes })) app.setPlaying(true);
      return;
    }
    let cfg;
    try {
      cfg = { nodes: wholeNumber('nodes', $('nodes-count').value.trim(), limits.nodes), seed: wholeNumber('seed', $('seed').value.trim(), limits.seed) };
    } catch (err) {
      actions.error(`New cluster: ${err.message}`);
      return;
    }
    const values = {};
    for (const s of RAFT_SWITCHES) values[s.id] = $(s.id).checked;
    for (const f of RAFT_FIELDS) values[f.id] = $(f.id).value;
    // A field neither filled from a view nor typed in keeps the default.
    const touched = [...RAFT_SWITCHES, ...RAFT_FIELDS].map((x) => x.id).filter((id) => $(id).dataset.dirty === 'true' || $(id).dataset.filled === 'true');
    const r = readRaft(values, touched);
    if (r.error) { actions.error(`New cluster: ${r.error}`); $(r.id).focus(); return; }
    cfg.raft = r.raft;
    if (await app.create(cfg)) {
      for (const id of [...RAFT_SWITCHES, ...RAFT_FIELDS].map((x) => x.id)) $(id).dataset.dirty = 'false';
      app.setPlaying(true);
    }
  });
  $('share').addEventListener('click', () => actions.share());
  const formats = $('export-format');
  formats.replaceChildren(...exportChoices().map((c) => new Option(c.label, c.value)));
  $('export').addEventListener('click', () => actions.exportFile(formats.value));
  $('import').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (file) await actions.importFile(file);
  });

  const filter = $('event-filter');
  for (const f of FILTERS) filter.append(new Option(f.text, f.value, f.value === ui.filter, f.value === ui.filter));
  filter.addEventListener('change', () => {
    ui.filter = filter.value;
    app.setEventDetail(detailFor(ui.filter));
    ui.redraw();
  });
  $('event-node').addEventListener('change', (e) => { ui.node = Number(e.target.value); ui.redraw(); });
  $('cluster').addEventListener('click', () => { if (app.selectedMsg) app.selectMessage(0); });
}

/** syncNodeFilter keeps the event log's node menu in step with the cluster size; it returns the node filtered on. */
export function syncNodeFilter(n, current) {
  const sel = $('event-node');
  const node = current <= n ? current : 0;
  if (sel.options.length !== n + 1) {
    sel.replaceChildren(new Option('All nodes', '0'), ...Array.from({ length: n }, (_, i) => new Option(`n${i + 1}`, String(i + 1))));
    sel.value = String(node);
  }
  return node;
}

/** syncAskNode keeps the console's Ask menu (the node a request goes to) in step with the cluster's nodes, the leader first; a node gone keeps the choice on the leader. */
export function syncAskNode(view) {
  const sel = $('kv-node');
  const ids = view.nodes.filter((n) => !n.left).map((n) => n.id);
  const key = ids.join(',');
  if (sel.dataset.ids === key) return;
  sel.dataset.ids = key;
  const was = sel.value;
  sel.replaceChildren(new Option('the leader', ''), ...ids.map((id) => new Option(`n${id}`, String(id))));
  sel.value = ids.includes(Number(was)) ? was : '';
}
