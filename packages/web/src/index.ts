export { SwitchyardWebProvider, type SwitchyardWebProviderOptions } from './provider.js';
export type { WebProviderOptions } from './options.js';
