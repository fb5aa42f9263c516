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
