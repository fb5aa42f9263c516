import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sync } from './dom.js';

// A small stand-in for the DOM: elements with attributes, text and element
// children, counting the writes sync makes.
class FakeElement {
  constructor(tag, doc) { this.localName = tag; this.doc = doc; this.attrs = new Map(); this.kids = []; this.parent = null; this.text = ''; }
  get firstElementChild() { return this.kids[0] || null; }
  get nextElementSibling() { const k = this.parent.kids; return k[k.indexOf(this) + 1] || null; }
  get firstChild() { return this.kids[0] || (this.text ? { nodeType: 3 } : null); }
  get textContent() { return this.kids.length ? this.kids.map((k) => k.textContent).join('') : this.text; }
  set textContent(v) { this.doc.writes++; for (const k of this.kids) k.parent = null; this.kids = []; this.text = String(v); }
  insertBefore(e, ref) { this.doc.writes++; this.text = ''; e.parent = this; const i = ref ? this.kids.indexOf(ref) : this.kids.length; this.kids.splice(i, 0, e); return e; }
  remove() { this.doc.writes++; this.parent.kids.splice(this.parent.kids.indexOf(this), 1); this.parent = null; }
  getAttribute(k) { return this.attrs.has(k) ? this.attrs.get(k) : null; }
  hasAttribute(k) { return this.attrs.has(k); }
  setAttribute(k, v) { this.doc.writes++; this.attrs.set(k, String(v)); }
  removeAttribute(k) { this.doc.writes++; this.attrs.delete(k); }
}

function fakeDocument() {
  const doc = { writes: 0, created: 0 };
  doc.createElement = (tag) => { doc.created++; return new FakeElement(tag, doc); };
  return doc;
}

// shape reads an element back as specs.
function shape(e) {
  return e.kids.map((k) => {
    const s = { tag: k.localName };
    for (const a of ['class', 'title', 'scope']) if (k.hasAttribute(a)) s[a] = k.getAttribute(a);
    if (k.kids.length) s.children = shape(k); else s.text = k.text;
    return s;
  });
}

// strip drops what a spec leaves unset, as shape reads it.
function strip(specs) {
  return specs.map((s) => {
    const o = { tag: s.tag };
    for (const a of ['class', 'title', 'scope']) if (s[a] !== undefined && s[a] !== null) o[a] = String(s[a]);
    if (s.children && s.children.length) o.children = strip(s.children); else o.text = s.children ? '' : String(s.text ?? '');
    return o;
  });
}

test('sync builds what the specs say, reuses elements and writes only what changed', () => {
  const doc = fakeDocument();
  globalThis.document = doc;
  try {
    const list = doc.createElement('ul');
    const a = [{ tag: 'li', text: 'k1=v1' }, { tag: 'li', text: 'k2=v2', title: 'long' }, { tag: 'li', class: 'note', text: 'more' }];
    sync(list, a);
    assert.deepEqual(shape(list), strip(a));
    const first = list.kids[0];
    // The same specs again: nothing is written.
    doc.writes = 0;
    sync(list, a);
    assert.equal(doc.writes, 0);
    // One text changes: one write, the elements kept.
    const b = [{ tag: 'li', text: 'k1=v9' }, a[1], a[2]];
    doc.writes = 0;
    sync(list, b);
    assert.equal(doc.writes, 1);
    assert.equal(list.kids[0], first);
    assert.deepEqual(shape(list), strip(b));
    // Fewer items: the rest go; other tags and nesting are built.
    const c = [{ tag: 'li', children: [{ tag: 'span', class: 'eix', text: '7' }, { tag: 'span', text: 'T2' }] }, { tag: 'p', text: 'x' }];
    sync(list, c);
    assert.deepEqual(shape(list), strip(c));
    // Back to plain text in an element that held children, and no items.
    sync(list, [{ tag: 'li', text: 'plain' }]);
    assert.deepEqual(shape(list), strip([{ tag: 'li', text: 'plain' }]));
    sync(list, []);
    assert.deepEqual(shape(list), []);
  } finally {
    delete globalThis.document;
  }
});

test('sync matches specs in random sequences (each result equals a fresh build)', () => {
  const doc = fakeDocument();
  globalThis.document = doc;
  try {
    let s = 7;
    const r = (n) => { s = (s * 1103515245 + 12345) % 2 ** 31; return s % n; };
    const spec = (depth) => {
      const o = { tag: ['li', 'span', 'dd'][r(3)] };
      if (r(3) === 0) o.class = ['note', 'wide', 'x'][r(3)];
      if (r(4) === 0) o.title = `t${r(3)}`;
      if (depth < 2 && r(3) === 0) o.children = Array.from({ length: r(4) }, () => spec(depth + 1));
      else o.text = `v${r(5)}`;
      return o;
    };
    const list = doc.createElement('ol');
    for (let i = 0; i < 300; i++) {
      const specs = Array.from({ length: r(6) }, () => spec(0));
      sync(list, specs);
      assert.deepEqual(shape(list), strip(specs), `round ${i}`);
    }
  } finally {
    delete globalThis.document;
  }
});
