import { childPath } from '../model/issues.js';
import type { EvaluationContext } from '../model/types.js';
import type { OperatorInput } from './operator.js';
import { OPERATORS } from './operators/index.js';
import { constant, dynamic, RuleError, type Compiled, type CompileEnv } from './rule.js';

const EMPTY: EvaluationContext = Object.freeze({});
const REF = '$ref';

/**
 * Compiles a JSON Logic tree into closures, once per load. Throws RuleError (with the document path)
 * for unknown operators and bad `$ref`s. `$ref` is plain, single-level substitution of `$evaluators`;
 * errors inside an evaluator are reported at the evaluator's own path.
 */
export function compileRule(node: unknown, path: string, env: CompileEnv): Compiled {
  return compileNode(node, path, env, 0, false);
}

function compileNode(node: unknown, path: string, env: CompileEnv, scope: number, inEvaluator: boolean): Compiled {
  if (node === null || typeof node !== 'object') return constant(node);

  if (Array.isArray(node)) {
    const items = node.map((item, i) => compileNode(item, childPath(path, i), env, scope, inEvaluator));
    if (items.every((c) => c.constant)) return constant(items.map((c) => c.value));
    const runs = items.map((c) => c.run);
    return dynamic((d, x) => runs.map((run) => run(d, x)));
  }

  const keys = Object.keys(node);
  if (keys.length !== 1) {
    throw new RuleError(path, keys.length === 0 ? 'an empty object is not a rule' : `a rule has exactly one operator, found ${keys.length} keys (${keys.join(', ')})`);
  }
  const op = keys[0];
  const rawArgs = (node as Record<string, unknown>)[op];

  if (op === REF) return compileRef(rawArgs, path, env, scope, inEvaluator);

  const operator = OPERATORS.get(op);
  if (!operator) throw new RuleError(path, `unknown operator "${op}"`);

  const raw: readonly unknown[] = Array.isArray(rawArgs) ? rawArgs : [rawArgs];
  const argsPath = childPath(path, op);
  const argPath = (i: number) => (Array.isArray(rawArgs) ? childPath(argsPath, i) : argsPath);
  let allConstant = true;
  const compileArg = (i: number, nested = false): Compiled => {
    const compiled = compileNode(raw[i], argPath(i), env, nested ? scope + 1 : scope, inEvaluator);
    if (!compiled.constant || nested) allConstant = false;
    return compiled;
  };
  const input: OperatorInput = {
    raw,
    path,
    env,
    topScope: scope === 0,
    arg: compileArg,
    args: () => raw.map((_, i) => compileArg(i)),
  };

  const result = operator.compile(input);
  const compiled = typeof result === 'function' ? dynamic(result) : result;
  if (compiled.constant || !operator.pure || !allConstant) return compiled;
  // Every argument is known now, so the answer is too (e.g. {"in": ["a", ["a", "b"]]}).
  try {
    return constant(compiled.run(undefined, EMPTY));
  } catch {
    return compiled;
  }
}

function compileRef(name: unknown, path: string, env: CompileEnv, scope: number, inEvaluator: boolean): Compiled {
  if (inEvaluator) throw new RuleError(path, 'nested $ref inside an evaluator is not supported');
  if (typeof name !== 'string') throw new RuleError(childPath(path, REF), '$ref must name an evaluator (a string)');
  if (!env.evaluators.has(name)) throw new RuleError(childPath(path, REF), `$ref "${name}" names no evaluator in $evaluators`);
  env.refs.add(name);
  return compileNode(env.evaluators.get(name), childPath('$evaluators', name), env, scope, true);
}
