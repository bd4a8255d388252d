export { SwitchyardProvider, type TrackingEvent } from './provider.js';
export { SwitchyardConfigError, type SwitchyardProviderOptions, type SourceOptions, type AppConfigSurface } from './options.js';
export { ExposureHook, type Exposure } from './exposures.js';
export { FileSource, type FileSourceOptions } from './file-source.js';
export { createSource } from './sources.js';
