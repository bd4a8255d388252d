import type { Issue, JsonValue } from '@switchyard/core';

export const isObject = (v: unknown): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** `enabled` must be a boolean in every format; reports the problem at `path` when it is not. */
export function checkEnabled(value: JsonValue | undefined, path: string, issues: Issue[]): value is boolean {
  if (typeof value === 'boolean') return true;
  issues.push({ path, message: value === undefined ? 'missing required property "enabled"' : 'must be true or false' });
  return false;
}
