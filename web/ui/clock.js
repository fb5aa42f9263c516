// Virtual time against wall time: the speed control and what each animation
// frame asks the engine to advance. DOM-free and pure.
import { LIMITS } from './schema.js';

/** SPEEDS are the speeds offered, in virtual ms per wall ms. */
export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100];

/** MAX_WALL_MS caps the wall time one frame accounts for (after a stall or a hidden tab). */
export const MAX_WALL_MS = 100;

/** MAX_ADVANCE_MS is the engine's limit on one frame call (wire.MaxAdvanceMS, from schema.js). */
export const MAX_ADVANCE_MS = LIMITS.advance_ms;

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

/** RATE_WINDOW_MS is the wall time the actual-speed meter averages over. */
export const RATE_WINDOW_MS = 1000;

/**
 * meterStep folds one animation frame into the actual-speed meter. m is
 * {t0, v0, rate}: wall and virtual ms at the start of the window, and the
 * last rate measured (virtual ms per wall ms, null before a full window).
 * Pausing or going back in time starts over.
 */
export function meterStep(m, now, vtime, playing) {
  if (!playing || !m) return { t0: now, v0: vtime, rate: null };
  if (vtime < m.v0) return { t0: now, v0: vtime, rate: m.rate };
  if (now - m.t0 < RATE_WINDOW_MS) return m;
  return { t0: now, v0: vtime, rate: (vtime - m.v0) / (now - m.t0) };
}

/**
 * lagging returns the actual speed to show when it falls short of the speed
 * asked for by more than 10%, or null when it keeps up (or is unknown).
 */
export function lagging(rate, speed) {
  return rate !== null && rate < 0.9 * speed ? rate : null;
}

/** formatSpeed names a speed for the speed control: "0.1×", "1×", "100×". */
export function formatSpeed(s) {
  return `${s}×`;
}

/** formatRate shows a measured speed: "45×", "2.5×", "0.09×". */
export function formatRate(r) {
  return `${r >= 10 ? Math.round(r) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** formatTime shows virtual ms as seconds with 3 decimals: 200 -> "0.200". */
export function formatTime(ms) {
  return (ms / 1000).toFixed(3);
}
