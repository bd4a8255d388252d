import { PathStack } from '../model/path.js';
import type { EvaluationContext } from '../model/types.js';
import type { OperatorInput } from './operator.js';
import { builtinOperators } from './operators/index.js';
import { constant, dynamic, RuleError, type Compiled, type CompileEnv } from './rule.js';

const EMPTY: EvaluationContext = /* @__PURE__ */ Object.freeze({});
const REF = '$ref';
/** Named in the error when a document uses an extension the loader was not given. */
const EXTENSION_NAMES = ['compare', 'regex_match'];

/**
 * Compiles a JSON Logic tree into closures, once per load. Throws RuleError (with the document path)
 * for unknown operators and bad `$ref`s. `$ref` is plain, single-level substitution of `$evaluators`;
 * errors inside an evaluator are reported at the evaluator's own path. `path` is where `node` sits.
 */
export function compileRule(node: unknown, path: readonly (string | number)[], env: CompileEnv): Compiled {
  return new Compiler(env, new PathStack(...path)).node(node, 0);
}

class Compiler {
  private inEvaluator = false;

  constructor(
    private readonly env: CompileEnv,
    private path: PathStack,
  ) {}

  node(node: unknown, scope: number): Compiled {
    if (node === null || typeof node !== 'object') return constant(node);
    if (Array.isArray(node)) return this.array(node, scope);

    const keys = Object.keys(node);
    if (keys.length !== 1) {
      throw this.error(keys.length === 0 ? 'an empty object is not a rule' : `a rule has exactly one operator, found ${keys.length} keys (${keys.join(', ')})`);
    }
    const op = keys[0];
    const rawArgs = (node as Record<string, unknown>)[op];
    if (op === REF) return this.ref(rawArgs, scope);
    const operator = builtinOperators().get(op) ?? this.env.operators?.get(op);
    if (!operator) {
      const hint = EXTENSION_NAMES.includes(op) ? ' (a Switchyard extension: load with `operators: extensionOperators`)' : '';
      throw this.error(`unknown operator "${op}"${hint}`);
    }

    const listed = Array.isArray(rawArgs);
    const raw: readonly unknown[] = listed ? rawArgs : [rawArgs];
    let allConstant = true;
    const arg = (i: number, nested = false): Compiled => {
      this.path.push(op);
      if (listed) this.path.push(i);
      const compiled = this.node(raw[i], nested ? scope + 1 : scope);
      if (listed) this.path.pop();
      this.path.pop();
      if (!compiled.constant || nested) allConstant = false;
      return compiled;
    };
    const input: OperatorInput = {
      raw,
      env: this.env,
      topScope: scope === 0,
      arg,
      args: () => raw.map((_, i) => arg(i)),
      fail: (message) => {
        throw this.error(message, op);
      },
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

  private array(node: readonly unknown[], scope: number): Compiled {
    const items = node.map((item, i) => {
      this.path.push(i);
      const compiled = this.node(item, scope);
      this.path.pop();
      return compiled;
    });
    if (items.every((c) => c.constant)) return constant(items.map((c) => c.value));
    const runs = items.map((c) => c.run);
    return dynamic((d, x) => runs.map((run) => run(d, x)));
  }

  private ref(name: unknown, scope: number): Compiled {
    if (this.inEvaluator) throw this.error('nested $ref inside an evaluator is not supported');
    if (typeof name !== 'string') throw this.error('$ref must name an evaluator (a string)', REF);
    if (!this.env.evaluators.has(name)) throw this.error(`$ref "${name}" names no evaluator in $evaluators`, REF);
    this.env.refs.add(name);
    const outer = this.path;
    this.path = new PathStack('$evaluators', name);
    this.inEvaluator = true;
    try {
      return this.node(this.env.evaluators.get(name), scope);
    } finally {
      this.inEvaluator = false;
      this.path = outer;
    }
  }

  private error(message: string, key?: string): RuleError {
    return new RuleError(this.path.toString(key), message);
  }
}
