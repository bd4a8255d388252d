export { SwitchyardServer, type SwitchyardServerOptions } from './server.js';
export { Environment, type Published, type AuditEntry } from './environment.js';
export { FileSource, type FileSourceOptions } from '@switchyard/node';
export { parseAccessConfig, ConfigError, type AccessConfig, type KeySpec } from './access.js';
export { clientDocument, type Scope } from './audience.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
