import type { EvaluationContext, FlagValue, FlagValueType, JsonObject, ResolutionDetails } from '../model/types.js';
import type { SnapshotStore } from './store.js';

/**
 * The synchronous evaluator bound to whatever snapshot is live: the OpenFeature SDK's own call path
 * costs microseconds, this costs nanoseconds. Before the first snapshot it answers PROVIDER_NOT_READY.
 */
export class LiveEvaluator {
  constructor(private readonly store: SnapshotStore) {}

  resolve<T>(flagKey: string, type: FlagValueType | undefined, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T | FlagValue> {
    const snapshot = this.store.snapshot;
    if (snapshot === undefined) {
      return { value: defaultValue, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY', errorMessage: 'no flag definitions loaded yet', flagMetadata: {} };
    }
    return snapshot.resolve(flagKey, type, defaultValue, context);
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context?: EvaluationContext): ResolutionDetails<boolean> {
    return this.resolve(flagKey, 'boolean', defaultValue, context) as ResolutionDetails<boolean>;
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context?: EvaluationContext): ResolutionDetails<string> {
    return this.resolve(flagKey, 'string', defaultValue, context) as ResolutionDetails<string>;
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context?: EvaluationContext): ResolutionDetails<number> {
    return this.resolve(flagKey, 'number', defaultValue, context) as ResolutionDetails<number>;
  }

  resolveObjectEvaluation<T extends JsonObject>(flagKey: string, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T> {
    return this.resolve(flagKey, 'object', defaultValue, context) as ResolutionDetails<T>;
  }

  getBooleanValue(flagKey: string, defaultValue: boolean, context?: EvaluationContext): boolean {
    return this.resolveBooleanEvaluation(flagKey, defaultValue, context).value;
  }

  getStringValue(flagKey: string, defaultValue: string, context?: EvaluationContext): string {
    return this.resolveStringEvaluation(flagKey, defaultValue, context).value;
  }

  getNumberValue(flagKey: string, defaultValue: number, context?: EvaluationContext): number {
    return this.resolveNumberEvaluation(flagKey, defaultValue, context).value;
  }

  getObjectValue<T extends JsonObject>(flagKey: string, defaultValue: T, context?: EvaluationContext): T {
    return this.resolveObjectEvaluation(flagKey, defaultValue, context).value;
  }
}
