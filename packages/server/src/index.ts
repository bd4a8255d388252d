export { SwitchyardServer, type SwitchyardServerOptions } from './server.js';
export { Environment, type Published, type AuditEntry, type Representation, type EnvironmentOptions, type Listener } from './environment.js';
export { Metrics } from './metrics.js';
export type { Rollback } from './rollbacks.js';
export type { StreamOptions } from './http/sse.js';
export { FileSource, type FileSourceOptions } from '@switchyard/node';
export { parseAccessConfig, ConfigError, type AccessConfig, type KeySpec } from './access.js';
export { clientDocument, type Scope } from './audience.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
