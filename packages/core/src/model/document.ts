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

type Report = (path: string, message: string) => void;
/** Builds a path under a prefix; called only when there is an error to report (10,000 flags load fast). */
type At = (...keys: (string | number)[]) => string;

const at: At = (...keys) => keys.reduce<string>(childPath, ROOT);
const OBJECT = 'must be an object';
const NOT_EMPTY = 'must not be empty';
const missing = (name: string) => `missing required property "${name}"`;

/** The structural checks of `readDocument`, for a value `readJson` already sanitized. */
export function checkDocument(doc: unknown, limits: Limits = DEFAULT_LIMITS): DocumentResult {
  const issues: Issue[] = [];
  const report: Report = (path, message) => void issues.push({ path, message });
  if (!isObject(doc)) {
    report(ROOT, OBJECT);
  } else {
    const { flags, $evaluators, $schema } = doc;
    if ($schema !== undefined && typeof $schema !== 'string') report('$schema', 'must be a string');
    checkMetadata(doc.metadata, at, report);
    if ($evaluators !== undefined && !isObject($evaluators)) report('$evaluators', OBJECT);
    if (flags === undefined) report(ROOT, missing('flags'));
    else if (!isObject(flags)) report('flags', OBJECT);
    else {
      const keys = Object.keys(flags);
      if (keys.length > limits.maxFlags) report('flags', `${keys.length} flags, over the limit of ${limits.maxFlags}`);
      else for (const key of keys) checkFlag(flags[key], key, report);
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, document: doc as unknown as FlagDocument };
}

function checkMetadata(metadata: JsonValue | undefined, at: At, report: Report): void {
  if (metadata === undefined) return;
  if (!isObject(metadata)) return report(at('metadata'), OBJECT);
  for (const [key, value] of Object.entries(metadata)) {
    const t = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') report(at('metadata', key), `must be a string, number or boolean, not ${t}`);
  }
}

function checkFlag(flag: JsonValue, key: string, report: Report): void {
  const path: At = (...keys) => at('flags', key, ...keys);
  if (key === '') report(path(), NOT_EMPTY);
  if (!isObject(flag)) return report(path(), OBJECT);
  const { state, variants, defaultVariant } = flag;
  if (state !== 'ENABLED' && state !== 'DISABLED') {
    report(path('state'), state === undefined ? missing('state') : `must be "ENABLED" or "DISABLED", not ${JSON.stringify(state)}`);
  }
  const names = isObject(variants) ? Object.keys(variants) : [];
  if (variants === undefined) report(path(), missing('variants'));
  else if (!isObject(variants)) report(path('variants'), OBJECT);
  else if (names.length === 0) report(path('variants'), NOT_EMPTY);
  let flagType: FlagValueType | undefined;
  for (const name of names) {
    const type = valueTypeOf((variants as JsonObject)[name]);
    if (name === '') report(path('variants', name), NOT_EMPTY);
    if (type === undefined) report(path('variants', name), 'must be a boolean, string, number or object');
    else if (type !== (flagType ??= type)) report(path('variants', name), `is a ${type}; the variants before it are ${flagType}s`);
  }
  if (defaultVariant !== undefined && defaultVariant !== null) {
    if (typeof defaultVariant !== 'string') report(path('defaultVariant'), 'must be a string or null');
    else if (defaultVariant !== '' && isObject(variants) && !Object.hasOwn(variants, defaultVariant)) {
      report(path('defaultVariant'), `names no variant: "${defaultVariant}" (variants: ${names.join(', ')})`);
    }
  }
  checkMetadata(flag.metadata, path, report);
}
