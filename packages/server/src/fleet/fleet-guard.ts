import { armSummary, errorRate, guardControlOf, guardSettingsOf, judge, type Arm, type ArmSummary, type Verdict } from '@switchyard/core';
import type { Environment } from '../environment.js';
import { definitionHash } from '../store/state-store.js';
import type { Batch, EvidencePool } from './evidence.js';

/** A fleet-wide rollback and the numbers that decided it (kept in its audit entry). */
export interface FleetDecision {
  readonly from: string;
  readonly to: string;
  readonly metric: Verdict['metric'];
  readonly test: Verdict['test'];
  readonly control: ArmSummary;
  readonly treatment: ArmSummary;
  /** When the pooled evidence first showed the treatment worse than control by more than the margin (not yet significant). */
  readonly faultAt?: string;
  /** Instances whose batches were pooled for this definition, as far as this server saw. */
  readonly instances: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The server's half of guarded rollouts: every instance's evidence pooled (in the store, so replicas
 * agree), and the same sequential test as the in-process guard run on the pooled counts after each
 * batch. When a treatment is worse, control is pinned fleet-wide exactly like a reported rollback.
 * Flags opt out with `"guard": false` in their metadata; `guardControl`, `guardMargin`, … set the rest.
 */
export class FleetGuard {
  /** flag → definition → when its pooled evidence first looked bad, and which instances sent it. */
  private readonly watch = new Map<string, { definition: string; faultAt?: string; instances: Set<string>; decided?: boolean }>();

  constructor(
    private readonly env: Environment,
    private readonly pool: EvidencePool,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a batch (once) and judges its flags; the flags it rolled back. Throws when the pool cannot be written. */
  async receive(batch: Batch): Promise<{ counted: boolean; rolledBack: string[] }> {
    const source = this.env.engine.store.source;
    if (!source) return { counted: false, rolledBack: [] };
    // Only flags and variants this environment has: evidence about anything else is dropped, not stored.
    const flags = new Map<string, Map<string, Arm>>();
    const definitions = new Map<string, string>();
    for (const [flag, variants] of batch.flags) {
      const known = source.flags.get(flag);
      if (!known) continue;
      const definition = definitionHash(source, flag)!;
      // Counts made under another definition (sent before a change, delivered after) are not this one's evidence.
      const sentFor = batch.definitions?.get(flag);
      if (sentFor !== undefined && sentFor !== definition) continue;
      const kept = new Map([...variants].filter(([variant]) => known.variants.has(variant)));
      if (kept.size === 0) continue;
      flags.set(flag, kept);
      definitions.set(flag, definition);
    }
    const pooled = await this.pool.add(this.env.name, { ...batch, flags }, definitions);
    if (!pooled) return { counted: false, rolledBack: [] };
    const rolledBack: string[] = [];
    const pinned = new Set(this.env.activeRollbacks().map((r) => r.flag));
    for (const [flag, arms] of pooled) {
      const definition = definitions.get(flag)!;
      let watched = this.watch.get(flag);
      if (watched?.definition !== definition) this.watch.set(flag, (watched = { definition, instances: new Set() }));
      if (watched.instances.size < 10_000) watched.instances.add(batch.instance);
      const known = source.flags.get(flag)!;
      const metadata = known.definition.metadata;
      // One decision per definition: an operator who lifts it without changing the flag has overruled
      // the evidence that decided, and the same evidence must not decide again.
      if (metadata?.guard === false || pinned.has(flag) || watched.decided) continue;
      const control = guardControlOf(metadata, known.defaultVariant);
      if (control === undefined || !known.variants.has(control) || !arms.has(control)) continue;
      const settings = guardSettingsOf(metadata);
      const controlArm = arms.get(control)!;
      for (const [variant, arm] of arms) {
        if (variant !== control && !watched.faultAt && arm.n > 0 && controlArm.n > 0 && errorRate(arm) - errorRate(controlArm) > settings.margin) watched.faultAt = new Date(this.now()).toISOString();
      }
      const verdict = judge(arms, control, settings);
      if (!verdict) continue;
      const decision: FleetDecision = {
        from: verdict.variant,
        to: control,
        metric: verdict.metric,
        test: verdict.test,
        control: armSummary(control, controlArm),
        treatment: armSummary(verdict.variant, arms.get(verdict.variant)!),
        ...(watched.faultAt ? { faultAt: watched.faultAt } : {}),
        instances: watched.instances.size,
      };
      watched.decided = true;
      await this.env.rollback(flag, control, reasonOf(flag, decision), 'fleet guard', decision);
      rolledBack.push(flag);
    }
    return { counted: true, rolledBack };
  }
}

function reasonOf(flag: string, d: FleetDecision): string {
  const numbers =
    d.metric === 'latency'
      ? `latency ${(d.treatment.geometricMeanLatencyMs ?? 0).toFixed(1)} ms vs ${(d.control.geometricMeanLatencyMs ?? 0).toFixed(1)} ms (geometric means), ${pct(Math.exp(d.test.difference) - 1)} slower > margin ${pct(d.test.margin)}`
      : `error rate ${pct(d.treatment.errorRate)} (${d.treatment.errors}/${d.treatment.evaluations}) vs ${pct(d.control.errorRate)} (${d.control.errors}/${d.control.evaluations}), difference ${pct(d.test.difference)} > margin ${pct(d.test.margin)}`;
  return `fleet guard rolled back ${flag} from "${d.from}" to "${d.to}" on the pooled evidence of ${d.instances} instances: ${numbers}; mSPRT ln Λ = ${d.test.logLikelihoodRatio.toFixed(2)} ≥ ln(1/α) = ${d.test.threshold.toFixed(2)} (α = ${d.test.alpha})`;
}
