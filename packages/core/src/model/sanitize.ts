import type { Issue } from './issues.js';
import { PathStack } from './path.js';
import type { JsonValue } from './types.js';

/**
 * Makes untrusted JSON safe to keep: a deep-frozen copy (or, for a tree we parsed ourselves, the same
 * tree frozen in place) that holds only JSON values, nests no deeper than `maxDepth`, and has no
 * `__proto__` keys (which would pollute any object later built from it by assignment or merge).
 * Returns issues instead of throwing; stops at the first few so a hostile document cannot flood them.
 */
export function sanitize(input: unknown, maxDepth: number, copy: boolean): { value?: JsonValue; issues: Issue[] } {
  const issues: Issue[] = [];
  const seen = new Set<object>();
  const stack = new PathStack();
  const report = (message: string, key?: string) => issues.push({ path: stack.toString(key), message });

  function visit(value: unknown, depth: number): JsonValue | undefined {
    if (issues.length >= 20) return undefined;
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (Number.isFinite(value)) return value;
        report(`${value} is not a JSON number`);
        return undefined;
      case 'object':
        break;
      default:
        report(`a ${typeof value} is not a JSON value`);
        return undefined;
    }
    if (value === null) return null;
    if (depth >= maxDepth) {
      report(`nested deeper than ${maxDepth} levels`);
      return undefined;
    }
    if (seen.has(value)) {
      report('circular reference');
      return undefined;
    }
    seen.add(value);
    let out: any;
    if (Array.isArray(value)) {
      out = copy ? new Array(value.length) : value;
      for (let i = 0; i < value.length; i++) {
        stack.push(i);
        out[i] = visit(value[i], depth + 1);
        stack.pop();
      }
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        report('only plain JSON objects are allowed');
        return undefined;
      }
      out = copy ? {} : value;
      for (const key of Object.keys(value)) {
        if (key === '__proto__') {
          report('"__proto__" is not allowed as a key', key);
          continue;
        }
        const child = (value as Record<string, unknown>)[key];
        if (child === undefined) continue; // an absent property, as JSON.stringify treats it
        stack.push(key);
        out[key] = visit(child, depth + 1);
        stack.pop();
      }
    }
    seen.delete(value);
    return Object.freeze(out);
  }

  const value = visit(input, 0);
  return issues.length > 0 ? { issues } : { value, issues };
}
