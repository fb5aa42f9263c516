// The Export menu's formats: the session's own JSON (written by the page,
// no module needed) and then the formats the interop module writes, in the
// order package export lists them (EXPORT_FORMATS, generated from
// export.Formats). DOM-free.
import { EXPORT_FORMATS } from './schema.js';

/** SESSION_JSON is the menu's value for the session's own JSON file. */
export const SESSION_JSON = 'json';

/**
 * FORMAT_LABELS are the menu's words for each format. A format the module
 * lists and this table does not (a new one) is still offered, by its
 * name; "tla" is the TLA+ trace another change adds to export.Formats.
 */
export const FORMAT_LABELS = Object.freeze({
  [SESSION_JSON]: 'Session (JSON)',
  edn: 'Jepsen history (EDN)',
  trace: 'Chrome trace (Perfetto)',
  porcupine: 'Porcupine page (HTML)',
  'etcd-script': "etcd's datadriven script",
  tla: 'TLA+ trace',
});

/**
 * exportChoices are the menu's options, {value, label, module}: module
 * says the interop module writes it (loaded on first use). formats
 * defaults to EXPORT_FORMATS.
 */
export function exportChoices(formats = EXPORT_FORMATS) {
  return [SESSION_JSON, ...formats.filter((f) => f !== SESSION_JSON)].map((f) => ({
    value: f,
    label: FORMAT_LABELS[f] || `${f} (export format)`,
    module: f !== SESSION_JSON,
  }));
}
