// Helpers for tests that run in Node: files, loopback servers, an SSE reader, the shared vectors.
export { tempDir, writeAtomically } from './files.js';
export { listenOnLoopback, closeServer } from './loopback.js';
export { SseClient, type SseEvent } from './sse-client.js';
export { TcpGate } from './tcp-gate.js';
export { flood, type Flood } from './flood.js';
export { startPostgres, type ThrowawayPostgres } from './postgres.js';
export { AppConfigDataServer, type ProtocolServerOptions } from './appconfigdata-server.js';
export { fractionalVectors, VECTORS_PATH, type FractionalCase } from './vectors.js';
export { waitFor } from './wait.js';
export { ManualTimers, settle } from './manual-timers.js';
