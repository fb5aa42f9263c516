import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNetwork, NETWORK_FIELDS } from './network.js';

const form = (v) => NETWORK_FIELDS.map((f) => ({ ...f, value: String(v[f.id]), min: '0', max: f.unit === 'ms' ? '60000' : '100' }));

test('network settings are checked in the page, naming the field, its range and unit', () => {
  const ok = readNetwork(form({ 'lat-min': 10, 'lat-max': 30, drop: 5, dup: 0, reorder: 12.5 }));
  assert.deepEqual(ok, { network: { min_latency_ms: 10, max_latency_ms: 30, drop_rate: 0.05, duplicate_rate: 0, reorder_rate: 0.125 } });
  assert.deepEqual(readNetwork(form({ 'lat-min': 50, 'lat-max': 20, drop: 0, dup: 0, reorder: 0 })),
    { error: 'Network settings: latency min (50 ms) is above latency max (20 ms); make min at most max', field: 'lat-min' });
  assert.deepEqual(readNetwork(form({ 'lat-min': 0, 'lat-max': 70000, drop: 0, dup: 0, reorder: 0 })),
    { error: 'Network settings: latency max is 70000 ms; it must be from 0 to 60000 ms', field: 'lat-max' });
  assert.deepEqual(readNetwork(form({ 'lat-min': 0, 'lat-max': 10, drop: 150, dup: 0, reorder: 0 })),
    { error: 'Network settings: drop is 150 %; it must be from 0 to 100 %', field: 'drop' });
  assert.deepEqual(readNetwork(form({ 'lat-min': '', 'lat-max': 10, drop: 0, dup: 0, reorder: 0 })),
    { error: 'Network settings: latency min is not a number (from 0 to 60000 ms)', field: 'lat-min' });
  assert.equal(readNetwork(form({ 'lat-min': 1.5, 'lat-max': 10, drop: 0, dup: 0, reorder: 0 })).error,
    'Network settings: latency min is 1.5 ms; it must be a whole number of ms');
});
