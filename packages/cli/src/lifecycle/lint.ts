import { migrationIssues } from '@switchyard/core';
import type { CodeReferences } from './code-refs.js';
import type { History } from './history.js';
import { rolloutShare } from './schedule.js';

export const FLAG_TYPES = ['release', 'experiment', 'operational', 'permission'] as const;
const DAY = 86_400_000;

export interface LintOptions {
  /** A rollout older than this is reported; default 90 days. */
  readonly rolloutMaxDays?: number;
  /** A release or experiment flag serving one variant to everyone this long is a removal candidate; default 7 days. */
  readonly settledDays?: number;
  /** A migration flag in one stage (or ramp) longer than this is reported; default 14 days. */
  readonly migrationStuckDays?: number;
}

export type Rule = 'expired' | 'stale-rollout' | 'remove' | 'unreferenced' | 'undefined' | 'metadata' | 'migration';

export interface Finding {
  readonly severity: 'error' | 'warning';
  readonly rule: Rule;
  readonly flag: string;
  readonly message: string;
}

type FlagJson = { state?: string; defaultVariant?: unknown; targeting?: unknown; metadata?: Record<string, unknown> };

const days = (ms: number) => Math.floor(ms / DAY);

/** The metadata keys lint reads, and the near misses that would otherwise be ignored in silence. */
const SLIPS: Record<string, string> = {
  expires: 'expiry', expire: 'expiry', expiration: 'expiry', expiresAt: 'expiry', expiresOn: 'expiry',
  expiryDate: 'expiry', expiry_date: 'expiry', expirationDate: 'expiry', expiration_date: 'expiry',
  Expiry: 'expiry', owners: 'owner', Owner: 'owner', Type: 'type', flagType: 'type',
};

/** [key written, key meant] for each near miss the flag has (and not the key meant as well). */
function misspelt(meta: Record<string, unknown>): [string, string][] {
  return Object.keys(meta).flatMap((k) => (Object.hasOwn(SLIPS, k) && meta[SLIPS[k]] === undefined ? [[k, SLIPS[k]] as [string, string]] : []));
}
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The lifecycle checks, on a flagd document, the flag file's history and the code's references:
 * expired flags and references to undefined flags are errors; old rollouts, flags settled at 100% / 0%
 * (candidates for removal), flags no code mentions and bad lifecycle metadata are warnings.
 */
