import type { Operator } from '../operator.js';

/** flagd's starts_with / ends_with: exactly two arguments, both strings once evaluated, else null. */
/* @__NO_SIDE_EFFECTS__ */ function affix(test: (s: string, affix: string) => boolean): Operator {
  return {
    pure: true,
    compile(input) {
      if (input.raw.length !== 2) return () => null;
      const subject = input.arg(0).run;
      const fixed = input.arg(1);
      if (fixed.constant) {
        const value = fixed.value;
        if (typeof value !== 'string') return () => null;
        return (d, x) => {
          const s = subject(d, x);
          return typeof s === 'string' ? test(s, value) : null;
        };
      }
      const other = fixed.run;
      return (d, x) => {
        const s = subject(d, x);
        const a = other(d, x);
        return typeof s === 'string' && typeof a === 'string' ? test(s, a) : null;
      };
    },
  };
}

/** `in`: membership in an array, or substring of a string; anything else is false. */
const inOperator: Operator = {
  pure: true,
  compile(input) {
    const needle = input.arg(0).run;
    const haystack = input.arg(1);
    if (haystack.constant && Array.isArray(haystack.value) && haystack.value.length > 8) {
      // indexOf is strict equality, which a Set reproduces for everything but NaN.
      const set = new Set(haystack.value);
      return (d, x) => {
        const n = needle(d, x);
        return n === n && set.has(n);
      };
    }
    const hay = haystack.run;
    return (d, x) => {
      const h = hay(d, x);
      if (typeof h === 'string') return h.indexOf(needle(d, x) as string) !== -1;
      if (Array.isArray(h)) return h.indexOf(needle(d, x)) !== -1;
      return false;
    };
  },
};

export const stringOperators: Record<string, Operator> = {
  starts_with: affix((s, a) => s.startsWith(a)),
  ends_with: affix((s, a) => s.endsWith(a)),
  in: inOperator,
  cat: {
    pure: true,
    compile(input) {
      const parts = input.args().map((c) => c.run);
      if (parts.length === 2) {
        const [a, b] = parts;
        return (d, x) => [a(d, x), b(d, x)].join('');
      }
      return (d, x) => parts.map((p) => p(d, x)).join('');
    },
  },
  substr: {
    pure: true,
    compile(input) {
      const source = input.arg(0).run;
      const start = input.arg(1).run;
      const length = input.arg(2).run;
      return (d, x) => {
        const s = String(source(d, x));
        const from = start(d, x) as number;
        const len = length(d, x) as number | undefined;
        if (len !== undefined && len < 0) {
          const tail = s.substr(from);
          return tail.substr(0, tail.length + len);
        }
        return s.substr(from, len);
      };
    },
  },
};
