import { addArm, cloneArm, type Arm } from '@switchyard/core';

/** One validated batch: per flag, per variant, the counts one instance saw since its previous batch. */
export interface Batch {
  readonly instance: string;
  readonly seq: number;
  readonly flags: ReadonlyMap<string, ReadonlyMap<string, Arm>>;
  /** The definition (fingerprint hash) each flag's counts were made under, when the sender says. */
  readonly definitions?: ReadonlyMap<string, string>;
}

/** Pooled counts per flag, then per variant. */
export type Pooled = Map<string, Map<string, Arm>>;

/**
 * Where the fleet's evidence is pooled: per environment, flag, definition (a new definition starts
 * afresh) and variant, summed over every instance. A batch counts once: one whose `seq` is not above
 * the last seen from its instance is a resend.
 */
export interface EvidencePool {
  /** Adds the batch; the pooled counts of its flags (their current definitions), or undefined for a resend. */
  add(environment: string, batch: Batch, definitions: ReadonlyMap<string, string>): Promise<Pooled | undefined>;
}

/** The pool of a server without a store: this process's memory, bounded by instances and flags seen. */
export class MemoryEvidence implements EvidencePool {
  private readonly counts = new Map<string, Map<string, Arm>>();
  private readonly seqs = new Map<string, number>();
  /** The definition each flag's counts are for: a new one replaces them. */
  private readonly definitions = new Map<string, string>();

  constructor(private readonly maxInstances = 100_000) {}

  async add(environment: string, batch: Batch, definitions: ReadonlyMap<string, string>): Promise<Pooled | undefined> {
    const key = `${environment}\u0000${batch.instance}`;
    if ((this.seqs.get(key) ?? 0) >= batch.seq) return undefined;
    this.seqs.delete(key);
    this.seqs.set(key, batch.seq);
    if (this.seqs.size > this.maxInstances) this.seqs.delete(this.seqs.keys().next().value!); // the longest silent
    const pooled: Pooled = new Map();
    for (const [flag, variants] of batch.flags) {
      const at = `${environment}\u0000${flag}`;
      if (this.definitions.get(at) !== definitions.get(flag)) this.counts.delete(at);
      this.definitions.set(at, definitions.get(flag)!);
      let arms = this.counts.get(at);
      if (!arms) this.counts.set(at, (arms = new Map()));
      for (const [variant, arm] of variants) {
        const into = arms.get(variant);
        if (into) addArm(into, arm);
        else arms.set(variant, cloneArm(arm));
      }
      pooled.set(flag, new Map([...arms].map(([v, a]) => [v, cloneArm(a)])));
    }
    return pooled;
  }
}
