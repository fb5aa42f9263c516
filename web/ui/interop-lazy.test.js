import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lazyInterop } from './interop-lazy.js';

test('the interop module is imported once, on first use, and its progress reaches every listener', async () => {
  let imports = 0, made = 0;
  let progress = null;
  const lazy = lazyInterop(async () => {
    imports++;
    return { createInterop: (opts) => { made++; progress = opts.onProgress; return { play: async () => ({ steps: [] }) }; } };
  });
  assert.equal(imports, 0);
  assert.equal(lazy.loaded, false);
  const seen = [];
  const stop = lazy.onProgress((a, b) => seen.push([a, b]));
  const [c1, c2] = await Promise.all([lazy.get(), lazy.get()]);
  assert.equal(c1, c2);
  assert.equal(imports, 1);
  assert.equal(made, 1);
  assert.equal(lazy.loaded, true);
  progress(10, 100);
  stop();
  progress(100, 100);
  assert.deepEqual(seen, [[10, 100]]);
});
