import type { Operator } from '../operator.js';

/** Binary operators with JavaScript's own semantics, as JSON Logic defines them. */
function binary(fn: (a: any, b: any) => unknown): Operator {
  return {
    pure: true,
    compile(input) {
      const a = input.arg(0).run;
      const b = input.arg(1).run;
      return (d, x) => fn(a(d, x), b(d, x));
    },
  };
}

/** `<` and `<=` also take three arguments: a between test, exclusive or inclusive. */
function between(fn: (a: any, b: any) => boolean): Operator {
  return {
    pure: true,
    compile(input) {
      const a = input.arg(0).run;
      const b = input.arg(1).run;
      if (input.raw.length < 3) return (d, x) => fn(a(d, x), b(d, x));
      const c = input.arg(2).run;
      return (d, x) => {
        const mid = b(d, x);
        return fn(a(d, x), mid) && fn(mid, c(d, x));
      };
    },
  };
}

export const compareOperators: Record<string, Operator> = {
  // eslint-disable-next-line eqeqeq
  '==': binary((a, b) => a == b),
  '===': binary((a, b) => a === b),
  // eslint-disable-next-line eqeqeq
  '!=': binary((a, b) => a != b),
  '!==': binary((a, b) => a !== b),
  '>': binary((a, b) => a > b),
  '>=': binary((a, b) => a >= b),
  '<': between((a, b) => a < b),
  '<=': between((a, b) => a <= b),
};
