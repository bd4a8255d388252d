export { SwitchyardProvider, type TrackingEvent } from './provider.js';
export { SwitchyardConfigError, type SwitchyardProviderOptions, type SourceOptions } from './options.js';
export { ExposureHook, type Exposure } from './exposures.js';
export { FileSource, type FileSourceOptions } from '@switchyard/file';
export { createSource } from './sources.js';
export { RolloutGuard, type RolloutGuardOptions, type RollbackDecision, type ArmSummary, type ReportOutcome } from './guard/guard.js';
export { errorRateTest, latencyTest, type Arm, type ErrorRateTest, type SequentialTest, type TestOptions } from './guard/stats.js';
export type { Pin } from '@switchyard/core';
