import { checkDocument, readDocument, readJson } from '../model/document.js';
import { FlagDocumentError, type Issue } from '../model/issues.js';
import { DEFAULT_LIMITS, type Limits } from '../model/limits.js';
import type { FlagMetadata } from '../model/types.js';
import type { Operator } from '../targeting/operator.js';
import type { Clock } from '../targeting/rule.js';
import { compileFlag, type Flag } from './flag.js';
import { Snapshot } from './snapshot.js';

export interface LoadOptions {
  /** Bounds for untrusted input (defaults: 32 Mi characters, depth 64, 100,000 flags). */
  readonly limits?: Partial<Limits>;
  /** Clock for `$flagd.timestamp`, in milliseconds (default `Date.now`): dry runs and tests. */
  readonly now?: () => number;
  /**
   * Turns another format (e.g. AWS AppConfig's) into a flagd document before validation. It gets
   * the parsed, sanitized JSON and reports its own problems with paths; any problem rejects the payload.
   */
  readonly translate?: Translator;
  /**
   * Operators beyond flagd's. `extensionOperators` (typed `compare`, linear-time `regex_match`) are
   * what translated AppConfig rules use; they are opt-in so bundles that do not need them stay small.
   */
  readonly operators?: Readonly<Record<string, Operator>>;
}

export type TranslateResult = { readonly ok: true; readonly document: unknown } | { readonly ok: false; readonly issues: readonly Issue[] };
export type Translator = (json: unknown) => TranslateResult;

export type ParseResult =
  | { readonly ok: true; readonly snapshot: Snapshot; readonly issues: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Parses, validates and compiles a flagd document (JSON text or a parsed value). A structural
 * problem rejects the whole document (`ok: false`, every issue with its path). A flag whose targeting
 * is invalid is kept and resolves ERROR / PARSE_ERROR, as in flagd; its issue is listed in `issues`.
 */
export function parseFlags(input: string | unknown, options: LoadOptions = {}): ParseResult {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  let read;
  if (options.translate) {
    const json = readJson(input, limits);
    if (!json.ok) return json;
    const translated = options.translate(json.value);
    if (!translated.ok) return { ok: false, issues: translated.issues };
    // A document passed through untouched is already sanitized; a translated one is checked again.
    read = translated.document === json.value ? checkDocument(json.value, limits) : readDocument(translated.document, limits);
  } else {
    read = readDocument(input, limits);
  }
  if (!read.ok) return { ok: false, issues: read.issues };

  const { document } = read;
  const clock: Clock = { now: options.now ?? Date.now, seconds: -1 };
  const setMetadata: FlagMetadata = document.metadata ?? Object.freeze({});
  const evaluators = new Map(Object.entries(document.$evaluators ?? {}));
  const operators = options.operators && new Map(Object.entries(options.operators));
  const flags = new Map<string, Flag>();
  const issues: Issue[] = [];
  for (const [key, definition] of Object.entries(document.flags)) {
    const flag = compileFlag(key, definition, setMetadata, evaluators, clock, operators);
    if (flag.targetingIssue) issues.push(flag.targetingIssue);
    flags.set(key, flag);
  }
  return { ok: true, snapshot: new Snapshot(flags, setMetadata, document, Object.freeze(issues)), issues };
}

/** Like `parseFlags`, but throws `FlagDocumentError` when the document is rejected. */
export function loadSnapshot(input: string | unknown, options?: LoadOptions): Snapshot {
  const result = parseFlags(input, options);
  if (!result.ok) throw new FlagDocumentError(result.issues);
  return result.snapshot;
}
