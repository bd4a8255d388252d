import { readFile } from 'node:fs/promises';
import { detectFormat, FORMATS, formatTranslator, type FlagFormat } from '@switchyard/appconfig';
import { extensionOperators, formatIssue, parseFlags, serverUrlProblem, type FlagValueType, type LoadOptions, type ParseResult, type Snapshot, type Translator } from '@switchyard/core';

/** A problem with how the command was called or with its inputs: exit code 2. */
export class UsageError extends Error {}

/** A file, port, store or server the command could not use: exit 2 like a usage error, without the usage hint. */
export class IoError extends UsageError {}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const TYPES: readonly FlagValueType[] = ['boolean', 'string', 'number', 'object'];

export async function readText(path: string): Promise<string> {
  try {
    return path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface FormatOptions {
  /** flagd, appconfig-hosted, appconfig-retrieval, or auto (the default: detected from the content). */
  format?: string;
  /** AppConfig: the opt-in sticky percentage rollout attribute. */
  rolloutAttribute?: string;
}

export function parseFormat(value: string | undefined): FlagFormat | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if ((FORMATS as readonly string[]).includes(value)) return value as FlagFormat;
  throw new UsageError(`--format must be auto, ${FORMATS.join(', ')}, not ${JSON.stringify(value)}`);
}

/** Reads a flag file in any supported format; `format` is the one used (detected when auto). */
export async function loadFlagFile(path: string, options: LoadOptions & FormatOptions = {}): Promise<ParseResult & { format: FlagFormat }> {
  const text = await readText(path);
  const requested = parseFormat(options.format);
  const surface = { rolloutAttribute: options.rolloutAttribute };
  let format: FlagFormat = requested === 'auto' ? 'flagd' : requested;
  // Detected on the JSON the core parses anyway, so the file is read once.
  const translate: Translator = (json) => {
    if (requested === 'auto') format = detectFormat(json) ?? 'flagd';
    return formatTranslator(format, surface)(json);
  };
  const result = parseFlags(text, { operators: extensionOperators, ...options, translate });
  return { ...result, format };
}

/**
 * Each invalid targeting once, `path: message`. A broken `$evaluators` entry breaks every flag that
 * references it: it is named once, with (the first few of) those flags.
 */
export function targetingProblems(snapshot: Snapshot): string[] {
  const flagsOf = new Map<string, string[]>();
  for (const flag of snapshot.flags.values()) {
    if (!flag.targetingIssue) continue;
    const line = formatIssue(flag.targetingIssue);
    if (flagsOf.has(line)) flagsOf.get(line)!.push(flag.key);
    else flagsOf.set(line, [flag.key]);
  }
  return [...flagsOf].map(([line, keys]) => {
    if (!line.startsWith('$evaluators')) return line;
    const more = keys.length > 5 ? ` and ${keys.length - 5} more` : '';
    return `${line} (flag${keys.length === 1 ? '' : 's'} ${keys.slice(0, 5).join(', ')}${more})`;
  });
}

export function parseType(value: unknown): FlagValueType | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (TYPES as readonly string[]).includes(value)) return value as FlagValueType;
  throw new UsageError(`type must be one of ${TYPES.join(', ')}, not ${JSON.stringify(value)}`);
}

/** Reads `--default` text as the requested type (without a type: JSON if it parses, else a string). */
export function parseDefault(text: string | undefined, type: FlagValueType | undefined): unknown {
  if (text === undefined) return type === undefined ? null : { boolean: false, string: '', number: 0, object: {} }[type];
  switch (type) {
    case 'string':
      return text;
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new UsageError(`--default for a boolean flag must be true or false, not ${JSON.stringify(text)}`);
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--default for a number flag must be a number, not ${JSON.stringify(text)}`);
      return n;
    }
    case 'object': {
      const v = parseJson(text, '--default');
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--default for an object flag must be a JSON object');
      return v;
    }
    default:
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
  }
}

/** A batch case's default is already JSON: check it fits the type. */
export function checkDefault(value: unknown, type: FlagValueType | undefined): unknown {
  if (value === undefined) return parseDefault(undefined, type);
  if (type === undefined) return value;
  const ok = type === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value) : typeof value === type;
  if (!ok) throw new UsageError(`default ${JSON.stringify(value)} is not a ${type}`);
  return value;
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A URL option, refused before anything runs unless it is http(s): `localhost:8013` gets the URL to write instead. */
export function checkUrl(value: string | undefined, option: string): void {
  const problem = value === undefined ? undefined : serverUrlProblem(value, option);
  if (problem) throw new UsageError(problem);
}

export function parseContext(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** `--now` as an ISO date or epoch milliseconds: pins `$flagd.timestamp` for dry runs of schedules. */
export function parseNow(text: string | undefined): (() => number) | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--now must be an ISO date or epoch milliseconds, not ${JSON.stringify(text)}`);
  return () => ms;
}
