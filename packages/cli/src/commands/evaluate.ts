import { formatIssue, type FlagValueType, type ResolutionDetails, type Snapshot } from '@switchyard/core';
import { checkDefault, loadFlagFile, parseContext, parseDefault, parseJson, parseNow, parseType, readText, targetingProblems, UsageError, type FormatOptions, type Output } from '../io.js';

export interface EvaluateOptions extends FormatOptions {
  flag?: string;
  type?: string;
  default?: string;
  context?: string;
  batch?: string;
  now?: string;
}

/** Resolution details as printed: the flag key first, then OpenFeature's fields. */
export function detailsJson(flagKey: string, details: ResolutionDetails<unknown>) {
  const { value, variant, reason, errorCode, errorMessage, flagMetadata } = details;
  return { flagKey, value, variant, reason, errorCode, errorMessage, flagMetadata };
}

export function evaluateOne(snapshot: Snapshot, flagKey: string, type: FlagValueType | undefined, defaultValue: unknown, context: Record<string, unknown>) {
  return detailsJson(flagKey, snapshot.resolve(flagKey, type, defaultValue, context));
}

/**
 * An ERROR answer (FLAG_NOT_FOUND: a typo; PARSE_ERROR: invalid targeting; TYPE_MISMATCH: the flag is
 * not the type the code asks for; GENERAL: targeting naming no variant) means the application would
 * silently get its default: a finding, exit 1 — the same for `--flag` and every `--batch` case.
 */
const isFinding = (details: { reason?: string }) => details.reason === 'ERROR';

/**
 * `switchyard evaluate FILE --flag KEY [...]` prints one resolution; `--batch CASES.jsonl` prints one
 * line per case, in order. A case line that cannot be read prints `{"line", "error"}`; it and an ERROR
 * answer make the exit code 1 without stopping the others, and stderr names their lines.
 */
export async function evaluate(file: string, options: EvaluateOptions, io: Output): Promise<number> {
  if ((options.flag === undefined) === (options.batch === undefined)) throw new UsageError('evaluate needs exactly one of --flag KEY or --batch CASES.jsonl');
  const result = await loadFlagFile(file, { now: parseNow(options.now), format: options.format, rolloutAttribute: options.rolloutAttribute });
  if (!result.ok) {
    io.err(`${file}: invalid, document rejected`);
    for (const issue of result.issues) io.err(`  ${formatIssue(issue)}`);
    return 1;
  }
  for (const line of targetingProblems(result.snapshot)) io.err(`warning: ${line}`);
  const { snapshot } = result;

  if (options.flag !== undefined) {
    const type = parseType(options.type);
    const context = parseContext(options.context === undefined ? undefined : parseJson(options.context, '--context'), '--context');
    const details = evaluateOne(snapshot, options.flag, type, parseDefault(options.default, type), context);
    io.out(JSON.stringify(details, null, 2));
    return isFinding(details) ? 1 : 0;
  }

  let failures = 0;
  const failedLines: number[] = []; // the first few, for the message
  const fail = (line: number) => failures++ < 10 && failedLines.push(line);
  const lines = (await readText(options.batch!)).split('\n');
  lines.forEach((text, index) => {
    if (text.trim() === '') return;
    try {
      const spec = parseJson(text, `line ${index + 1}`) as Record<string, unknown>;
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError('a case must be a JSON object');
      if (typeof spec.flag !== 'string') throw new UsageError('a case needs "flag" (a string)');
      const type = parseType(spec.type);
      const details = evaluateOne(snapshot, spec.flag, type, checkDefault(spec.default, type), parseContext(spec.context, '"context"'));
      io.out(JSON.stringify(details));
      if (isFinding(details)) fail(index + 1);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      fail(index + 1);
      io.out(JSON.stringify({ line: index + 1, error: e.message }));
    }
  });
  if (failures === 0) return 0;
  // The answers usually go to a file: the job's log says which cases failed.
  const which = `line${failures === 1 ? '' : 's'} ${failedLines.join(', ')}${failures > failedLines.length ? ', …' : ''}`;
  io.err(`${failures} case${failures === 1 ? '' : 's'} unreadable or answered ERROR: ${which}`);
  return 1;
}
