import { compileRegex, RegexSyntaxError, type JsonValue } from '@switchyard/core';
import { parseRule, RuleSyntaxError, type Arg, type Expr } from './parse.js';

/**
 * Gives AppConfig rules their meaning as JSON Logic the core evaluates (flagd operators plus
 * Switchyard's `compare` and `regex_match`), so a translated configuration evaluates the same in
 * every runtime and can be re-served as a flagd document:
 *
 * | AppConfig | JSON Logic |
 * |---|---|
 * | `(eq $a "x")` `gt gte lt lte` | `{"compare": ["==", {"var": "a"}, "x"]}` (typed; missing → false; `"time"` mode when an operand is a timestamp) |
 * | `(and …) (or …) (not x)` | `and`, `or`, `!` |
 * | `(begins_with $s "A")` `(ends_with $s "z")` | `starts_with`, `ends_with` |
 * | `(contains $s "WIN")` | `{"in": ["WIN", {"var": "s"}]}` |
 * | `(in $id ["1", "2"])` | `{"in": [{"var": "id"}, ["1", "2"]]}` |
 * | `(matches in::$s pattern::"h.*y")` | `{"regex_match": [{"var": "s"}, "h.*y"]}` (linear time) |
 * | `(exists key::"country")` | `{"!=": [{"var": "country"}, null]}` |
 * | `(split pct::20 by::$id seed::"s")` | `fractional` over `seed + id` (seed defaults to the flag key), 10^k-scaled weights |
 */

export interface RuleScope {
  /** The AppConfig flag key: `split` without a seed buckets per flag. */
  readonly flagKey: string;
}

const COMPARISONS: Record<string, string> = { eq: '==', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'and', 'or', 'not', 'begins_with', 'ends_with', 'contains', 'in', 'matches', 'exists', 'split'];

/** Up to this many decimals in `pct` (weights are integers, scaled by 10^decimals). */
export const MAX_PCT_DECIMALS = 4;

const fail = (at: number, reason: string): never => {
  throw new RuleSyntaxError(reason, at + 1);
};

/** Rule text → JSON Logic; throws RuleSyntaxError (with a column) for anything invalid. */
export function ruleToJsonLogic(text: string, scope: RuleScope): JsonValue {
  return condition(parseRule(text), scope);
}

function condition(expr: Expr, scope: RuleScope): JsonValue {
  if (expr.k !== 'call') return fail(expr.at, 'expected an expression in parentheses here');
  const { op, args, at } = expr;
  const positional = () => {
    const named = args.find((a) => a.name !== undefined);
    if (named) fail(named.at, `${op} takes no annotated operands (${named.name}::)`);
    return args.map((a) => a.value);
  };
  const arity = (n: number) => {
    const values = positional();
    if (values.length !== n) fail(at, `${op} takes ${n} operand${n === 1 ? '' : 's'}, found ${values.length}`);
    return values;
  };

  if (op in COMPARISONS) {
    const [a, b] = arity(2);
    const time = a.k === 'timestamp' || b.k === 'timestamp';
    return { compare: time ? [COMPARISONS[op], operand(a, scope), operand(b, scope), 'time'] : [COMPARISONS[op], operand(a, scope), operand(b, scope)] };
  }
  switch (op) {
    case 'and':
    case 'or': {
      const values = positional();
      if (values.length < 2) fail(at, `${op} takes at least 2 operands, found ${values.length}`);
      return { [op]: values.map((v) => condition(v, scope)) };
    }
    case 'not':
      return { '!': condition(arity(1)[0], scope) };
    case 'begins_with':
    case 'ends_with': {
      const [s, affix] = arity(2);
      return { [op === 'begins_with' ? 'starts_with' : 'ends_with']: [operand(s, scope), operand(affix, scope)] };
    }
    case 'contains': {
      const [s, part] = arity(2);
      return { in: [operand(part, scope), operand(s, scope)] };
    }
    case 'in': {
      const [item, list] = arity(2);
      if (list.k !== 'list' && list.k !== 'context') fail(list.at, 'in needs a list (["a", "b"]) or a context value as its second operand');
      return { in: [operand(item, scope), operand(list, scope)] };
    }
    case 'matches': {
      const { in: subject, pattern } = named(expr, ['in', 'pattern'], ['in', 'pattern']);
      if (pattern.k !== 'string') return fail(pattern.at, 'pattern:: must be a string');
      try {
        compileRegex(pattern.value);
      } catch (e) {
        if (e instanceof RegexSyntaxError) fail(pattern.at, `invalid pattern: ${e.message}`);
        throw e;
      }
      return { regex_match: [operand(subject!, scope), pattern.value] };
    }
    case 'exists': {
      const { key } = named(expr, ['key'], ['key']);
      if (key.k !== 'string' || key.value === '') return fail(key.at, 'key:: must be a non-empty string');
      return { '!=': [{ var: key.value }, null] };
    }
    case 'split':
      return split(expr, scope);
    default:
      return fail(at, `unknown operator "${op}" (operators: ${OPERATORS.join(', ')})`);
  }
}

