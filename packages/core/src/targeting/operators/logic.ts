import type { Operator, OperatorInput } from '../operator.js';
import { truthy, type Rule } from '../rule.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const BLOCKED = ['__proto__', 'constructor', 'prototype'];

/**
 * The one top-level context key and the string constants of an `if` chain whose every condition is
 * `{"==": [{"var": KEY}, "constant"]}` (or `===`) on the same plain key — a switch on one attribute,
 * the commonest shape of ten-rule targeting. Undefined for any other chain.
 */
function switchOn(input: OperatorInput): { key: string; cases: string[] } | undefined {
  const { raw } = input;
  if (!input.topScope || raw.length < 4) return undefined;
  let key: string | undefined;
  const cases: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const cond = raw[i];
    const ops = isObject(cond) ? Object.keys(cond) : [];
    const args = ops.length === 1 && (ops[0] === '==' || ops[0] === '===') ? (cond as Record<string, unknown>)[ops[0]] : undefined;
    if (!Array.isArray(args) || args.length !== 2) return undefined;
    const [left, right] = args;
    const name = isObject(left) && Object.keys(left).length === 1 ? left.var : undefined;
    // A plain key: no path, not $flagd (resolved per evaluation), nothing a lookup would refuse.
    if (typeof right !== 'string' || typeof name !== 'string' || !/^[^.$]+$/.test(name) || BLOCKED.includes(name)) return undefined;
    if (key !== undefined && name !== key) return undefined;
    key = name;
    cases.push(right);
  }
  return key === undefined ? undefined : { key, cases };
}

/** `if` / `?:`: [cond, then, cond, then, ..., else?]; without a matching branch or else, null. */
const conditional: Operator = {
  pure: true,
  compile(input) {
    const compiled = input.args();
    const parts = compiled.map((c) => c.run);
    const chain: Rule = (d, x) => {
      let i = 0;
      for (; i < parts.length - 1; i += 2) {
        const t = parts[i](d, x);
        if (t === true || (t !== false && truthy(t))) return parts[i + 1](d, x);
      }
      return i === parts.length - 1 ? parts[i](d, x) : null;
    };
    const sw = switchOn(input);
    if (sw) {
      // A string value equals a string constant loosely exactly when strictly: one Map lookup decides.
      // Any other value (numbers, arrays, objects coerce under ==) takes the chain, unchanged.
      const { key } = sw;
      const rules = new Map(sw.cases.map((c, i) => [c, parts[2 * i + 1]] as const).reverse()); // the first of equal cases wins
      const otherwise = parts.length % 2 === 1 ? parts[parts.length - 1] : undefined;
      return (d, x) => {
        const v = d === null || d === undefined ? undefined : (d as Record<string, unknown>)[key];
        if (typeof v !== 'string') return chain(d, x);
        const then = rules.get(v);
        return then !== undefined ? then(d, x) : otherwise !== undefined ? otherwise(d, x) : null;
      };
    }
    if (parts.length === 0) return () => null;
    if (parts.length === 1) return parts[0];
    if (parts.length === 3) {
      const [test, yes, no] = parts;
      const [, then, otherwise] = compiled;
      if (then.constant && otherwise.constant) {
        // The commonest rule of all: a condition choosing between two variant names.
        const a = then.value;
        const b = otherwise.value;
        return (d, x) => {
          const t = test(d, x);
          return t === true || (t !== false && truthy(t)) ? a : b;
        };
      }
      return (d, x) => {
        const t = test(d, x);
        return t === true || (t !== false && truthy(t)) ? yes(d, x) : no(d, x);
      };
    }
    return chain;
  },
};

/** `and` returns the first falsy value (or the last value); `or` the first truthy one (or the last). */
/* @__NO_SIDE_EFFECTS__ */ function shortCircuit(stopWhen: boolean): Operator {
  return {
    pure: true,
    compile(input) {
      const parts = input.args().map((c) => c.run);
      if (parts.length === 2) {
        const [a, b] = parts;
        return (d, x) => {
          const v = a(d, x);
          return truthy(v) === stopWhen ? v : b(d, x);
        };
      }
      return (d, x) => {
        let v: unknown;
        for (const part of parts) {
          v = part(d, x);
          if (truthy(v) === stopWhen) return v;
        }
        return v;
      };
    },
  };
}

/* @__NO_SIDE_EFFECTS__ */ function unary(fn: (v: unknown) => unknown): Operator {
  return {
    pure: true,
    compile(input) {
      const a: Rule = input.arg(0).run;
      return (d, x) => fn(a(d, x));
    },
  };
}

export const logicOperators: Record<string, Operator> = {
  if: conditional,
  '?:': conditional,
  and: shortCircuit(false),
  or: shortCircuit(true),
  '!': unary((v) => !truthy(v)),
  '!!': unary(truthy),
};
