import type { Operator } from '../operator.js';
import { arithmeticOperators } from './arithmetic.js';
import { arrayOperators } from './arrays.js';
import { compareOperators } from './compare.js';
import { dataOperators } from './data.js';
import { fractionalOperator } from './fractional.js';
import { logicOperators } from './logic.js';
import { semVerOperator } from './sem-ver.js';
import { stringOperators } from './strings.js';

let builtins: ReadonlyMap<string, Operator> | undefined;

/**
 * Every operator a flagd targeting rule may use, in a Map (so `toString` or `__proto__` is never one),
 * built on first use: a bundle that never compiles a rule (the OFREP browser provider) drops them all.
 * Switchyard's extensions (`extensions.ts`) are opt-in, so a browser bundle that does not need them
 * does not carry them.
 */
export function builtinOperators(): ReadonlyMap<string, Operator> {
  return (builtins ??= new Map(
    Object.entries({
      ...logicOperators,
      ...compareOperators,
      ...arithmeticOperators,
      ...stringOperators,
      ...arrayOperators,
      ...dataOperators,
      sem_ver: semVerOperator,
      fractional: fractionalOperator,
    }),
  ));
}
