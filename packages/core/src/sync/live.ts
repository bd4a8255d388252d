import type { EvaluationContext, FlagValue, FlagValueType, JsonObject, ResolutionDetails } from '../model/types.js';
import { TypedResolver } from '../evaluation/typed-resolver.js';
import type { SnapshotStore } from './store.js';

/**
 * The synchronous evaluator bound to whatever snapshot is live: the OpenFeature SDK's own call path
 * costs microseconds, this costs nanoseconds. Before the first snapshot it answers PROVIDER_NOT_READY.
 */
export class LiveEvaluator extends TypedResolver {
  /** `problem`: why there is nothing yet (the source's last problem), for the not-ready message. */
  constructor(
    protected readonly store: SnapshotStore,
    private readonly problem?: () => { readonly message: string } | undefined,
  ) {
    super();
  }

  resolve<T>(flagKey: string, type: FlagValueType | undefined, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T | FlagValue> {
    const snapshot = this.store.snapshot;
    if (snapshot === undefined) {
      const why = this.problem?.()?.message;
      return { value: defaultValue, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY', errorMessage: `no flag definitions loaded yet${why ? `: ${why}` : ''}`, flagMetadata: {} };
    }
    return snapshot.resolve(flagKey, type, defaultValue, context);
  }

  // The value getters skip the details: the same value as `resolveXEvaluation(...).value`, cheaper.
  getBooleanValue(flagKey: string, defaultValue: boolean, context?: EvaluationContext): boolean {
    const snapshot = this.store.snapshot;
    return snapshot === undefined ? defaultValue : (snapshot.valueFor(flagKey, 'boolean', defaultValue, context) as boolean);
  }

  getStringValue(flagKey: string, defaultValue: string, context?: EvaluationContext): string {
    const snapshot = this.store.snapshot;
    return snapshot === undefined ? defaultValue : (snapshot.valueFor(flagKey, 'string', defaultValue, context) as string);
  }

  getNumberValue(flagKey: string, defaultValue: number, context?: EvaluationContext): number {
    const snapshot = this.store.snapshot;
    return snapshot === undefined ? defaultValue : (snapshot.valueFor(flagKey, 'number', defaultValue, context) as number);
  }

  getObjectValue<T extends JsonObject>(flagKey: string, defaultValue: T, context?: EvaluationContext): T {
    const snapshot = this.store.snapshot;
    return snapshot === undefined ? defaultValue : (snapshot.valueFor(flagKey, 'object', defaultValue, context) as T);
  }
}
