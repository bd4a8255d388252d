import type { EvaluationContext } from '../../model/types.js';
import type { Operator, OperatorInput } from '../operator.js';
import { readSeconds, type Clock, type Rule } from '../rule.js';

/** Names a lookup never follows: they lead to prototypes, not data. */
const BLOCKED = /* @__PURE__ */ new Set(['__proto__', 'constructor', 'prototype']);
const FLAGD = '$flagd';

/** Walks `segments` from `value`; undefined (or a function, which JSON never holds) yields the default. */
function walk(value: unknown, segments: readonly string[], from: number, fallback: unknown): unknown {
  let v: any = value;
  for (let i = from; i < segments.length; i++) {
    if (v === null || v === undefined) return fallback;
    v = v[segments[i]];
    if (v === undefined) return fallback;
  }
  return typeof v === 'function' ? fallback : v;
}

function splitPath(path: unknown): string[] | null {
  if (path === undefined || path === null || path === '') return null; // the whole scope
  const segments = String(path).split('.');
  return segments.some((s) => BLOCKED.has(s)) ? [] : segments;
}

/**
 * The context seen by rules is the caller's context plus `$flagd.flagKey` and `$flagd.timestamp`,
 * which override any `$flagd` the caller sent. That overlay is resolved here, at lookup time, so the
 * context is never copied (except when a rule asks for the whole top-level context with `{"var": ""}`).
 */
function flagdProperties(flagKey: string, clock: Clock) {
  return { flagKey, timestamp: readSeconds(clock) };
}

function lookup(
  data: unknown,
  segments: readonly string[] | null,
  fallback: unknown,
  topScope: boolean,
  flagKey: string,
  clock: Clock,
): unknown {
  if (segments === null) {
    if (!topScope) return data;
    return { ...(data as object), [FLAGD]: flagdProperties(flagKey, clock) };
  }
  if (segments.length === 0) return fallback; // blocked name
  if (topScope && segments[0] === FLAGD) {
    if (segments.length === 1) return flagdProperties(flagKey, clock);
    const head = segments[1] === 'flagKey' ? flagKey : segments[1] === 'timestamp' ? readSeconds(clock) : undefined;
    return head === undefined ? fallback : walk(head, segments, 2, fallback);
  }
  return walk(data, segments, 0, fallback);
}

/** Compiles `{"var": path}` / `{"var": [path, default]}` into the cheapest lookup that fits. */
function compileVar(input: OperatorInput): Rule {
  const { topScope, env } = input;
  const { flagKey, clock } = env;
  const path = input.arg(0);
  const fallbackArg = input.arg(1);
  const fallback = fallbackArg.constant ? (fallbackArg.value ?? null) : undefined;
  const fallbackRun = fallbackArg.run;

  if (!path.constant) {
    const pathRun = path.run;
    return (d, x) => lookup(d, splitPath(pathRun(d, x)), fallbackRun(d, x) ?? null, topScope, flagKey, clock);
  }
  const segments = splitPath(path.value);
  if (fallback === undefined) {
    return (d, x) => lookup(d, segments, fallbackRun(d, x) ?? null, topScope, flagKey, clock);
  }
  const flagdPath = topScope && segments !== null && segments[0] === FLAGD;
  if (flagdPath && segments.length === 2 && segments[1] === 'flagKey') return () => flagKey;
  if (flagdPath && segments.length === 2 && segments[1] === 'timestamp') return () => readSeconds(clock);
  if (flagdPath || segments === null || segments.length === 0) return (d) => lookup(d, segments, fallback, topScope, flagKey, clock);
  if (segments.length === 1) {
    const key = segments[0];
    return (d) => {
      if (d === null || d === undefined) return fallback;
      const v = (d as any)[key];
      return v === undefined || typeof v === 'function' ? fallback : v;
    };
  }
  return (d) => walk(d, segments, 0, fallback);
}

/** The keys whose value is null, undefined or "". */
function missingKeys(keys: readonly unknown[], d: unknown, topScope: boolean, flagKey: string, clock: Clock): unknown[] {
  const missing: unknown[] = [];
  for (const key of keys) {
    const v = lookup(d, splitPath(key), null, topScope, flagKey, clock);
    if (v === null || v === '') missing.push(key);
  }
  return missing;
}

export const dataOperators: Record<string, Operator> = {
  var: { pure: false, compile: compileVar },
  missing: {
    pure: false,
    compile(input) {
      const parts = input.args().map((c) => c.run);
      const { topScope, env } = input;
      return (d, x: EvaluationContext) => {
        // A list as first argument, or the arguments themselves (each evaluated once).
        const values = parts.map((p) => p(d, x));
        const keys = Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
        return missingKeys(keys, d, topScope, env.flagKey, env.clock);
      };
    },
  },
  missing_some: {
    pure: false,
    compile(input) {
      const need = input.arg(0).run;
      const options = input.arg(1).run;
      const { topScope, env } = input;
      return (d, x) => {
        const keys = options(d, x);
        const list = Array.isArray(keys) ? keys : [];
        const missing = missingKeys(list, d, topScope, env.flagKey, env.clock);
        return list.length - missing.length >= (need(d, x) as number) ? [] : missing;
      };
    },
  },
};
