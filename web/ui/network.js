// The network settings form, checked in the page before the engine sees it:
// an error names the field, its range and its unit, and the form keeps what
// the person typed. The ranges are the inputs' own min and max attributes.
// DOM-free and pure.

/** NETWORK_FIELDS are the form's inputs: element id, label, unit, and the Network field it sets. */
export const NETWORK_FIELDS = [
  { id: 'lat-min', label: 'latency min', unit: 'ms', key: 'min_latency_ms' },
  { id: 'lat-max', label: 'latency max', unit: 'ms', key: 'max_latency_ms' },
  { id: 'drop', label: 'drop', unit: '%', key: 'drop_rate' },
  { id: 'dup', label: 'duplicate', unit: '%', key: 'duplicate_rate' },
  { id: 'reorder', label: 'reorder', unit: '%', key: 'reorder_rate' },
];

/**
 * readNetwork turns the form's fields ({id, label, unit, key, value, min,
 * max}, strings as the inputs hold them) into {network} for the engine's
 * network command, or {error, field} naming the first field that is wrong.
 */
export function readNetwork(fields) {
  const network = {};
  const say = (f, text) => ({ error: `Network settings: ${text}`, field: f.id });
  for (const f of fields) {
    const lo = Number(f.min), hi = Number(f.max);
    const raw = String(f.value).trim();
    const v = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) return say(f, `${f.label} is not a number (from ${lo} to ${hi} ${f.unit})`);
    if (v < lo || v > hi) return say(f, `${f.label} is ${v} ${f.unit}; it must be from ${lo} to ${hi} ${f.unit}`);
    if (f.unit === 'ms' && !Number.isInteger(v)) return say(f, `${f.label} is ${v} ms; it must be a whole number of ms`);
    network[f.key] = f.unit === '%' ? v / 100 : v;
  }
  if (network.min_latency_ms > network.max_latency_ms) {
    return say(fields[0], `latency min (${network.min_latency_ms} ms) is above latency max (${network.max_latency_ms} ms); make min at most max`);
  }
  return { network };
}
