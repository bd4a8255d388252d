import type { EvaluationContext, FlagValue, FlagValueType, JsonObject, ResolutionDetails } from '../model/types.js';

/**
 * The typed OpenFeature-style getters, written once on top of `resolve`: a snapshot implements
 * `resolve` directly, the live evaluator by delegating to whichever snapshot is current.
 */
export abstract class TypedResolver {
  /**
   * Resolves a flag. With `type`, a variant of another type yields ERROR / TYPE_MISMATCH and the
   * default; with `type` undefined any variant type is accepted (CLI, OFREP).
   */
  abstract resolve<T>(flagKey: string, type: FlagValueType | undefined, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T | FlagValue>;

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
}
