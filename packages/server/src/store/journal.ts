import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { isRollback } from '../rollbacks.js';
import type { StoredRollback, StoreWrite } from './state-store.js';

/** A journal larger than this is read from its end only (the newest writes): a bounded start. */
const MAX_READ = 64 * 1024 * 1024;

/**
 * What a replica keeps on its own disk for when PostgreSQL is away: the writes still waiting
 * (`pending.jsonl`, one JSON line per write, emptied once all are in the database) and the rollbacks it
 * last read (`rollbacks.json`). A restart during an outage comes back with both.
 */
export class Journal {
  private readonly file: string;
  private readonly snapshot: string;
  private cache: Record<string, StoredRollback[]> = {};
  private written = '';
  /** Lines in the journal file (appended since it was last emptied or rewritten). */
  private lines = 0;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'pending.jsonl');
    this.snapshot = join(dir, 'rollbacks.json');
    try {
      const parsed = JSON.parse(readFileSync(this.snapshot, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) this.cache = Object.assign(Object.create(null), parsed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`ignoring ${this.snapshot}: ${(e as Error).message}`);
    }
  }

  /** Writes journaled before a restart and not yet in the database, oldest first; a torn last line is skipped. */
  pending(): StoreWrite[] {
    let text: string;
    try {
      const buffer = readFileSync(this.file);
      text = buffer.subarray(Math.max(0, buffer.length - MAX_READ)).toString('utf8');
    } catch {
      return [];
    }
    const writes: StoreWrite[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const write = JSON.parse(line) as StoreWrite;
        if (isWrite(write)) writes.push(write);
        else this.logger.warn(`ignoring a malformed line in ${this.file}`);
      } catch {
        // a line cut by a crash or a full disk
      }
    }
    this.lines = writes.length;
    if (writes.length) this.logger.info(`store: ${writes.length} writes from before the restart wait in ${this.file}`);
    return writes;
  }

  append(write: StoreWrite): void {
    appendFileSync(this.file, `${JSON.stringify(write)}\n`);
    this.lines++;
  }

  /**
   * The queue was trimmed (merged, dropped): the journal follows once it has grown to twice the queue,
   * so its size stays bounded by the queue's and rewriting costs no more than the appends did.
   */
  rewrite(writes: readonly StoreWrite[]): void {
    if (this.lines < 2 * writes.length + 16) return;
    try {
      writeFileSync(`${this.file}.tmp`, writes.map((w) => `${JSON.stringify(w)}\n`).join(''));
      renameSync(`${this.file}.tmp`, this.file);
      this.lines = writes.length;
    } catch (e) {
      this.logger.warn(`cannot rewrite ${this.file}: ${(e as Error).message}`);
    }
  }

  /** Every write is in the database: the journal starts empty. */
  drained(): void {
    try {
      writeFileSync(this.file, '');
      this.lines = 0;
    } catch (e) {
      this.logger.warn(`cannot empty ${this.file}: ${(e as Error).message}`);
    }
  }

  /** Keeps the rollbacks just read (written only when they changed, atomically). */
  remember(environment: string, rollbacks: StoredRollback[]): void {
    this.cache[environment] = rollbacks;
    const text = JSON.stringify(this.cache);
    if (text === this.written) return;
    try {
      writeFileSync(`${this.snapshot}.tmp`, text);
      renameSync(`${this.snapshot}.tmp`, this.snapshot);
      this.written = text;
    } catch (e) {
      this.logger.warn(`cannot write ${this.snapshot}: ${(e as Error).message}`);
    }
  }

  remembered(environment: string): StoredRollback[] {
    const list = this.cache[environment];
    return Array.isArray(list) ? list.filter((r) => r && typeof r.id === 'string' && isRollback(r.rollback)) : [];
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** A journal line is read back from disk: only a whole write of a known kind is replayed. */
function isWrite(value: unknown): value is StoreWrite {
  const write = value as Record<string, unknown> | null;
  if (typeof write !== 'object' || write === null || !isString(write.environment)) return false;
  const entry = write.entry as Record<string, unknown> | undefined;
  const audited = isString(write.uid) && typeof entry === 'object' && entry !== null && isString(entry.time) && isString(entry.outcome);
  switch (write.kind) {
    case 'audit':
      return audited;
    case 'rollback': {
      const stored = write.stored as Record<string, unknown> | undefined;
      return audited && typeof stored === 'object' && stored !== null && isString(stored.id) && isRollback(stored.rollback);
    }
    case 'lift':
      return audited && isString(write.flag) && isString(write.id);
    case 'seen':
      return Array.isArray(write.definitions) && write.definitions.every((d) => Array.isArray(d) && d.length === 3 && isString(d[0]) && isString(d[1]) && isString(d[2]) && !Number.isNaN(Date.parse(d[2])));
    default:
      return false;
  }
}
