import { LiveEvaluator, type EvaluationContext, type FlagValue, type FlagValueType, type ResolutionDetails } from '@switchyard/core';

/** Why a flag is pinned to a variant in this process (a guard's rollback, or an operator's call). */
export interface Override {
  readonly variant: string;
  readonly reason: string;
}

/**
 * The live evaluator with per-flag overrides: an overridden flag resolves to its pinned variant for
 * everyone, from the very next evaluation — reason STATIC (no rule ran), `flagMetadata.rolledBack`
 * saying why. The override holds until it is cleared or the flag's
 * definition changes at the source (someone acted on it).
 */
export class OverridableEvaluator extends LiveEvaluator {
  readonly overrides = new Map<string, Override>();

  override resolve<T>(flagKey: string, type: FlagValueType | undefined, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T | FlagValue> {
    const override = this.overrides.size > 0 ? this.overrides.get(flagKey) : undefined;
    const flag = override && this.store.snapshot?.flags.get(flagKey);
    if (!override || !flag || !flag.variants.has(override.variant) || (type !== undefined && flag.type !== type)) return super.resolve(flagKey, type, defaultValue, context);
    return { value: flag.variants.get(override.variant)!, variant: override.variant, reason: 'STATIC', flagMetadata: { ...flag.metadata, rolledBack: override.reason } };
  }
}
