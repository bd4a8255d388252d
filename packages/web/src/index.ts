export { SwitchyardWebProvider, type SwitchyardWebProviderOptions } from './provider.js';
export type { WebProviderOptions } from './options.js';
export { SwitchyardOfrepProvider } from './ofrep-provider.js';
