// The console's key and value, checked in the page before a command is
// sent: the engine counts UTF-8 bytes, and reports its limits in every view
// (view.limits), so the page counts the same way and copies no number.
// DOM-free and pure.

const encoder = new TextEncoder();

/** utf8Bytes is the length of s in UTF-8, as the engine counts it. */
export function utf8Bytes(s) {
  return encoder.encode(s).length;
}

/**
 * checkKeyValue returns why a key and value cannot be sent for the action
 * named what ("Set", "Get", "Del"), or null. limits is the view's
 * {key_bytes, value_bytes}; without it only an empty key is refused here.
 */
export function checkKeyValue(what, key, value, limits) {
  if (!key) return `${what}: the key is empty`;
  if (!limits) return null;
  for (const [field, text, max] of [['key', key, limits.key_bytes], ['value', value, limits.value_bytes]]) {
    const n = utf8Bytes(text);
    if (max > 0 && n > max) {
      return `${what}: the ${field} is ${n} bytes (${[...text].length} characters); it must be at most ${max} bytes of UTF-8`;
    }
  }
  return null;
}
