import type { FlagDocument } from '../model/document.js';
import type { Issue } from '../model/issues.js';
import { TypedResolver } from '../evaluation/typed-resolver.js';
import type { EvaluationContext, FlagMetadata, FlagValue, FlagValueType, ResolutionDetails } from '../model/types.js';
import type { Flag, Resolution } from './flag.js';

const EMPTY_CONTEXT: EvaluationContext = /* @__PURE__ */ Object.freeze({});

/**
 * An immutable, compiled set of flags. Evaluation is synchronous, never throws and does no I/O;
 * a result that found its variant is a shared frozen object (no allocation on the hot path).
 */
export class Snapshot extends TypedResolver {
  /** @internal use `parseFlags` / `loadSnapshot`. */
  constructor(
    readonly flags: ReadonlyMap<string, Flag>,
    /** Flag-set metadata (`metadata` at the top of the document). */
    readonly metadata: FlagMetadata,
    /** The validated document, deep-frozen: what a server re-serves. */
    readonly document: FlagDocument,
    /** Flags whose targeting was rejected (they resolve ERROR / PARSE_ERROR; the rest work). */
    readonly flagIssues: readonly Issue[],
  ) {
    super();
    Object.freeze(this);
  }

  /** Flag keys in document order. */
  keys(): string[] {
    return [...this.flags.keys()];
  }

  /**
   * The value alone, for the typed getters (`getBooleanValue`, …): always `resolve(...).value`, without
   * building the details around it.
   */
  valueFor<T>(flagKey: string, type: FlagValueType, defaultValue: T, context?: EvaluationContext): T | FlagValue {
    const flag = this.flags.get(flagKey);
    if (flag === undefined || flag.type !== type) return defaultValue;
    const value = flag.evaluate(context ?? EMPTY_CONTEXT).value;
    return value === undefined ? defaultValue : value;
  }

  resolve<T>(flagKey: string, type: FlagValueType | undefined, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T | FlagValue> {
    const flag = this.flags.get(flagKey);
    if (flag === undefined) {
      return {
        value: defaultValue,
        reason: 'ERROR',
        errorCode: 'FLAG_NOT_FOUND',
        errorMessage: `flag '${flagKey}' not found`,
        flagMetadata: this.metadata,
      };
    }
    const result: Resolution = flag.evaluate(context ?? EMPTY_CONTEXT);
    if (result.value === undefined) return { ...result, value: defaultValue };
    if (type !== undefined && type !== flag.type) {
      return {
        value: defaultValue,
        reason: 'ERROR',
        errorCode: 'TYPE_MISMATCH',
        errorMessage: `flag '${flagKey}' has ${flag.type} variants, not ${type}`,
        flagMetadata: flag.metadata,
      };
    }
    return result as ResolutionDetails<FlagValue>;
  }
}
