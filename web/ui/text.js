// Text from the cluster (keys, values, event sentences) as the page shows
// it: long texts cut with their full length said, and bidirectional
// control characters made visible so a key never displays reversed or
// reorders the text around it. DOM-free and pure.

/** SHORT_CHARS is how many characters of a text a row shows before it is cut. */
export const SHORT_CHARS = 200;

// The Unicode bidi controls: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO,
// LRI, RLI, FSI, PDI.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** visibleControls writes each bidi control in s as "[U+202E]" instead of obeying it. */
export function visibleControls(s) {
  return s.replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/**
 * shortText is how a row shows s: {text, title}. Bidi controls are made
 * visible; past max characters the text is cut with "… (N characters)"
 * (N is the length of s) and title holds the whole text, else title is
 * null.
 */
export function shortText(s, max = SHORT_CHARS) {
  const full = visibleControls(String(s));
  const chars = [...String(s)];
  const shown = [...full];
  if (shown.length <= max) return { text: full, title: null };
  return { text: `${shown.slice(0, max).join('')}… (${chars.length} characters)`, title: full };
}
