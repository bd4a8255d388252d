/**
 * The clock and timers the sync machinery uses, injectable so tests drive time instead of sleeping.
 * Handles are opaque: Node's objects, browsers' numbers, or a test clock's own.
 */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The platform's own clock and timers. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