/** Reads annotated operands; every one must be known, the required ones present, none repeated. */
function named(expr: Extract<Expr, { k: 'call' }>, allowed: readonly string[], required: readonly string[]): Record<string, Expr> {
  const out: Record<string, Expr> = Object.create(null);
  for (const arg of expr.args as Arg[]) {
    if (arg.name === undefined) fail(arg.at, `${expr.op} takes annotated operands only (${allowed.map((a) => `${a}::`).join(' ')})`);
    if (!allowed.includes(arg.name!)) fail(arg.at, `${expr.op} does not take ${arg.name}:: (it takes ${allowed.map((a) => `${a}::`).join(' ')})`);
    if (out[arg.name!]) fail(arg.at, `${arg.name}:: given twice`);
    out[arg.name!] = arg.value;
  }
  for (const name of required) if (!out[name]) fail(expr.at, `${expr.op} needs ${name}::`);
  return out;
}

function split(expr: Extract<Expr, { k: 'call' }>, scope: RuleScope): JsonValue {
  const { pct, by, seed } = named(expr, ['pct', 'by', 'seed'], ['pct']);
  if (pct.k !== 'number' || pct.value < 0 || pct.value > 100) return fail(pct.at, 'pct:: must be a number from 0 to 100');
  const decimals = pct.text.includes('e') || pct.text.includes('E') ? MAX_PCT_DECIMALS + 1 : (pct.text.split('.')[1] ?? '').length;
  if (decimals > MAX_PCT_DECIMALS) return fail(pct.at, `pct:: allows at most ${MAX_PCT_DECIMALS} decimals`);
  if (by && by.k !== 'context') fail(by.at, 'by:: must be a context value such as $userId');
  if (seed && seed.k !== 'string') fail(seed.at, 'seed:: must be a string');
  const value = by ? operand(by, scope) : { var: 'targetingKey' };
  const scale = 10 ** decimals;
  const inside = Math.round(pct.value * scale);
  return splitLogic(value, seed ? (seed as { value: string }).value : scope.flagKey, inside, 100 * scale - inside);
}

/**
 * A sticky percentage as flagd `fractional`: the user is "in" when `salt + value` hashes into the
 * first `inside` of `inside + outside` buckets. Ordered rules with the same salt nest (20% then 25%
 * gives 20% and 5%), because the bucket is a pure function of the hash. Missing value → not in.
 */
export function splitLogic(value: JsonValue, salt: string, inside: number, outside: number): JsonValue {
  return {
    and: [{ '!=': [value, null] }, { '==': [{ fractional: [{ cat: [salt, value] }, ['in', inside], ['out', outside]] }, 'in'] }],
  };
}

function operand(expr: Expr, scope: RuleScope): JsonValue {
  switch (expr.k) {
    case 'context':
      return { var: expr.key };
    case 'string':
      return expr.value;
    case 'number':
    case 'boolean':
      return expr.value;
    case 'timestamp':
      return expr.text;
    case 'list':
      return expr.items.map((item) => operand(item, scope));
    case 'call':
      return condition(expr, scope);
  }
}
