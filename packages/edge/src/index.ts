export { EdgeFlags } from './flags.js';
export type { EdgeFlagsOptions, WaitUntil } from './options.js';
