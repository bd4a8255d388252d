import type { Compiled, CompileEnv, Rule } from './rule.js';

/** What an operator's compiler is handed. */
export interface OperatorInput {
  /** The operator's arguments as written (a lone argument is wrapped in an array, as JSON Logic does). */
  readonly raw: readonly unknown[];
  readonly env: CompileEnv;
  /** Compile argument `i` in the current scope, or one scope deeper (map/filter/... bodies). */
  arg(i: number, nested?: boolean): Compiled;
  /** Compile every argument in the current scope. */
  args(): Compiled[];
  /** True when the current scope is the top one, where `data` is the whole context. */
  readonly topScope: boolean;
  /** Rejects the rule at compile time, with the operator's path in the document. */
  fail(message: string): never;
}

export interface Operator {
  /** Pure operators whose arguments are all constant are folded at compile time. */
  readonly pure: boolean;
  compile(input: OperatorInput): Rule | Compiled;
}
