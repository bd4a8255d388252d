import type { FlagDocument } from '../model/document.js';
import type { Issue } from '../model/issues.js';
import type {
  EvaluationContext,
  FlagMetadata,
  FlagValue,
  FlagValueType,
  JsonObject,
  ResolutionDetails,
} from '../model/types.js';
import type { Flag, Resolution } from './flag.js';

const EMPTY_CONTEXT: EvaluationContext = Object.freeze({});

/**
 * An immutable, compiled set of flags. Evaluation is synchronous, never throws and does no I/O;
 * a result that found its variant is a shared frozen object (no allocation on the hot path).
 */
export class Snapshot {
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
    Object.freeze(this);
  }

  /** Flag keys in document order. */
  keys(): string[] {
    return [...this.flags.keys()];
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

  resolveObjectEvaluation<T extends JsonObject = JsonObject>(flagKey: string, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T> {
    return this.resolve(flagKey, 'object', defaultValue, context) as ResolutionDetails<T>;
  }

  /**
   * Resolves a flag. With `type`, a variant of another type yields ERROR / TYPE_MISMATCH and the
   * default; with `type` undefined any variant type is accepted (CLI, OFREP).
   */
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
    const result: Resolution = flag.state === 'DISABLED' ? flag.disabledResult : flag.evaluate(context ?? EMPTY_CONTEXT);
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
