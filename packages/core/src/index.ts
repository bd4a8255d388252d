export type {
  JsonPrimitive,
  JsonValue,
  JsonObject,
  FlagValue,
  FlagValueType,
  EvaluationContext,
  ResolutionReason,
  ErrorCode,
  MetadataValue,
  FlagMetadata,
  ResolutionDetails,
  FlagState,
} from './model/types.js';
export { FlagDocumentError, formatIssue, childPath, type Issue } from './model/issues.js';
export { DEFAULT_LIMITS, type Limits } from './model/limits.js';
export type { FlagDocument, FlagDefinition } from './model/document.js';
export { parseFlags, loadSnapshot, type LoadOptions, type ParseResult, type Translator, type TranslateResult } from './snapshot/load.js';
export { readJson } from './model/document.js';
export { Snapshot } from './snapshot/snapshot.js';
export type { Flag, Resolution } from './snapshot/flag.js';
export { diffSnapshots, changedFlagKeys, deepEqual, type SnapshotDiff } from './snapshot/diff.js';
export { murmur3Utf8 } from './bucketing/murmur3.js';
export { bucketOf, bucketFor, MAX_TOTAL_WEIGHT } from './bucketing/bucket.js';
export { parseSemVer, compareSemVer, type SemVer } from './targeting/semver.js';
export { compileRegex, RegexSyntaxError, type LinearRegex } from './targeting/regex.js';
export { parseTimestamp } from './targeting/timestamp.js';
export { extensionOperators, typedCompare, type Op } from './targeting/operators/extensions.js';
export type { Operator, OperatorInput } from './targeting/operator.js';
export type { Rule, Compiled, CompileEnv, Clock } from './targeting/rule.js';
export { backoffDelay, retryAfterMs, type BackoffOptions } from './sync/backoff.js';
export { SnapshotStore, type ApplyResult } from './sync/store.js';
export type { SyncListener, SyncSource, SyncSink } from './sync/events.js';
export { SyncEngine, type SyncEngineOptions } from './sync/engine.js';
export { HttpPoller, type HttpPollerOptions } from './sync/http-poller.js';
export { SseStream, type SseStreamOptions, type EventSourceLike, type EventSourceFactory } from './sync/sse-stream.js';
export { LiveEvaluator } from './sync/live.js';
export { serverUrl, bearer, type ServerConnection } from './sync/server-endpoint.js';
