import type { Operator } from '../operator.js';
import { compileRegex, RegexSyntaxError, type LinearRegex } from '../regex.js';
import { toTime } from '../timestamp.js';

/*
 * Switchyard extensions to flagd's JSON Logic. flagd does not know them (a flagd evaluator rejects a
 * document that uses them); Switchyard needs them to express AWS AppConfig rules exactly, so that an
 * AppConfig configuration translated once evaluates the same in Node, the browser and at the edge.
 */

/** A comparison `typedCompare` builds. */
export type Op = '==' | '<' | '<=' | '>' | '>=';
const OPS: readonly string[] = ['==', '<', '<=', '>', '>='];
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function order(op: Op, a: number | string, b: number | string): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** A string read as the other side's type (context values often arrive as text, e.g. from headers). */
function coerce(value: string, like: unknown): unknown {
  if (typeof like === 'number') return NUMBER.test(value) ? Number(value) : undefined;
  if (typeof like === 'boolean') return value === 'true' ? true : value === 'false' ? false : undefined;
  return value;
}

/**
 * Typed comparison: numbers with numbers, strings with strings (by UTF-16 code units), booleans only
 * for equality; a string facing a number or boolean is read as one. Anything missing (null) or of
 * another type compares false — never JavaScript's loose coercion. Dates compare as instants.
 */
export function typedCompare(op: Op, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (a instanceof Date || b instanceof Date) return timeCompare(op, a, b);
  if (typeof a === 'string' && typeof b !== 'string') a = coerce(a, b);
  else if (typeof b === 'string' && typeof a !== 'string') b = coerce(b, a);
  const t = typeof a;
  if (t !== typeof b) return false;
  if (t === 'number') return Number.isFinite(a) && Number.isFinite(b) && order(op, a as number, b as number);
  if (t === 'string') return order(op, a as string, b as string);
  if (t === 'boolean') return op === '==' && a === b;
  return false;
}

function timeCompare(op: Op, a: unknown, b: unknown): boolean {
  const x = toTime(a);
  const y = toTime(b);
  return x === x && y === y && order(op, x, y);
}

/**
 * `{"compare": [op, a, b]}` with op one of `== < <= > >=`: typed comparison (see typedCompare).
 * `{"compare": [op, a, b, "time"]}` compares both sides as instants (Dates or W3C timestamps).
 */
const compareOperator: Operator = {
  pure: true,
  compile(input) {
    const op = input.raw[0];
    const mode = input.raw[3];
    if (typeof op !== 'string' || !OPS.includes(op)) return input.fail(`compare needs an operator (${OPS.join(' ')}) first, not ${JSON.stringify(op)}`);
    if (input.raw.length < 3 || input.raw.length > 4 || (mode !== undefined && mode !== 'time')) {
      return input.fail('compare takes [operator, left, right] or [operator, left, right, "time"]');
    }
    const a = input.arg(1).run;
    const b = input.arg(2).run;
    const test = mode === 'time' ? timeCompare : typedCompare;
    return (d, x) => test(op as Op, a(d, x), b(d, x));
  },
};

/**
 * `{"regex_match": [subject, "pattern"]}`: true when the pattern matches somewhere in the subject
 * string. The pattern must be a literal; it is compiled once, for a matcher that runs in linear time.
 */
const regexMatchOperator: Operator = {
  pure: true,
  compile(input) {
    const pattern = input.raw[1];
    if (input.raw.length !== 2 || typeof pattern !== 'string') return input.fail('regex_match takes [subject, "literal pattern"]');
    let regex: LinearRegex;
    try {
      regex = compileRegex(pattern);
    } catch (e) {
      if (e instanceof RegexSyntaxError) return input.fail(`invalid pattern ${JSON.stringify(pattern)}: ${e.message}`);
      throw e;
    }
    const subject = input.arg(0).run;
    return (d, x) => {
      const s = subject(d, x);
      return typeof s === 'string' && regex.test(s);
    };
  },
};

export const extensionOperators: Record<string, Operator> = {
  compare: compareOperator,
  regex_match: regexMatchOperator,
};
