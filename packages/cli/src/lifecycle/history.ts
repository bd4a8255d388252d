import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';

/** When each flag appeared, and since when its definition has been what it is now. */
export interface FlagHistory {
  /** Epoch ms of the oldest version of the file that has the flag. */
  readonly created?: number;
  /** Epoch ms since which the definition is unchanged (the working copy counts as now when it differs). */
  readonly unchangedSince: number;
}

export interface History {
  /** "git" when read from the repository's history, else "mtime" (the file's modification time only). */
  readonly from: 'git' | 'mtime';
  readonly flags: ReadonlyMap<string, FlagHistory>;
}

const run = promisify(execFile);
const MAX_COMMITS = 500;

type Flags = Record<string, unknown>;
const flagsOf = (text: string): Flags | undefined => {
  try {
    const doc = JSON.parse(text) as { flags?: Flags };
    return doc && typeof doc.flags === 'object' && doc.flags !== null ? doc.flags : undefined;
  } catch {
    return undefined; // a broken version in history is skipped
  }
};

/**
 * Reads the flag file's git history (following renames, newest first, up to 500 commits). Outside a
 * repository — or for a file git does not track — every flag dates from the file's modification time.
 */
export async function readHistory(file: string, current: Flags, now: number): Promise<History> {
  const cwd = dirname(file);
  const git = (...args: string[]) => run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);
  let versions: { time: number; flags: Flags | undefined }[] = [];
  try {
    const log = await git('log', '--follow', `-n${MAX_COMMITS}`, '--format=%x00%H %ct', '--name-only', '--', basename(file));
    const top = (await git('rev-parse', '--show-toplevel')).trim();
    for (const record of log.split('\0').filter((r) => r.trim())) {
      const [head, ...paths] = record.trim().split('\n');
      const [hash, seconds] = head.split(' ');
      const path = paths.find((p) => p.trim())?.trim();
      if (!path) continue;
      const text = await run('git', ['show', `${hash}:${path}`], { cwd: top, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout, () => '');
      versions.push({ time: Number(seconds) * 1000, flags: flagsOf(text) });
    }
  } catch {
    versions = [];
  }
  if (versions.length === 0) {
    const mtime = (await stat(file)).mtimeMs;
    return { from: 'mtime', flags: new Map(Object.keys(current).map((k) => [k, { unchangedSince: mtime }])) };
  }
  const flags = new Map<string, FlagHistory>();
  for (const [key, definition] of Object.entries(current)) {
    const now_ = JSON.stringify(definition);
    let created: number | undefined;
    for (const v of versions) if (v.flags && Object.hasOwn(v.flags, key)) created = v.time; // oldest wins (newest first)
    // The working copy differs from the last commit: changed just now.
    let unchangedSince = now;
    for (const v of versions) {
      if (!v.flags || JSON.stringify(v.flags[key]) !== now_) break;
      unchangedSince = v.time;
    }
    flags.set(key, { created, unchangedSince });
  }
  return { from: 'git', flags };
}
