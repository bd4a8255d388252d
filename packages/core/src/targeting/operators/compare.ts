import type { Operator } from '../operator.js';
import type { Rule } from '../rule.js';

/* eslint-disable eqeqeq -- JSON Logic's == and != are JavaScript's loose equality. */
type Test = (a: any, b: any) => boolean;

/**
 * Binary comparisons with JavaScript semantics, as JSON Logic defines them. The common shape
 * `{"==": [{"var": "plan"}, "pro"]}` gets a closure with the constant inlined, one call fewer.
 */
/* @__NO_SIDE_EFFECTS__ */ function binary(test: Test, withConstant: (a: Rule, value: any) => Rule): Operator {
  return {
    pure: true,
    compile(input) {
      const left = input.arg(0);
      const right = input.arg(1);
      if (right.constant && !left.constant) return withConstant(left.run, right.value);
      const a = left.run;
      const b = right.run;
      return (d, x) => test(a(d, x), b(d, x));
    },
  };
}

/** `<` and `<=` also take three arguments: a between test, exclusive or inclusive. */
/* @__NO_SIDE_EFFECTS__ */ function between(test: Test, withConstant: (a: Rule, value: any) => Rule): Operator {
  const two = binary(test, withConstant);
  return {
    pure: true,
    compile(input) {
      if (input.raw.length < 3) return two.compile(input);
      const a = input.arg(0).run;
      const b = input.arg(1).run;
      const c = input.arg(2).run;
      return (d, x) => {
        const mid = b(d, x);
        return test(a(d, x), mid) && test(mid, c(d, x));
      };
    },
  };
}

export const compareOperators: Record<string, Operator> = {
  '==': binary((a, b) => a == b, (a, v) => (d, x) => a(d, x) == v),
  '===': binary((a, b) => a === b, (a, v) => (d, x) => a(d, x) === v),
  '!=': binary((a, b) => a != b, (a, v) => (d, x) => a(d, x) != v),
  '!==': binary((a, b) => a !== b, (a, v) => (d, x) => a(d, x) !== v),
  '>': binary((a, b) => a > b, (a, v) => (d, x) => (a(d, x) as any) > v),
  '>=': binary((a, b) => a >= b, (a, v) => (d, x) => (a(d, x) as any) >= v),
  '<': between((a, b) => a < b, (a, v) => (d, x) => (a(d, x) as any) < v),
  '<=': between((a, b) => a <= b, (a, v) => (d, x) => (a(d, x) as any) <= v),
};
