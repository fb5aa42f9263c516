// Small DOM helpers shared by the drawing modules: create elements, and
// change attributes and text only when they differ (writes are what cost).

export const SVGNS = 'http://www.w3.org/2000/svg';

function apply(e, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.setAttribute('class', v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  return e;
}

/** svg creates an SVG element with attributes, appended to parent if given. */
export function svg(tag, attrs, parent) {
  const e = apply(document.createElementNS(SVGNS, tag), attrs);
  if (parent) parent.appendChild(e);
  return e;
}

/** html creates an HTML element with attributes ("text" sets its text) and children. */
export function html(tag, attrs, ...children) {
  const e = apply(document.createElement(tag), attrs);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** setText sets an element's text if it changed. */
export function setText(e, text) {
  text = String(text);
  if (e.textContent !== text) e.textContent = text;
}

/** setAttr sets (or with null removes) an attribute if it changed. */
export function setAttr(e, k, v) {
  if (v === null || v === undefined) {
    if (e.hasAttribute(k)) e.removeAttribute(k);
    return;
  }
  v = String(v);
  if (e.getAttribute(k) !== v) e.setAttribute(k, v);
}

/** setClass sets the class attribute if it changed. */
export function setClass(e, cls) {
  if (e.getAttribute('class') !== cls) e.setAttribute('class', cls);
}

/** show hides or shows an element with the hidden attribute. */
export function show(e, on) {
  if (e.hidden === on) e.hidden = !on;
}

/** $ finds an element by id, failing loudly when the page lacks it. */
export function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e;
}

/**
 * sync makes parent's element children match specs, each {tag, text,
 * class, title, scope, children}: the elements already there are reused
 * where the tag matches at the same place and only what differs is written
 * (a panel redrawn in place costs the layout of what changed, not of all
 * it shows). text is ignored when children are given.
 */
export function sync(parent, specs) {
  let next = parent.firstElementChild;
  for (const s of specs) {
    let e = next;
    if (e && e.localName === s.tag) next = e.nextElementSibling;
    else {
      e = document.createElement(s.tag);
      parent.insertBefore(e, next);
    }
    setAttr(e, 'class', s.class);
    setAttr(e, 'title', s.title);
    setAttr(e, 'scope', s.scope);
    if (s.children) {
      if (e.firstChild && e.firstChild.nodeType !== 1) e.textContent = ''; // it held text before
      sync(e, s.children);
    }
    else setText(e, s.text ?? '');
  }
  while (next) {
    const gone = next;
    next = next.nextElementSibling;
    gone.remove();
  }
}
