import type { Operator } from '../operator.js';
import { truthy, type Rule } from '../rule.js';

/**
 * Scoped operators: the first argument yields an array, the second is logic run once per element with
 * that element as its data (the caller's context stays reachable for fractional and friends).
 */
/* @__NO_SIDE_EFFECTS__ */ function scoped(fn: (items: unknown[], body: Rule, ctx: Parameters<Rule>[1]) => unknown, notArray: () => unknown): Operator {
  return {
    pure: false,
    compile(input) {
      const items = input.arg(0).run;
      const body = input.arg(1, true).run;
      return (d, x) => {
        const list = items(d, x);
        return Array.isArray(list) ? fn(list, body, x) : notArray();
      };
    },
  };
}

export const arrayOperators: Record<string, Operator> = {
  merge: {
    pure: true,
    compile(input) {
      const parts = input.args().map((c) => c.run);
      return (d, x) => {
        const out: unknown[] = [];
        for (const p of parts) {
          const v = p(d, x);
          if (Array.isArray(v)) for (const item of v) out.push(item);
          else out.push(v);
        }
        return out;
      };
    },
  },
  map: scoped((items, body, x) => items.map((item) => body(item, x)), () => []),
  filter: scoped((items, body, x) => items.filter((item) => truthy(body(item, x))), () => []),
  all: scoped((items, body, x) => items.length > 0 && items.every((item) => truthy(body(item, x))), () => false),
  some: scoped((items, body, x) => items.some((item) => truthy(body(item, x))), () => false),
  none: scoped((items, body, x) => !items.some((item) => truthy(body(item, x))), () => true),
  reduce: {
    pure: false,
    compile(input) {
      const items = input.arg(0).run;
      const body = input.arg(1, true).run;
      const initial = input.arg(2).run;
      return (d, x) => {
        const list = items(d, x);
        const start: unknown = initial(d, x) ?? null;
        if (!Array.isArray(list)) return start;
        let accumulator: unknown = start;
        for (const current of list) accumulator = body({ current, accumulator }, x);
        return accumulator;
      };
    },
  },
};
