// The Raft settings of the next new cluster: read from the form, checked
// against the engine's bounds (LIMITS.flow from the generated schema), and
// the settings a cluster runs with said in a line. DOM-free and pure.
import { LIMITS } from './schema.js';
import { wholeNumber } from './session-url.js';

/** RAFT_FIELDS are the form's number fields: the config field, its input id and its range. */
export const RAFT_FIELDS = Object.freeze([
  { field: 'max_inflight_msgs', id: 'raft-inflight', name: 'appends in flight per follower', min: 1, max: LIMITS.flow.max_inflight },
  { field: 'max_size_per_msg', id: 'raft-size', name: 'bytes per append', min: 1, max: LIMITS.flow.max_size_per_msg },
  { field: 'snapshot_interval_entries', id: 'raft-snap-every', name: 'snapshot every (entries)', min: 1, max: Number.MAX_SAFE_INTEGER },
  { field: 'snapshot_catchup_entries', id: 'raft-snap-keep', name: 'entries kept after a snapshot', min: 0, max: Number.MAX_SAFE_INTEGER },
]);

/** RAFT_SWITCHES are the form's checkboxes: the config field and its input id. */
export const RAFT_SWITCHES = Object.freeze([
  { field: 'pre_vote', id: 'raft-pre-vote' },
  { field: 'check_quorum', id: 'raft-check-quorum' },
  { field: 'read_only_lease_based', id: 'raft-lease' },
]);

/**
 * readRaft turns the form's values ({id: value} for numbers as typed,
 * {id: checked} for switches) into {raft} for a create call, or {error,
 * id} naming the field that is wrong. touched lists the ids the form holds
 * a value for (filled from a view, or typed): the others are left out, so
 * the engine's defaults apply (a form never filled sends nothing). The
 * engine checks the rest (lease reads without CheckQuorum, say) and says
 * why it refuses.
 */
export function readRaft(values, touched = null) {
  const raft = {};
  const has = (id) => !touched || touched.includes(id);
  for (const s of RAFT_SWITCHES) if (has(s.id)) raft[s.field] = !!values[s.id];
  for (const f of RAFT_FIELDS) {
    if (!has(f.id)) continue;
    try {
      raft[f.field] = wholeNumber(f.name, String(values[f.id] ?? '').trim(), { min: f.min, max: f.max });
    } catch (err) {
      return { error: `Raft settings: ${err.message}`, id: f.id };
    }
  }
  return { raft };
}

/** formValues returns the form's values for a view's Raft tuning (view.raft). */
export function formValues(r) {
  const out = {};
  for (const s of RAFT_SWITCHES) out[s.id] = !!r[s.field];
  for (const f of RAFT_FIELDS) out[f.id] = String(r[f.field]);
  return out;
}

/** describeRaft says in a line what a cluster runs with. */
export function describeRaft(r) {
  if (!r) return '';
  const on = (b) => (b ? 'on' : 'off');
  return `In force: PreVote ${on(r.pre_vote)}, CheckQuorum ${on(r.check_quorum)}, lease reads ${on(r.read_only_lease_based)}; `
    + `${r.max_inflight_msgs} appends in flight of at most ${r.max_size_per_msg} bytes; a snapshot every ${r.snapshot_interval_entries} entries, keeping ${r.snapshot_catchup_entries}.`;
}
