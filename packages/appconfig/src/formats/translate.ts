import type { Issue, Translator, TranslateResult } from '@switchyard/core';
import { readHosted } from './hosted.js';
import { isObject } from './json.js';
import { readRetrieval } from './retrieval.js';
import { toFlagdDocument, type SurfaceOptions } from './to-flagd.js';

export type FlagFormat = 'flagd' | 'appconfig-hosted' | 'appconfig-retrieval';
export const FORMATS: readonly FlagFormat[] = ['flagd', 'appconfig-hosted', 'appconfig-retrieval'];

/**
 * Tells the formats apart by shape: AppConfig hosted has `flags` and `values` (or `version`); flagd
 * has `flags` alone; retrieval is an object of `{enabled, …}` objects. An empty object is `emptyIs`:
 * from AppConfig it is a profile without flags; in a file it is more likely a mistake (flagd rejects it).
 */
export function detectFormat(json: unknown, emptyIs?: FlagFormat): FlagFormat | undefined {
  if (!isObject(json)) return undefined;
  if (Object.keys(json).length === 0) return emptyIs;
  if ('values' in json || ('version' in json && 'flags' in json)) return 'appconfig-hosted';
  if ('flags' in json) return 'flagd';
  return Object.values(json).every((v) => isObject(v) && 'enabled' in v) ? 'appconfig-retrieval' : undefined;
}

/** Translates one AppConfig format (parsed JSON) into a flagd document, or lists every problem. */
export function translateAppConfig(json: unknown, format: Exclude<FlagFormat, 'flagd'>, options: SurfaceOptions = {}): TranslateResult {
  if (!isObject(json)) return { ok: false, issues: [{ path: '$', message: 'an AppConfig configuration must be a JSON object' }] };
  const issues: Issue[] = [];
  const flags = format === 'appconfig-hosted' ? readHosted(json, issues) : readRetrieval(json, issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, document: toFlagdDocument(flags, options) };
}

/**
 * A core Translator for `format`. `auto` detects it per payload; flagd documents, and anything that
 * is recognisably none of the three, pass through to the core, whose flagd validation then names the
 * problem precisely.
 */
export function formatTranslator(format: FlagFormat | 'auto', options: SurfaceOptions = {}, emptyIs?: FlagFormat): Translator {
  return (json) => {
    const detected = format === 'auto' ? detectFormat(json, emptyIs) : format;
    return detected === undefined || detected === 'flagd' ? { ok: true, document: json } : translateAppConfig(json, detected, options);
  };
}
