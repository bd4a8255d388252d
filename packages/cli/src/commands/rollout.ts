import { rename, writeFile } from 'node:fs/promises';
import { extensionOperators, formatIssue, parseFlags, type ParseResult } from '@switchyard/core';
import { parseJson, readText, targetingProblems, UsageError, type Output } from '../io.js';
import { parseSteps, placeRollout, scheduleTargeting } from '../lifecycle/schedule.js';

export interface RolloutOptions {
  flag?: string;
  steps?: string;
  variant?: string;
  control?: string;
  dryRun?: boolean;
}

type FlagJson = { variants?: Record<string, unknown>; targeting?: unknown };

/** Checked as `validate` checks it (extension operators included). */
const check = (json: string) => parseFlags(json, { operators: extensionOperators });

/** Every problem once, with its JSON path. */
const problems = (result: ParseResult) => (result.ok ? targetingProblems(result.snapshot) : result.issues.map(formatIssue));

/** The variant to roll out (the one whose value is `true`, else "on") and the one it replaces. */
function pickVariant(flag: FlagJson, given: string | undefined, value: boolean, fallback: string, what: string): string {
  const variants = flag.variants ?? {};
  const name = given ?? Object.keys(variants).find((k) => variants[k] === value) ?? fallback;
  if (!Object.hasOwn(variants, name)) throw new UsageError(`${what} variant "${name}" is not one of ${Object.keys(variants).join(', ')}`);
  return name;
}

/**
 * `switchyard rollout FILE --flag KEY --steps "ISO=PCT,…" [--variant V] [--control V] [--dry-run]`:
 * writes a time-stepped `fractional` rollout into a flagd file (see lifecycle/schedule.ts), checks the
 * whole document, prints the plan, and replaces the file atomically (or prints the flag: --dry-run).
 */
export async function rollout(file: string, options: RolloutOptions, io: Output): Promise<number> {
  if (!options.flag) throw new UsageError('--flag KEY is required');
  if (!options.steps) throw new UsageError('--steps "ISO-TIME=PERCENT,…" is required');
  let steps;
  try {
    steps = parseSteps(options.steps);
  } catch (e) {
    throw new UsageError(`--steps: ${(e as Error).message}`);
  }
  const text = await readText(file);
  const document = parseJson(text, file) as { flags?: Record<string, FlagJson> };
  const flag = document.flags?.[options.flag];
  if (!flag || typeof flag !== 'object') throw new UsageError(`${file} has no flagd flag "${options.flag}"`);
  const treatment = pickVariant(flag, options.variant, true, 'on', 'the rollout');
  const control = pickVariant(flag, options.control, false, 'off', 'the control');
  if (treatment === control) throw new UsageError('--variant and --control must differ');
  try {
    flag.targeting = placeRollout(flag.targeting, scheduleTargeting(steps, treatment, control));
  } catch (e) {
    throw new UsageError(`${options.flag}: ${(e as Error).message}`);
  }

  // A problem the file already has is not the rollout's: say so, rather than blame the rollout.
  const before = check(text);
  const after = before.ok && before.issues.length === 0 ? check(JSON.stringify(document)) : before;
  if (!after.ok || after.issues.length > 0) {
    io.err(`${file}: ${after === before ? 'the document is already invalid (fix it first)' : 'the document would be invalid with this rollout'}; not written`);
    for (const line of problems(after)) io.err(`  ${line}`);
    return 1;
  }

  io.out(`${options.flag}: "${treatment}" replaces "${control}" for`);
  io.out(`  before ${new Date(steps[0].at * 1000).toISOString()}: 0%`);
  for (const s of steps) io.out(`  from   ${new Date(s.at * 1000).toISOString()}: ${s.percent}%`);
  io.out('  (users already in stay in: the share only grows and every step keeps the same buckets)');
  if (options.dryRun) {
    io.out(JSON.stringify({ [options.flag]: flag }, null, 2));
    return 0;
  }
  await writeFile(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  io.out(`wrote ${file}`);
  return 0;
}
