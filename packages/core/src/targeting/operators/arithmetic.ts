import type { Operator } from '../operator.js';
import type { Rule } from '../rule.js';

/** JSON Logic reads numbers with parseFloat: "3.5px" is 3.5, true is NaN. */
function num(v: unknown): number {
  return typeof v === 'number' ? v : parseFloat(v as string);
}

/* @__NO_SIDE_EFFECTS__ */ function variadic(fn: (values: unknown[]) => unknown): Operator {
  return {
    pure: true,
    compile(input) {
      const parts: Rule[] = input.args().map((c) => c.run);
      return (d, x) => fn(parts.map((p) => p(d, x)));
    },
  };
}

/* @__NO_SIDE_EFFECTS__ */ function binary(fn: (a: any, b: any) => unknown): Operator {
  return {
    pure: true,
    compile(input) {
      const a = input.arg(0).run;
      const b = input.arg(1).run;
      return (d, x) => fn(a(d, x), b(d, x));
    },
  };
}

export const arithmeticOperators: Record<string, Operator> = {
  '+': variadic((v) => v.reduce<number>((sum, n) => sum + num(n), 0)),
  '*': variadic((v) => (v.length === 0 ? undefined : v.slice(1).reduce<number>((p, n) => p * num(n), num(v[0])))),
  '-': {
    pure: true,
    compile(input) {
      const a = input.arg(0).run;
      if (input.raw.length < 2) return (d, x) => -(a(d, x) as number);
      const b = input.arg(1).run;
      return (d, x) => (a(d, x) as number) - (b(d, x) as number);
    },
  },
  '/': binary((a, b) => a / b),
  '%': binary((a, b) => a % b),
  min: variadic((v) => Math.min(...(v as number[]))),
  max: variadic((v) => Math.max(...(v as number[]))),
};
