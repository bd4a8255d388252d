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
export { compileRegex, RegexSyntaxError, MAX_REGEX_DEPTH, MAX_REGEX_INPUT, MAX_REGEX_STEPS, type LinearRegex } from './targeting/regex.js';
export { parseTimestamp } from './targeting/timestamp.js';
export { extensionOperators, typedCompare, type Op } from './targeting/operators/extensions.js';
export type { Operator, OperatorInput } from './targeting/operator.js';
export type { Rule, Compiled, CompileEnv, Clock } from './targeting/rule.js';
export { backoffDelay, retryAfterMs, type BackoffOptions } from './sync/backoff.js';
export { flagFingerprint, definitionHolds, pinOf, applyPins, pinNote, type Pin, type LiftedPin } from './snapshot/pins.js';
export { SnapshotStore, type ApplyResult, type SnapshotTransform } from './sync/store.js';
export { PinSet, type PinSetOptions } from './sync/pin-set.js';
export type { SyncListener, SyncSource, SyncSink, SourceStatus, SourceProblem } from './sync/events.js';
export { SyncEngine, type SyncEngineOptions } from './sync/engine.js';
export { systemTimers, type Timers } from './sync/timers.js';
export { StatusMachine, type StatusMachineOptions } from './sync/status.js';
export { Poller, PollError, retry, type PollAttempt, type PollerOptions } from './sync/poller.js';
export { HttpPoller, conditionalRequest, isFinalStatus, reasonOf, type HttpPollerOptions, type ConditionalAnswer } from './sync/http-poller.js';
export { serverSource, type ServerSourceOptions } from './sync/server-source.js';
export { readCapped, capEvents, eventCap } from './sync/body.js';
export { SseStream, type SseStreamOptions, type EventSourceLike, type EventSourceFactory } from './sync/sse-stream.js';
export { LiveEvaluator } from './sync/live.js';
export { serverUrl, serverUrlProblem, bearer, type ServerConnection } from './protocol/connection.js';
export { PATHS, HEADERS, QUERY, SSE_EVENTS, type SseEventName, type StreamPayload, type HeartbeatPayload, type RollbackRequest, type EvidenceBatch, type OfrepRequest, type OfrepResult } from './protocol/wire.js';
export {
  ProviderLifecycle,
  ProviderStartError,
  toOpenFeatureError,
  statusEvent,
  type OpenFeatureErrorTypes,
  type ProviderLifecycleOptions,
  type LifecycleEngine,
  type ProviderEventName,
  type ProviderEventDetails,
  type EmitEvent,
} from './provider/lifecycle.js';
export { addLatency, emptyArm, errorRate, errorRateTest, geometricMeanLatency, latencyTest, meanLatency, type Arm, type ErrorRateTest, type SequentialTest, type TestOptions } from './rollout/stats.js';
export { addArm, armOf, armSummary, cloneArm, DEFAULT_GUARD, guardControlOf, guardSettingsOf, judge, type ArmSummary, type GuardSettings, type Verdict } from './rollout/judge.js';
export { STAGES, isStage, readPlan, writePlan, previousSafeStage, isMigrationFlag, migrationIssues, type Stage, type Origin, type ReadPlan, type WritePlan } from './migration/stages.js';
