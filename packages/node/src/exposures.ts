import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';

export interface Exposure {
  readonly flagKey: string;
  readonly variant: string | undefined;
  readonly reason: string | undefined;
  readonly targetingKey: string | undefined;
  readonly time: number;
}

/**
 * An OpenFeature hook that counts exposures per flag and variant (the denominator of an experiment),
 * and passes each one to `onExposure` if given (e.g. to an analytics pipeline).
 */
export class ExposureHook implements Hook {
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(private readonly onExposure?: (exposure: Exposure) => void) {}

  after(hookContext: HookContext, details: EvaluationDetails<FlagValue>): void {
    const variant = details.variant ?? `(${details.reason ?? 'none'})`;
    let byVariant = this.counts.get(details.flagKey);
    if (!byVariant) this.counts.set(details.flagKey, (byVariant = new Map()));
    byVariant.set(variant, (byVariant.get(variant) ?? 0) + 1);
    this.onExposure?.({
      flagKey: details.flagKey,
      variant: details.variant,
      reason: details.reason,
      targetingKey: hookContext.context.targetingKey,
      time: Date.now(),
    });
  }

  /** Exposures so far: flag key → variant → count (no variant: "(REASON)"). */
  totals(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.counts].map(([flag, variants]) => [flag, Object.fromEntries(variants)]));
  }

  reset(): void {
    this.counts.clear();
  }
}
