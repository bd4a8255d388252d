import type { Operator } from '../operator.js';
import { truthy, type Rule } from '../rule.js';

/** `if` / `?:`: [cond, then, cond, then, ..., else?]; without a matching branch or else, null. */
const conditional: Operator = {
  pure: true,
  compile(input) {
    const parts = input.args().map((c) => c.run);
    if (parts.length === 0) return () => null;
    if (parts.length === 1) return parts[0];
    if (parts.length === 3) {
      const [test, yes, no] = parts;
      return (d, x) => {
        const t = test(d, x);
        return t === true || (t !== false && truthy(t)) ? yes(d, x) : no(d, x);
      };
    }
    return (d, x) => {
      let i = 0;
      for (; i < parts.length - 1; i += 2) {
        const t = parts[i](d, x);
        if (t === true || (t !== false && truthy(t))) return parts[i + 1](d, x);
      }
      return i === parts.length - 1 ? parts[i](d, x) : null;
    };
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
