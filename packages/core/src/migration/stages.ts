import type { FlagDefinition } from '../model/document.js';

/**
 * The stages of an expand–contract migration, in order. A migration flag is a string flag whose
 * variants are exactly these (each variant's value its own name), so targeting, internal users first
 * and sticky `fractional` ramps move users between stages like any rollout.
 */
export const STAGES = ['off', 'dualwrite', 'shadow', 'live', 'rampdown', 'complete'] as const;
export type Stage = (typeof STAGES)[number];

export type Origin = 'old' | 'new';

/** What a read does in a stage: which origins run, and whose answer the caller gets. */
export interface ReadPlan {
  readonly run: readonly Origin[];
  readonly answer: Origin;
}

/** What a write does: the authoritative origin first; the other after it, only if it succeeded. */
export interface WritePlan {
  readonly authoritative: Origin;
  readonly then?: Origin;
}

const READS: Record<Stage, ReadPlan> = {
  off: { run: ['old'], answer: 'old' },
  dualwrite: { run: ['old'], answer: 'old' },
  shadow: { run: ['old', 'new'], answer: 'old' },
  live: { run: ['old', 'new'], answer: 'new' },
  rampdown: { run: ['new'], answer: 'new' },
  complete: { run: ['new'], answer: 'new' },
};

const WRITES: Record<Stage, WritePlan> = {
  off: { authoritative: 'old' },
  dualwrite: { authoritative: 'old', then: 'new' },
  shadow: { authoritative: 'old', then: 'new' },
  live: { authoritative: 'new', then: 'old' },
  rampdown: { authoritative: 'new', then: 'old' },
  complete: { authoritative: 'new' },
};

export const isStage = (value: unknown): value is Stage => typeof value === 'string' && (STAGES as readonly string[]).includes(value);
export const readPlan = (stage: Stage): ReadPlan => READS[stage];
export const writePlan = (stage: Stage): WritePlan => WRITES[stage];

/**
 * Where a migration goes back to when its new origin misbehaves: `dualwrite` from `shadow`, `live` and
 * `rampdown` — old answers again, and old is current because every write still reached it (new keeps
 * being written). From `complete` there is no safe stage: old has not been written since. `off` and
 * `dualwrite` stay where they are.
 */
export function previousSafeStage(stage: Stage): Stage {
  return stage === 'shadow' || stage === 'live' || stage === 'rampdown' ? 'dualwrite' : stage;
}

/** Flag metadata marking a migration flag: `"migration": true`. */
export const isMigrationFlag = (definition: Pick<FlagDefinition, 'metadata'>): boolean => definition.metadata?.migration === true;

/** Problems with a migration flag's variants, as messages (empty when it is one). */
export function migrationIssues(definition: Pick<FlagDefinition, 'variants' | 'defaultVariant'>): string[] {
  const issues: string[] = [];
  const names = Object.keys(definition.variants);
  const missing = STAGES.filter((s) => !names.includes(s));
  const extra = names.filter((n) => !isStage(n));
  if (missing.length) issues.push(`a migration flag needs the variants ${STAGES.join(', ')}; missing ${missing.join(', ')}`);
  if (extra.length) issues.push(`a migration flag has only the stages as variants; not ${extra.join(', ')}`);
  for (const name of names) if (isStage(name) && definition.variants[name] !== name) issues.push(`variant "${name}" must have the value "${name}"`);
  return issues;
}
