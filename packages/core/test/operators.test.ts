import { describe, expect, it } from 'vitest';
import { RuleError } from '../src/targeting/rule.js';
import { run } from './rule-helper.js';

const ctx = {
  targetingKey: 'user-1',
  email: 'ada@example.com',
  age: 37,
  plan: 'pro',
  zero: 0,
  empty: '',
  nothing: null,
  tags: ['beta', 'internal'],
  user: { name: 'Ada', address: { city: 'London' } },
  version: '2.3.4',
  scores: [1, 2, 3, 4],
};

// [rule, expected] pairs with JSON Logic (json-logic-js) semantics.
const cases: [string, unknown, unknown][] = [
  ['var', { var: 'email' }, 'ada@example.com'],
  ['var dot path', { var: 'user.address.city' }, 'London'],
  ['var array index', { var: 'tags.1' }, 'internal'],
  ['var default', { var: ['missing', 'dflt'] }, 'dflt'],
  ['var default not used for null value', { var: ['nothing', 'dflt'] }, null],
  ['var missing is null', { var: 'nope.deeper' }, null],
  ['var lone argument form', { var: ['plan'] }, 'pro'],
  ['var blocks __proto__', { var: '__proto__' }, null],
  ['var blocks constructor', { var: 'user.constructor' }, null],
  ['var ignores inherited functions', { var: 'toString' }, null],
  ['var dynamic path', { var: { cat: ['us', 'er.name'] } }, 'Ada'],
  ['missing', { missing: ['email', 'nope', 'empty', 'nothing', 'zero'] }, ['nope', 'empty', 'nothing']],
  ['missing with list argument', { missing: [['age', 'x']] }, ['x']],
  ['missing_some satisfied', { missing_some: [1, ['nope', 'email']] }, []],
  ['missing_some unsatisfied', { missing_some: [2, ['nope', 'email', 'x']] }, ['nope', 'x']],
  ['if then', { if: [true, 'yes', 'no'] }, 'yes'],
  ['if else', { if: [[], 'yes', 'no'] }, 'no'],
  ['if chain', { if: [false, 'a', { '==': [1, 1] }, 'b', 'c'] }, 'b'],
  ['if without else', { if: [false, 'a'] }, null],
  ['?: alias', { '?:': [{ var: 'zero' }, 'a', 'b'] }, 'b'],
  ['"0" is truthy', { if: ['0', 'truthy', 'falsy'] }, 'truthy'],
  ['== coerces', { '==': [1, '1'] }, true],
  ['=== strict', { '===': [1, '1'] }, false],
  ['!= coerces', { '!=': [0, false] }, false],
  ['!== strict', { '!==': [0, false] }, true],
  ['! truthiness', { '!': [[]] }, true],
  ['! lone argument', { '!': { var: 'email' } }, false],
  ['!!', { '!!': ['0'] }, true],
  ['and returns first falsy', { and: [1, '', 2] }, ''],
  ['and returns last', { and: [1, 2, 3] }, 3],
  ['or returns first truthy', { or: [0, 'x', 'y'] }, 'x'],
  ['or returns last', { or: [0, false] }, false],
  ['<', { '<': [{ var: 'age' }, 40] }, true],
  ['< between', { '<': [30, { var: 'age' }, 37] }, false],
  ['<= between', { '<=': [30, { var: 'age' }, 37] }, true],
  ['>', { '>': ['10', 9] }, true],
  ['>=', { '>=': [{ var: 'age' }, 37] }, true],
  ['+', { '+': [1, '2.5', { var: 'age' }] }, 40.5],
  ['+ unary casts', { '+': '3.14' }, 3.14],
  ['- binary', { '-': [10, 4] }, 6],
  ['- unary', { '-': [4] }, -4],
  ['*', { '*': [2, '3', 4] }, 24],
  ['/', { '/': [9, 2] }, 4.5],
  ['%', { '%': [9, 4] }, 1],
  ['max', { max: [1, 9, 3] }, 9],
  ['min', { min: [4, -1, 3] }, -1],
  ['in array', { in: ['beta', { var: 'tags' }] }, true],
  ['in large constant array (set)', { in: [{ var: 'plan' }, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'pro']] }, true],
  ['in large constant array miss', { in: [{ var: 'age' }, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', '37']] }, false],
  ['in substring', { in: ['@example', { var: 'email' }] }, true],
  ['in non-container', { in: ['a', 5] }, false],
  ['cat', { cat: ['a', 1, null, 'b'] }, 'a1b'],
  ['substr start', { substr: ['jsonlogic', 4] }, 'logic'],
  ['substr negative start', { substr: ['jsonlogic', -5] }, 'logic'],
  ['substr length', { substr: ['jsonlogic', 1, 3] }, 'son'],
  ['substr negative length', { substr: ['jsonlogic', 4, -2] }, 'log'],
  ['merge', { merge: [[1, 2], 3, [[4]]] }, [1, 2, 3, [4]]],
  ['map', { map: [{ var: 'scores' }, { '*': [{ var: '' }, 2] }] }, [2, 4, 6, 8]],
  ['map over non-array', { map: [{ var: 'age' }, { var: '' }] }, []],
  ['filter', { filter: [{ var: 'scores' }, { '%': [{ var: '' }, 2] }] }, [1, 3]],
  ['reduce', { reduce: [{ var: 'scores' }, { '+': [{ var: 'current' }, { var: 'accumulator' }] }, 10] }, 20],
  ['all', { all: [{ var: 'scores' }, { '>': [{ var: '' }, 0] }] }, true],
  ['all of empty is false', { all: [[], true] }, false],
  ['some', { some: [{ var: 'tags' }, { '==': [{ var: '' }, 'internal'] }] }, true],
  ['none', { none: [{ var: 'tags' }, { '==': [{ var: '' }, 'x'] }] }, true],
  ['starts_with', { starts_with: [{ var: 'email' }, 'ada'] }, true],
  ['ends_with', { ends_with: [{ var: 'email' }, '@example.com'] }, true],
  ['ends_with false', { ends_with: [{ var: 'email' }, '@other.com'] }, false],
  ['ends_with non-string is null', { ends_with: [{ var: 'age' }, '7'] }, null],
  ['ends_with wrong arity is null', { ends_with: [{ var: 'email' }] }, null],
  ['starts_with dynamic prefix', { starts_with: [{ var: 'email' }, { var: 'user.name' }] }, false],
  ['sem_ver >=', { sem_ver: [{ var: 'version' }, '>=', '2.3.0'] }, true],
  ['sem_ver <', { sem_ver: ['1.10.0', '<', '1.9.0'] }, false],
  ['sem_ver = ignores build', { sem_ver: ['1.2.3+build.5', '=', '1.2.3'] }, true],
  ['sem_ver prerelease sorts first', { sem_ver: ['1.2.3-alpha.1', '<', '1.2.3'] }, true],
  ['sem_ver prerelease numeric < alpha', { sem_ver: ['1.0.0-1', '<', '1.0.0-alpha'] }, true],
  ['sem_ver prerelease numeric order', { sem_ver: ['1.0.0-alpha.2', '<', '1.0.0-alpha.10'] }, true],
  ['sem_ver v prefix', { sem_ver: ['v2.0.0', '=', 'V2.0.0'] }, true],
  ['sem_ver partial', { sem_ver: ['1.2', '=', '1.2.0'] }, true],
  ['sem_ver partial major', { sem_ver: ['2', '>', '1.9.9'] }, true],
  ['sem_ver ^ same major', { sem_ver: ['2.9.0', '^', '2.0.0'] }, true],
  ['sem_ver ^ other major', { sem_ver: ['3.0.0', '^', '2.0.0'] }, false],
  ['sem_ver ~ same minor', { sem_ver: ['2.3.9', '~', '2.3.0'] }, true],
  ['sem_ver ~ other minor', { sem_ver: ['2.4.0', '~', '2.3.0'] }, false],
  ['sem_ver != ', { sem_ver: ['1.0.0', '!=', '1.0.1'] }, true],
  ['sem_ver invalid version is null', { sem_ver: ['not-a-version', '>', '1.0.0'] }, null],
  ['sem_ver four parts is null', { sem_ver: ['2.0.0.0', '>', '1.0.0'] }, null],
  ['sem_ver leading zero is null', { sem_ver: ['01.0.0', '>', '1.0.0'] }, null],
  ['sem_ver prerelease leading zero is null', { sem_ver: ['1.0.0-01', '>', '1.0.0-0'] }, null],
  ['sem_ver empty prerelease identifier is null', { sem_ver: ['1.0.0-alpha..1', '>', '1.0.0'] }, null],
  ['sem_ver bad build metadata is null', { sem_ver: ['1.0.0+b_1', '>', '0.9.0'] }, null],
  ['sem_ver past 2^53 is null', { sem_ver: ['9007199254740993.0.0', '>', '1.0.0'] }, null],
  ['sem_ver zero prerelease is numeric', { sem_ver: ['1.0.0-0', '<', '1.0.0-a'] }, true],
  ['sem_ver spaces are trimmed', { sem_ver: [' 1.0.0 ', '=', '1.0.0'] }, true],
  ['sem_ver unknown operator is null', { sem_ver: ['1.0.0', '=>', '1.0.0'] }, null],
  ['sem_ver wrong arity is null', { sem_ver: ['1.0.0', '='] }, null],
  ['$flagd.flagKey', { var: '$flagd.flagKey' }, 'flag'],
  ['$flagd.timestamp in seconds', { var: '$flagd.timestamp' }, 1_700_000_000],
  ['$flagd object', { var: '$flagd' }, { flagKey: 'flag', timestamp: 1_700_000_000 }],
  ['$flagd unknown property', { var: ['$flagd.other', 'd'] }, 'd'],
  ['literal array evaluates elements', [{ var: 'plan' }, 1], ['pro', 1]],
];

describe('JSON Logic operators', () => {
  it.each(cases)('%s', (_name, rule, expected) => {
    expect(run(rule, ctx)).toEqual(expected);
  });

  it('overrides a caller-supplied $flagd with the evaluator’s own', () => {
    const spoofed = { $flagd: { flagKey: 'spoofed', timestamp: 1 } };
    expect(run({ var: '$flagd.flagKey' }, spoofed)).toBe('flag');
    expect(run({ var: '$flagd.timestamp' }, spoofed)).toBe(1_700_000_000);
    expect(run({ var: '' }, { a: 1, ...spoofed })).toEqual({ a: 1, $flagd: { flagKey: 'flag', timestamp: 1_700_000_000 } });
  });

  it('reads $flagd only at the top scope: inside map, var is relative to the element', () => {
    expect(run({ map: [{ var: 'items' }, { var: '$flagd' }] }, { items: [{ $flagd: 'el' }] })).toEqual(['el']);
  });

  it('keeps the context reachable inside scoped operators for fractional', () => {
    const rule = { map: [[1, 2], { fractional: [['a', 1], ['b', 0]] }] };
    expect(run(rule, { targetingKey: 'u' })).toEqual(['a', 'a']);
  });

  it('never copies or enumerates the caller’s context', () => {
    const touched: string[] = [];
    const context = new Proxy(
      { email: 'x@example.com', targetingKey: 'k', ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${i}`, i])) },
      {
        get(target, key, receiver) {
          touched.push(`get:${String(key)}`);
          return Reflect.get(target, key, receiver);
        },
        ownKeys(target) {
          touched.push('ownKeys');
          return Reflect.ownKeys(target);
        },
      },
    );
    run({ if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, { fractional: [['a', 1], ['b', 1]] }, 'c'] }, context);
    expect(touched).toEqual(['get:email', 'get:targetingKey']);
  });
});

describe('compile errors', () => {
  const error = (rule: unknown, evaluators?: Record<string, unknown>) => {
    try {
      run(rule, {}, { evaluators });
    } catch (e) {
      expect(e).toBeInstanceOf(RuleError);
      return `${(e as RuleError).path}: ${(e as Error).message}`;
    }
    throw new Error('expected a RuleError');
  };

  it('names an unknown operator with its JSON path', () => {
    expect(error({ if: [true, 'on', { fractionl: [['on', 10]] }] })).toBe('flags.flag.targeting.if[2]: unknown operator "fractionl"');
  });

  it('does not treat Object.prototype names as operators', () => {
    expect(error({ toString: [] })).toBe('flags.flag.targeting: unknown operator "toString"');
    expect(error({ constructor: [] })).toBe('flags.flag.targeting: unknown operator "constructor"');
  });

  it('rejects objects that are not one-operator rules', () => {
    expect(error({ '==': [1, 1], '!=': [1, 2] })).toMatch(/exactly one operator, found 2 keys/);
    expect(error({ and: [{}] })).toBe('flags.flag.targeting.and[0]: an empty object is not a rule');
  });

  it('substitutes $ref and reports missing or nested refs', () => {
    expect(run({ if: [{ $ref: 'internal' }, 'on', 'off'] }, { email: 'a@example.com' }, { evaluators: { internal: { ends_with: [{ var: 'email' }, '@example.com'] } } })).toBe('on');
    expect(error({ $ref: 'nope' })).toBe('flags.flag.targeting.$ref: $ref "nope" names no evaluator in $evaluators');
    expect(error({ $ref: 'outer' }, { outer: { or: [{ $ref: 'inner' }] }, inner: true })).toBe(
      '$evaluators.outer.or[0]: nested $ref inside an evaluator is not supported',
    );
    expect(error({ $ref: 'bad' }, { bad: { nope: [] } })).toBe('$evaluators.bad: unknown operator "nope"');
  });
});
