import type { EvaluationContext } from '../model/types.js';
import type { Operator } from './operator.js';

/**
 * A compiled JSON Logic node. `data` is the current scope (the context at the top, an array element
 * inside map/filter/...); `ctx` is always the caller's whole context. Neither is ever copied.
 */
export type Rule = (data: unknown, ctx: EvaluationContext) => unknown;

export interface Compiled {
  readonly run: Rule;
  /** True when `value` is known at compile time (literals and folded pure operations). */
  readonly constant: boolean;
  readonly value?: unknown;
}

/** Per-snapshot clock: `$flagd.timestamp` is read once per evaluation, lazily. */
export interface Clock {
  /** Milliseconds since the epoch (Date.now by default; injectable for tests and dry runs). */
  readonly now: () => number;
  /** Unix seconds for the evaluation in progress, or -1 when not read yet. */
  seconds: number;
}

export function readSeconds(clock: Clock): number {
  if (clock.seconds < 0) clock.seconds = Math.floor(clock.now() / 1000);
  return clock.seconds;
}

export interface CompileEnv {
  /** The flag being compiled: `$flagd.flagKey` and the fractional shorthand use it. */
  readonly flagKey: string;
  readonly clock: Clock;
  readonly evaluators: ReadonlyMap<string, unknown>;
  /** Evaluator names this flag's targeting used (for snapshot diffs). */
  readonly refs: Set<string>;
  /** Operators beyond flagd's (e.g. `extensionOperators`), when the loader was given some. */
  readonly operators?: ReadonlyMap<string, Operator>;
}

/** A rule that cannot be compiled; the path points into the document. */
export class RuleError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

/** A compile-time value; its closure is made only if an operator asks for one (most read `value`), once. */
class Constant implements Compiled {
  readonly constant = true;
  private closure?: Rule;
  constructor(readonly value: unknown) {}
  get run(): Rule {
    const value = this.value;
    return (this.closure ??= () => value);
  }
}

export function constant(value: unknown): Compiled {
  return new Constant(value);
}

export function dynamic(run: Rule): Compiled {
  return { run, constant: false };
}

/** JSON Logic truthiness: an empty array is false, everything else as in JavaScript ("0" is true). */
export function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : !!value;
}
