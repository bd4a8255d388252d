import { childPath, ROOT, type Issue } from './issues.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { sanitize } from './sanitize.js';
import type { FlagState, FlagValueType, JsonObject, JsonValue, MetadataValue } from './types.js';

/** One flag as written, after structural validation (frozen). */
export interface FlagDefinition {
  readonly state: FlagState;
  readonly variants: Readonly<JsonObject>;
  readonly defaultVariant?: string | null;
  readonly targeting?: JsonValue;
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
}

/** A structurally valid flagd document (frozen). Targeting is checked later, flag by flag. */
export interface FlagDocument {
  readonly $schema?: string;
  readonly flags: Readonly<Record<string, FlagDefinition>>;
  readonly $evaluators?: Readonly<Record<string, JsonValue>>;
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
}

export type DocumentResult = { ok: true; document: FlagDocument } | { ok: false; issues: Issue[] };

const isObject = (v: unknown): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function valueTypeOf(value: unknown): FlagValueType | undefined {
  if (typeof value === "boolean" || typeof value === "string" || typeof value === "number") return typeof value as FlagValueType;
  return isObject(value) ? 'object' : undefined;
}

/**
 * Parses JSON text (or takes a parsed value) and sanitizes it: size, depth and `__proto__` limits,
 * non-JSON values and cycles rejected; the result is a deep-frozen copy.
 */
export function readJson(input: string | unknown, limits: Limits = DEFAULT_LIMITS): { ok: true; value: unknown } | { ok: false; issues: Issue[] } {
  let parsed: unknown = input;
  if (typeof input === 'string') {
    if (input.length > limits.maxDocumentLength) {
      return { ok: false, issues: [{ path: ROOT, message: `document is ${input.length} characters, over the limit of ${limits.maxDocumentLength}` }] };
    }
    try {
      parsed = JSON.parse(input);
    } catch (e) {
      return { ok: false, issues: [{ path: ROOT, message: `not valid JSON: ${(e as Error).message}` }] };
    }
  }
  const clean = sanitize(parsed, limits.maxDepth, typeof input !== 'string');
  return clean.issues.length > 0 ? { ok: false, issues: clean.issues } : { ok: true, value: clean.value };
}

/**
 * Reads a flagd document (JSON text or an already parsed value) and checks its structure against the
 * flagd schema v0.2.15 rules. Every structural problem is reported with its path; any problem rejects
 * the whole document.
 */
export function readDocument(input: string | unknown, limits: Limits = DEFAULT_LIMITS): DocumentResult {
  const json = readJson(input, limits);
  return json.ok ? checkDocument(json.value, limits) : json;
}

/** The structural checks of `readDocument`, for a value `readJson` already sanitized. */
export function checkDocument(doc: unknown, limits: Limits = DEFAULT_LIMITS): DocumentResult {
  const issues: Issue[] = [];
  if (!isObject(doc)) return fail(ROOT, 'a flag document must be a JSON object');

  if (doc.$schema !== undefined && typeof doc.$schema !== 'string') issues.push({ path: '$schema', message: 'must be a string' });
  checkMetadata(doc.metadata, () => 'metadata', issues);
  if (doc.$evaluators !== undefined && !isObject(doc.$evaluators)) {
    issues.push({ path: '$evaluators', message: 'must be an object of named rules' });
  }

  if (doc.flags === undefined) {
    issues.push({ path: ROOT, message: 'missing required property "flags"' });
  } else if (!isObject(doc.flags)) {
    issues.push({ path: 'flags', message: 'must be an object of flag key → flag' });
  } else {
    const keys = Object.keys(doc.flags);
    if (keys.length > limits.maxFlags) {
      issues.push({ path: 'flags', message: `${keys.length} flags, over the limit of ${limits.maxFlags}` });
    } else {
      for (const key of keys) checkFlag(doc.flags[key], key, issues);
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, document: doc as unknown as FlagDocument };
}

function fail(path: string, message: string): DocumentResult {
  return { ok: false, issues: [{ path, message }] };
}

/** Joins keys into a path; called only when there is an error to report. */
const at = (...keys: (string | number)[]) => keys.reduce<string>((p, k) => childPath(p, k), ROOT);

function checkMetadata(metadata: JsonValue | undefined, path: () => string, issues: Issue[]): void {
  if (metadata === undefined) return;
  if (!isObject(metadata)) {
    issues.push({ path: path(), message: 'must be an object of string, number or boolean values' });
    return;
  }
  for (const [key, value] of Object.entries(metadata)) {
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      issues.push({ path: childPath(path(), key), message: `metadata values must be string, number or boolean, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : t}` });
    }
  }
}

function checkFlag(flag: JsonValue, key: string, issues: Issue[]): void {
  const path = (...keys: (string | number)[]) => at('flags', key, ...keys);
  if (key.length === 0) issues.push({ path: path(), message: 'a flag key must not be empty' });
  if (!isObject(flag)) {
    issues.push({ path: path(), message: 'a flag must be an object' });
    return;
  }
  if (flag.state !== 'ENABLED' && flag.state !== 'DISABLED') {
    issues.push({
      path: path('state'),
      message: flag.state === undefined ? 'missing required property "state"' : `must be "ENABLED" or "DISABLED", not ${JSON.stringify(flag.state)}`,
    });
  }

  const variants = flag.variants;
  if (variants === undefined) {
    issues.push({ path: path(), message: 'missing required property "variants"' });
  } else if (!isObject(variants)) {
    issues.push({ path: path('variants'), message: 'must be an object of variant name → value' });
  } else {
    const names = Object.keys(variants);
    if (names.length === 0) issues.push({ path: path('variants'), message: 'must define at least one variant' });
    let flagType: FlagValueType | undefined;
    for (const name of names) {
      if (name.length === 0) issues.push({ path: path('variants', name), message: 'a variant name must not be empty' });
      const type = valueTypeOf(variants[name]);
      if (type === undefined) {
        issues.push({ path: path('variants', name), message: 'a variant value must be a boolean, string, number or object' });
      } else if (flagType === undefined) {
        flagType = type;
      } else if (type !== flagType) {
        issues.push({ path: path('variants', name), message: `variants must all have one type: this one is ${type}, earlier ones are ${flagType}` });
      }
    }
  }

  const defaultVariant = flag.defaultVariant;
  if (defaultVariant !== undefined && defaultVariant !== null) {
    if (typeof defaultVariant !== 'string') {
      issues.push({ path: path('defaultVariant'), message: 'must be a variant name (string) or null' });
    } else if (defaultVariant !== '' && isObject(variants) && !Object.hasOwn(variants, defaultVariant)) {
      issues.push({ path: path('defaultVariant'), message: `names no variant: "${defaultVariant}" (variants: ${Object.keys(variants).join(', ')})` });
    }
  }
  checkMetadata(flag.metadata, () => path('metadata'), issues);
}
