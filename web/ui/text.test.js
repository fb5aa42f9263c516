import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortText, visibleControls, SHORT_CHARS } from './text.js';

test('a long text is shown cut, with an ellipsis and its full length; the whole text is the tooltip', () => {
  const long = `console: set x=${'v'.repeat(4096)}`;
  const s = shortText(long);
  assert.ok([...s.text].length < SHORT_CHARS + 30, `shown ${s.text.length} characters`);
  assert.ok(s.text.startsWith('console: set x=vvv'));
  assert.match(s.text, /… \(4111 characters\)$/);
  assert.equal(s.title, long);
  assert.deepEqual(shortText('set x=1'), { text: 'set x=1', title: null });
  // Cut at a character, never inside a surrogate pair.
  const emoji = shortText('😀'.repeat(SHORT_CHARS + 1));
  assert.ok(emoji.text.startsWith('😀'.repeat(SHORT_CHARS)));
  assert.match(emoji.text, /… \(201 characters\)$/);
});

test('bidi controls in a key are shown, not obeyed, so a key never displays reversed', () => {
  const key = 'user\u202Egnp.exe';
  assert.equal(visibleControls(key), 'user[U+202E]gnp.exe');
  assert.equal(visibleControls('a\u2066b\u2069\u200Fc'), 'a[U+2066]b[U+2069][U+200F]c');
  const s = shortText(`console: set ${key}=1`);
  assert.equal(s.text, 'console: set user[U+202E]gnp.exe=1');
  assert.equal(s.title, null, 'shown whole: no tooltip needed');
  assert.match(shortText(`set ${key}=${'v'.repeat(300)}`).title, /^set user\[U\+202E\]gnp\.exe=v/, 'the tooltip shows the control too');
  assert.equal(visibleControls('plain عربي text'), 'plain عربي text', 'right-to-left letters themselves are kept');
});
