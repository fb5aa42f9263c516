import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

// The modules directly in web/ui are the DOM-free model: they run under
// node --test. Drawing lives in render/, input in controls/ (web/doc.go).
const BROWSER = /\b(document|window|location|navigator|requestAnimationFrame|getComputedStyle|HTMLElement)\b/;
const IMPORTS_DOM = /from '\.\/(render|controls)\//;

/** code is a module's source without its comments and strings' contents. */
function code(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/(['`])(?:\\.|(?!\1)[^\\\n])*\1/g, (m) => (m.startsWith("'./") || m.startsWith("'../") ? m : "''"));
}

test('the modules of web/ui (outside render/ and controls/) use no DOM and import no drawing', () => {
  const dir = new URL('./', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
  assert.ok(files.includes('page-state.js') && files.includes('join.js') && files.includes('key-actions.js'));
  for (const f of files) {
    const src = readFileSync(new URL(f, dir), 'utf8');
    const c = code(src);
    assert.doesNotMatch(c, BROWSER, `${f} uses the browser's DOM`);
    assert.doesNotMatch(src, IMPORTS_DOM, `${f} imports a DOM module`);
  }
});
