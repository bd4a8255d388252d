import { resolve } from 'node:path';
import { IoError, parseJson, parseNow, readText, UsageError, type Output } from '../io.js';
import { scanCode } from '../lifecycle/code-refs.js';
import { readHistory } from '../lifecycle/history.js';
import { lintFlags, type Finding } from '../lifecycle/lint.js';

export interface LintCommandOptions {
  code?: string;
  now?: string;
  strict?: boolean;
  json?: boolean;
  rolloutMaxDays?: string;
  settledDays?: string;
  migrationStuckDays?: string;
}

const positive = (text: string | undefined, what: string) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number of days, not ${JSON.stringify(text)}`);
  return n;
};

/**
 * `switchyard lint FLAGS [--code DIR] [--now ISO] [--strict] [--json]`: the flag lifecycle checks
 * (lifecycle/lint.ts). Exit 0 clean (warnings allowed), 1 errors (or warnings with --strict), 2 usage.
 */
export async function lint(file: string, options: LintCommandOptions, io: Output): Promise<number> {
  const now = (parseNow(options.now) ?? Date.now)();
  const document = parseJson(await readText(file), file) as { flags?: Record<string, object> };
  if (!document || typeof document.flags !== 'object' || document.flags === null) throw new UsageError(`${file} is not a flagd document (no "flags" object)`);
  const flags = document.flags;
  const [history, code] = await Promise.all([readHistory(resolve(file), flags, now), options.code ? scanCode(options.code).catch((e) => Promise.reject(new IoError(`cannot read ${options.code}: ${(e as NodeJS.ErrnoException).code ?? e}`))) : undefined]);
  const findings = lintFlags(flags, history, code, now, { rolloutMaxDays: positive(options.rolloutMaxDays, '--rollout-max-days'), settledDays: positive(options.settledDays, '--settled-days'), migrationStuckDays: positive(options.migrationStuckDays, '--migration-stuck-days') });
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;

  if (options.json) {
    io.out(JSON.stringify({ file, history: history.from, codeFiles: code?.files, findings }, null, 2));
  } else {
    const count = Object.keys(flags).length;
    io.out(`${file}: ${count} flag${count === 1 ? '' : 's'}${code ? `, ${code.files} source files in ${options.code}` : ''}; ages from ${history.from === 'git' ? 'git history' : 'the file modification time (not in git)'}`);
    const width = Math.max(0, ...findings.map((f) => f.flag.length));
    const order = (f: Finding) => (f.severity === 'error' ? 0 : 1);
    for (const f of [...findings].sort((a, b) => order(a) - order(b))) io.out(`${f.severity.padEnd(7)} ${f.rule.padEnd(13)} ${f.flag.padEnd(width)}  ${f.message}`);
    io.out(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  return errors > 0 || (options.strict && warnings > 0) ? 1 : 0;
}
