import { compileRule } from '../src/targeting/compile.js';
import { extensionOperators } from '../src/targeting/operators/extensions.js';
import type { Clock } from '../src/targeting/rule.js';

/** Compiles one JSON Logic rule as flag `flag` would and runs it against a context. */
export function run(rule: unknown, ctx: Record<string, unknown> = {}, options: { flagKey?: string; now?: number; evaluators?: Record<string, unknown> } = {}) {
  const clock: Clock = { now: () => options.now ?? 1_700_000_000_000, seconds: -1 };
  const compiled = compileRule(rule, ['flags', 'flag', 'targeting'], {
    flagKey: options.flagKey ?? 'flag',
    clock,
    evaluators: new Map(Object.entries(options.evaluators ?? {})),
    refs: new Set(),
    operators: new Map(Object.entries(extensionOperators)),
  });
  return compiled.run(ctx, ctx);
}
