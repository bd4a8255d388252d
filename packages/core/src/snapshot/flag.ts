import { valueTypeOf, type FlagDefinition } from '../model/document.js';
import { formatIssue, type Issue } from '../model/issues.js';
import { PathStack } from '../model/path.js';
import type {
  EvaluationContext,
  FlagMetadata,
  FlagState,
  FlagValue,
  FlagValueType,
  ResolutionDetails,
} from '../model/types.js';
import { compileRule } from '../targeting/compile.js';
import type { Operator } from '../targeting/operator.js';
import { RuleError, type Clock, type Rule } from '../targeting/rule.js';

/**
 * A resolution without `value` still needs the caller's default filled in (errors, DISABLED, DEFAULT
 * with no default variant). Complete ones are precomputed and frozen, so a hit allocates nothing.
 */
export type Resolution = ResolutionDetails<FlagValue | undefined>;

/** A flag compiled for evaluation; immutable. */
export interface Flag {
  readonly key: string;
  readonly state: FlagState;
  readonly type: FlagValueType;
  readonly variants: ReadonlyMap<string, FlagValue>;
  readonly defaultVariant: string | undefined;
  readonly metadata: FlagMetadata;
  /** The flag as written, and the `$evaluators` its targeting used: what diffs compare. */
  readonly definition: FlagDefinition;
  readonly refs: ReadonlySet<string>;
  /** Why the targeting was rejected, if it was: the flag then resolves ERROR / PARSE_ERROR. */
  readonly targetingIssue: Issue | undefined;
  /** Resolves the flag: DISABLED, or runs targeting (if any) and maps its answer to a resolution. Never throws. */
  evaluate(ctx: EvaluationContext): Resolution;
}

/** Shared by every flag whose targeting names no evaluator (most): an empty Set per flag costs ~150 bytes. */
const NO_REFS: ReadonlySet<string> = new Set();

function freeze<T extends object>(value: T): Readonly<T> {
  return Object.freeze(value);
}

// Module functions rather than closures per flag: 10,000 flags keep 10,000 fewer function objects.
function partial(metadata: FlagMetadata, reason: Resolution['reason'], errorCode?: Resolution['errorCode'], errorMessage?: string): Resolution {
  return freeze(errorCode ? { value: undefined, reason, errorCode, errorMessage, flagMetadata: metadata } : { value: undefined, reason, flagMetadata: metadata });
}

function resolved(variants: ReadonlyMap<string, FlagValue>, metadata: FlagMetadata, variant: string, reason: Resolution['reason']): Resolution {
  return freeze({ value: variants.get(variant), variant, reason, flagMetadata: metadata });
}

export function compileFlag(
  key: string,
  definition: FlagDefinition,
  setMetadata: FlagMetadata,
  evaluators: ReadonlyMap<string, unknown>,
  clock: Clock,
  operators?: ReadonlyMap<string, Operator>,
): Flag {
  const metadata: FlagMetadata = definition.metadata ? freeze({ ...setMetadata, ...definition.metadata }) : setMetadata;
  const variants = new Map<string, FlagValue>(Object.entries(definition.variants) as [string, FlagValue][]);
  const type = valueTypeOf(variants.values().next().value) as FlagValueType;
  const defaultVariant = definition.defaultVariant || undefined; // "" means none, as in flagd

  let refs = NO_REFS;
  let targeting: Rule | undefined;
  let targetingIssue: Issue | undefined;
  const raw = definition.targeting;
  if (raw !== undefined && raw !== null && !(typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)) {
    const path = ['flags', key, 'targeting'];
    try {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new RuleError(new PathStack(...path).toString(), 'targeting must be a JSON Logic object');
      const used = new Set<string>();
      targeting = compileRule(raw, path, { flagKey: key, clock, evaluators, refs: used, operators }).run;
      if (used.size > 0) refs = used;
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      targetingIssue = { path: e.path, message: e.message };
    }
  }

  // Results for targeting answers are built on first use and then shared: a hit allocates nothing,
  // and loading 10,000 flags does not build results (or maps of them) nobody asks for.
  let matches: Map<string, Resolution> | undefined;
  let lastVariant: string | undefined;
  let lastMatch: Resolution | undefined;
  let noMatch: Resolution | undefined;
  const disabled = definition.state === 'DISABLED' ? partial(metadata, 'DISABLED') : undefined;
  const parseError = targetingIssue && partial(metadata, 'ERROR', 'PARSE_ERROR', `invalid targeting for flag '${key}': ${formatIssue(targetingIssue)}`);
  const staticResult = targeting === undefined ? (defaultVariant ? resolved(variants, metadata, defaultVariant, 'STATIC') : partial(metadata, 'DEFAULT')) : undefined;

  // Flags whose answer never depends on the context (disabled, broken, or without targeting) get a
  // closure that just returns it: the hot path of most flags is one call and no branches.
  const fixed = disabled ?? parseError ?? (targeting === undefined ? staticResult : undefined);

  function evaluate(ctx: EvaluationContext): Resolution {
    let answer: unknown;
    clock.seconds = -1;
    try {
      answer = targeting!(ctx, ctx);
    } catch (e) {
      return partial(metadata, 'ERROR', 'GENERAL', `error evaluating targeting rule for flag '${key}': ${(e as Error)?.message ?? e}`);
    }
    if (answer === null || answer === undefined) {
      return (noMatch ??= defaultVariant ? resolved(variants, metadata, defaultVariant, 'DEFAULT') : partial(metadata, 'DEFAULT'));
    }
    const t = typeof answer;
    const variant = t === 'string' ? (answer as string) : t === 'boolean' || t === 'number' ? String(answer) : undefined;
    if (variant !== undefined) {
      if (variant === lastVariant) return lastMatch!; // most flags answer the same variant most of the time
      const hit = matches?.get(variant);
      if (hit !== undefined) return ((lastVariant = variant), (lastMatch = hit));
      if (variants.has(variant)) {
        const made = resolved(variants, metadata, variant, 'TARGETING_MATCH');
        (matches ??= new Map()).set(variant, made);
        return made;
      }
    }
    return partial(
      metadata,
      'ERROR',
      'GENERAL',
      variant === undefined
        ? `targeting for flag '${key}' returned ${Array.isArray(answer) ? 'an array' : t}, not a variant name`
        : `variant '${variant}' not found in flag with key '${key}'`,
    );
  }

  return freeze({
    key,
    state: definition.state,
    type,
    variants,
    defaultVariant,
    metadata,
    definition,
    refs,
    targetingIssue,
    evaluate: fixed === undefined ? evaluate : () => fixed,
  });
}
