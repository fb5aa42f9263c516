// Virtual time against wall time: the speed control and what each animation
// frame asks the engine to advance. DOM-free and pure.

/** SPEEDS are the speeds offered, in virtual ms per wall ms. */
export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100];

/** MAX_WALL_MS caps the wall time one frame accounts for (after a stall or a hidden tab). */
export const MAX_WALL_MS = 100;

/** MAX_ADVANCE_MS is the engine's limit on one frame call. */
export const MAX_ADVANCE_MS = 60000;

/**
 * advanceFor returns the whole virtual ms to advance for wallMs of wall time
 * at speed, and the fraction carried to the next frame, so that slow speeds
 * (0.1x: 1.6 virtual ms per frame) still add up exactly.
 */
export function advanceFor(wallMs, speed, carry = 0) {
  const exact = Math.min(Math.max(0, wallMs), MAX_WALL_MS) * speed + carry;
  const whole = Math.min(Math.floor(exact), MAX_ADVANCE_MS);
  return { advance: whole, carry: Math.min(exact - whole, 1) };
}

/** nextSpeed steps through SPEEDS (dir +1 faster, -1 slower), staying in range. */
export function nextSpeed(speed, dir) {
  let i = SPEEDS.indexOf(speed);
  if (i < 0) i = SPEEDS.findIndex((s) => s >= speed);
  if (i < 0) i = SPEEDS.length - 1;
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + dir))];
}

/** formatSpeed names a speed for the speed control: "0.1×", "1×", "100×". */
export function formatSpeed(s) {
  return `${s}×`;
}

/** formatTime shows virtual ms as seconds with 3 decimals: 200 -> "0.200". */
export function formatTime(ms) {
  return (ms / 1000).toFixed(3);
}
