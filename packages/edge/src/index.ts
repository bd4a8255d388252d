export { EdgeFlags } from './flags.js';
export type { EdgeFlagsOptions, WaitUntil } from './options.js';
export type { FlagCache } from './cache.js';
