import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import type { Pin } from '@switchyard/core';
import type { Rollback } from './rollbacks.js';

const FIELDS = ['flag', 'variant', 'reason', 'by', 'at', 'baseline'] as const;
const SUFFIX = '.json';
const HASHED = '#';
const MAX_ENCODED = 200;

export interface RollbackStateOptions {
  /** Re-read interval for filesystems (e.g. network volumes) whose watch events go missing; default 2,000 ms. */
  readonly pollIntervalMs?: number;
}

/**
 * An environment's rollbacks on disk (`switchyard serve --state DIR`): one file per rolled-back flag,
 * `DIR/ENVIRONMENT/<flag, URI-encoded>.json`, written atomically. They survive a restart, and replicas
 * sharing the directory see each other's. One file per flag means two replicas rolling back two flags
 * at once never overwrite each other, and lifting one is deleting its file.
 */
export class RollbackState {
  readonly dir: string;
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  /** Problems already logged, by file: the directory is re-read every few seconds. */
  private readonly reported = new Map<string, string>();

  constructor(
    root: string,
    environment: string,
    private readonly logger: Logger,
    private readonly options: RollbackStateOptions = {},
  ) {
    this.dir = join(root, environment);
    mkdirSync(this.dir, { recursive: true });
  }

  /**
   * The rollback files by flag. A file that exists but cannot be read or parsed maps to `null`: it is
   * logged (once) and never deleted, and it does not count as a lift — only a missing file does, so a
   * storage hiccup cannot put a failing treatment back. Throws when the directory cannot be listed.
   */
  read(): Map<string, Rollback | null> {
    const rollbacks = new Map<string, Rollback | null>();
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(SUFFIX)) continue; // temporary files of a write in progress
      const file = join(this.dir, name);
      let flag = name;
      try {
        const text = readFileSync(file, 'utf8');
        if (name.startsWith(HASHED)) {
          // A long key: the file names its hash; the key is inside, and must hash to the name.
          const inside = (JSON.parse(text) as { flag?: unknown }).flag;
          if (typeof inside !== 'string' || nameOf(inside) !== name) throw new Error('names a flag whose key does not hash to the file name');
          flag = inside;
        } else {
          flag = decodeURIComponent(name.slice(0, -SUFFIX.length));
        }
        rollbacks.set(flag, parseRollback(text, flag));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // lifted by another replica meanwhile
        rollbacks.set(flag, null);
        this.warnOnce(name, `ignoring rollback file ${file}: ${(e as Error).message}`);
      }
    }
    return rollbacks;
  }

  /** Logs a problem the first time it is seen for `about` (the directory is re-read every few seconds). */
  warnOnce(about: string, message: string): void {
    if (this.reported.get(about) !== message) this.logger.warn(message);
    this.reported.set(about, message);
  }

  /** Writes atomically; on failure (a full disk) leaves nothing behind and throws. */
  write(rollback: Rollback): void {
    const file = this.fileOf(rollback.flag);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(rollback, null, 2)}\n`);
      renameSync(temp, file);
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
  }

  remove(flag: string): void {
    rmSync(this.fileOf(flag), { force: true });
  }

  /** Calls `changed` (debounced) when files come and go: another replica, or an operator's `rm`. */
  watch(changed: () => void): void {
    const schedule = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(changed, 20);
      this.debounce.unref();
    };
    this.watcher = watch(this.dir, { persistent: false }, schedule);
    this.watcher.on('error', (e) => this.logger.warn(`cannot watch ${this.dir}: ${e.message}; re-reading every ${this.options.pollIntervalMs ?? 2000} ms`));
    this.poll = setInterval(changed, this.options.pollIntervalMs ?? 2000);
    this.poll.unref();
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
  }

  private fileOf(flag: string): string {
    return join(this.dir, nameOf(flag));
  }
}

/**
 * A flag's file name: its key URI-encoded (no `/` or `\\`, so it stays in the directory), or — when
 * that would pass file-name limits (255 bytes on most file systems) — `#` and the key's SHA-256. `#`
 * is never in an encoded key, so the two kinds cannot collide.
 */
export function nameOf(flag: string): string {
  const encoded = encodeURIComponent(flag);
  return encoded.length <= MAX_ENCODED ? `${encoded}${SUFFIX}` : `${HASHED}${createHash('sha256').update(flag).digest('hex')}${SUFFIX}`;
}

export const sameRollback = (a: Pin | undefined, b: Rollback): boolean => a !== undefined && FIELDS.every((field) => a[field] === b[field]);

/** A rollback file's content, checked field by field: the file may have been edited by hand. */
function parseRollback(text: string, flag: string): Rollback {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  for (const field of FIELDS) if (typeof value[field] !== 'string') throw new Error(`"${field}" must be a string`);
  if (value.flag !== flag) throw new Error(`names flag "${String(value.flag)}" but the file is for "${flag}"`);
  const known = value.known;
  if (known !== undefined && (!Array.isArray(known) || known.length > 20 || !known.every((k) => typeof k === 'string'))) throw new Error('"known" must be at most 20 strings');
  const rollback = Object.fromEntries(FIELDS.map((field) => [field, value[field]]));
  return (known === undefined ? rollback : { ...rollback, known }) as unknown as Rollback;
}
