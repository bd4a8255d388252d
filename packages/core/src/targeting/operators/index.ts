import type { Operator } from '../operator.js';
import { arithmeticOperators } from './arithmetic.js';
import { arrayOperators } from './arrays.js';
import { compareOperators } from './compare.js';
import { dataOperators } from './data.js';
import { extensionOperators } from './extensions.js';
import { fractionalOperator } from './fractional.js';
import { logicOperators } from './logic.js';
import { semVerOperator } from './sem-ver.js';
import { stringOperators } from './strings.js';

/**
 * Every operator a targeting rule may use: flagd's, plus Switchyard's extensions (`compare`,
 * `regex_match`). A Map, so `toString` or `__proto__` is never one.
 */
export const OPERATORS: ReadonlyMap<string, Operator> = new Map(
  Object.entries({
    ...logicOperators,
    ...compareOperators,
    ...arithmeticOperators,
    ...stringOperators,
    ...arrayOperators,
    ...dataOperators,
    sem_ver: semVerOperator,
    fractional: fractionalOperator,
    ...extensionOperators,
  }),
);
