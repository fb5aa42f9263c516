// Keyboard shortcuts: one table drives both the handler and the list shown
// on the page. DOM-free and pure.

/** SHORTCUTS lists every shortcut: the keys, what the page shows, the action. */
export const SHORTCUTS = [
  { keys: [' '], name: 'Space', action: 'toggle-play', text: 'Play / pause' },
  { keys: ['n'], name: 'N', action: 'next', text: 'Step to the next event' },
  { keys: ['+', '='], name: '+ / −', action: 'faster', text: 'Faster / slower' },
  { keys: ['-', '_'], name: null, action: 'slower', text: 'Slower' },
  { keys: ['ArrowLeft'], name: '← / →', action: 'back', text: 'Travel 1 s back / forward (pauses)' },
  { keys: ['ArrowRight'], name: null, action: 'forward', text: 'Travel 1 s forward' },
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], name: '1–9', action: 'select', text: 'Select a node' },
  { keys: ['c'], name: 'C', action: 'crash', text: 'Crash the selected node' },
  { keys: ['r'], name: 'R', action: 'restart', text: 'Restart the selected node' },
  { keys: ['i'], name: 'I', action: 'isolate', text: 'Isolate the selected node' },
  { keys: ['t'], name: 'T', action: 'campaign', text: 'Force its election timeout' },
  { keys: ['l'], name: 'L', action: 'transfer', text: 'Transfer leadership to it' },
  { keys: ['h'], name: 'H', action: 'heal', text: 'Heal every link' },
  { keys: ['m'], name: 'M', action: 'manual', text: 'Manual delivery on / off' },
  { keys: ['[', ']'], name: '[ / ]', action: 'cycle-message', text: 'Select the previous / next message' },
  { keys: ['d'], name: 'D', action: 'deliver', text: 'Deliver the selected message (manual)' },
  { keys: ['u'], name: 'U', action: 'duplicate', text: 'Duplicate the selected message (manual)' },
  { keys: ['x', 'Delete'], name: 'X', action: 'drop', text: 'Drop the selected message' },
  { keys: ['Escape'], name: 'Esc', action: 'deselect', text: 'Clear the message selection' },
  { keys: ['?'], name: '?', action: 'help', text: 'Show the shortcuts' },
];

/**
 * shownShortcuts are the rows of the shortcut list on the page, leaving out
 * those whose action hidden(action) says the engine cannot do (time travel
 * and manual delivery on native nodes).
 */
export function shownShortcuts(hidden = () => false) {
  return SHORTCUTS.filter((s) => s.name && !hidden(s.action)).map((s) => ({ name: s.name, text: s.text }));
}

/**
 * sliderKeyAction maps a key pressed on the time slider: all four arrows
 * travel 1 s (the slider's own step is 1 ms), other shortcuts act as
 * anywhere else, and Home, End and the page keys keep the slider's meaning.
 */
export function sliderKeyAction(key, mods = {}) {
  if (mods.ctrlKey || mods.metaKey || mods.altKey) return null;
  if (key === 'ArrowLeft' || key === 'ArrowDown') return { action: 'back' };
  if (key === 'ArrowRight' || key === 'ArrowUp') return { action: 'forward' };
  return actionForKey(key, mods);
}

/**
 * actionForKey maps a key press to {action, node?, dir?}, or null. Letter
 * keys ignore case; modifier combinations (ctrl, alt, meta) are the
 * browser's.
 */
export function actionForKey(key, mods = {}) {
  if (mods.ctrlKey || mods.metaKey || mods.altKey) return null;
  const k = key.length === 1 ? key.toLowerCase() : key;
  const s = SHORTCUTS.find((x) => x.keys.includes(k));
  if (!s) return null;
  if (s.action === 'select') return { action: 'select', node: Number(k) };
  if (s.action === 'cycle-message') return { action: 'cycle-message', dir: k === '[' ? -1 : 1 };
  return { action: s.action };
}
