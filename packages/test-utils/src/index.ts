// Browser-safe helpers (no Node imports): the Chromium tests use these too.
export { waitFor } from './wait.js';
export { ManualTimers, settle } from './manual-timers.js';
export { seededRandom } from './random.js';