export function lintFlags(flags: Record<string, FlagJson>, history: History, code: CodeReferences | undefined, now: number, options: LintOptions = {}): Finding[] {
  const rolloutMaxDays = options.rolloutMaxDays ?? 90;
  const settledDays = options.settledDays ?? 7;
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], rule: Rule, flag: string, message: string) => findings.push({ severity, rule, flag, message });

  for (const [key, flag] of Object.entries(flags)) {
    const meta = flag.metadata ?? {};
    const type = meta.type;
    if (type !== undefined && !(FLAG_TYPES as readonly unknown[]).includes(type)) add('warning', 'metadata', key, `type ${JSON.stringify(type)} is not one of ${FLAG_TYPES.join(', ')}`);
    if (typeof meta.owner !== 'string' || meta.owner.trim() === '') add('warning', 'metadata', key, 'no owner (metadata.owner)');

    for (const [slip, meant] of misspelt(meta)) add('warning', 'metadata', key, `metadata.${slip} is not read: lint reads metadata.${meant}`);
    if (meta.expiry !== undefined) {
      const expiry = typeof meta.expiry === 'string' ? Date.parse(meta.expiry) : Number.NaN;
      if (!Number.isFinite(expiry)) add('warning', 'metadata', key, `expiry ${JSON.stringify(meta.expiry)} is not an ISO date`);
      else if (expiry < now) add('error', 'expired', key, `expired on ${date(expiry)} (${days(now - expiry)} days ago)${typeof meta.owner === 'string' ? `; owner ${meta.owner}` : ''}`);
    }

    const seen = history.flags.get(key);
    const since = history.from === 'git' ? 'unchanged since' : 'file modified';
    const share = flag.state === 'DISABLED' ? undefined : rolloutShare(flag.targeting, Math.floor(now / 1000));
    if (share && share.percent > 0 && share.percent < 100) {
      const created = seen?.created;
      if (created !== undefined && now - created > rolloutMaxDays * DAY) {
        add('warning', 'stale-rollout', key, `still rolling out (${Math.round(share.percent)}% on "${share.treatment}") ${days(now - created)} days after it was added on ${date(created)}`);
      }
    }

    if (meta.migration === true) {
      lintMigration(key, flag, seen?.unchangedSince, now, options.migrationStuckDays ?? 14, add);
      if (code && !code.literals.has(key)) add('warning', 'unreferenced', key, `defined but never referenced in the code (${code.files} files)`);
      continue;
    }

    // Release and experiment flags are temporary; operational and permission flags are meant to stay.
    const temporary = type === undefined || type === 'release' || type === 'experiment';
    const noTargeting = flag.targeting === undefined || flag.targeting === null || (typeof flag.targeting === 'object' && Object.keys(flag.targeting).length === 0);
    const everyone = flag.state === 'DISABLED' ? 'disabled' : noTargeting ? 'static' : share && (share.percent === 100 || share.percent === 0) ? `${share.percent}%` : undefined;
    if (temporary && everyone && seen) {
      const lastStep = share?.schedule?.at(-1)?.at;
      const settled = Math.max(seen.unchangedSince, lastStep !== undefined ? lastStep * 1000 : 0);
      if (now - settled >= settledDays * DAY) {
        const what = everyone === 'disabled' ? 'disabled' : everyone === 'static' ? `serves "${String(flag.defaultVariant)}" to everyone` : `at ${everyone}`;
        add('warning', 'remove', key, `${what} for ${days(now - settled)} days (${since} ${date(settled)}): a candidate for removal`);
      }
    }

    if (code && !code.literals.has(key)) add('warning', 'unreferenced', key, `defined but never referenced in the code (${code.files} files)`);
  }

  if (code) {
    for (const ref of code.evaluations) {
      if (!Object.hasOwn(flags, ref.key)) add('error', 'undefined', ref.key, `${ref.file}:${ref.line} evaluates a flag the file does not define`);
    }
  }
  return findings;
}

/**
 * A migration flag (`"migration": true`): its variants must be the stages; one left in a stage (or a
 * ramp between two) longer than `stuckDays` is reported, and one at `complete` for a week is due to be
 * contracted: the old path and the flag deleted.
 */
function lintMigration(key: string, flag: FlagJson & { variants?: Record<string, unknown> }, unchangedSince: number | undefined, now: number, stuckDays: number, add: (severity: Finding['severity'], rule: Rule, flag: string, message: string) => void): void {
  const issues = migrationIssues({ variants: (flag.variants ?? {}) as Record<string, never>, defaultVariant: flag.defaultVariant as string | undefined });
  for (const issue of issues) add('error', 'migration', key, issue);
  if (issues.length > 0 || unchangedSince === undefined || flag.state === 'DISABLED') return;
  const noTargeting = flag.targeting === undefined || flag.targeting === null || (typeof flag.targeting === 'object' && Object.keys(flag.targeting).length === 0);
  const stage = noTargeting ? String(flag.defaultVariant) : 'a ramp between stages';
  const age = now - unchangedSince;
  if (stage === 'complete' && age >= 7 * DAY) {
    add('warning', 'migration', key, `complete for ${days(age)} days (since ${date(unchangedSince)}): contract it — delete the old path, then the flag`);
  } else if (stage !== 'complete' && stage !== 'off' && age > stuckDays * DAY) {
    add('warning', 'migration', key, `in ${stage === 'a ramp between stages' ? stage : `stage "${stage}"`} for ${days(age)} days (since ${date(unchangedSince)}), over ${stuckDays}: move it on or back`);
  }
}
