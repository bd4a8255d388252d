import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Query, SqlClient } from './sql.js';

type PGliteInstance = import('@electric-sql/pglite').PGlite;

/**
 * PostgreSQL compiled to WebAssembly (PGlite), in a data directory: the same SQL as a PostgreSQL
 * server, durable across restarts, for one process. Loaded only when used. A lock file keeps a second
 * process from opening the same directory (PGlite is single-process; two would corrupt it).
 */
export class EmbeddedClient implements SqlClient {
  readonly description: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: PGliteInstance,
    private readonly lock: string,
    dir: string,
  ) {
    this.description = `embedded PostgreSQL in ${dir}`;
  }

  static async open(dir: string): Promise<EmbeddedClient> {
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, 'switchyard.lock');
    takeLock(lock);
    try {
      const { PGlite } = await import('@electric-sql/pglite');
      const db = await PGlite.create(join(dir, 'pgdata'));
      return new EmbeddedClient(db, lock, dir);
    } catch (e) {
      rmSync(lock, { force: true });
      held.delete(lock);
      throw e;
    }
  }

  /** PGlite runs one statement at a time: statements and transactions take turns here. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private run = async <R>(db: Pick<PGliteInstance, 'query' | 'exec'>, text: string, params?: readonly unknown[]): Promise<R[]> => {
    if (params?.length) return (await db.query<R>(text, params as unknown[])).rows;
    const results = await db.exec(text); // several statements (a migration) are allowed without parameters
    return (results.at(-1)?.rows ?? []) as R[];
  };

  readonly query: Query = <R>(text: string, params?: readonly unknown[]) => this.serial(() => this.run<R>(this.db, text, params));

  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.serial(() => this.db.transaction((tx) => work(<R>(text: string, params?: readonly unknown[]) => this.run<R>(tx, text, params))));
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<void> {
    // In one process the connection cannot be lost: onLost is never called.
    await this.db.listen(channel, onMessage);
  }

  async close(): Promise<void> {
    await this.serial(() => this.db.close()).catch(() => undefined);
    rmSync(this.lock, { force: true });
    held.delete(this.lock);
  }
}

/** Lock files this process holds: opening the same directory twice in one process is refused too. */
const held = new Set<string>();

/** Who this process is, in a way a reused process id cannot fake: the boot, the id, the start time. */
function identity(pid: number): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; // field 22: start time since boot
    return `${boot}:${pid}:${started}`;
  } catch {
    return undefined; // no /proc (not Linux), or no such process
  }
}

/** Whether the holder a lock file names still runs: on Linux the very same process, elsewhere a live id that is not ours. */
function holderRuns(content: string): number | undefined {
  const [pid, who] = content.split('\n');
  const id = Number(pid);
  if (!Number.isInteger(id) || id <= 0) return undefined;
  if (who && identity(process.pid) !== undefined) return identity(id) === who ? id : undefined;
  return id !== process.pid && alive(id) ? id : undefined;
}

/**
 * Creates the lock file (`PID` and the process's identity). One left by a process that is gone — a
 * crash, a container restarted with the same PID, a reboot — is taken over: renamed away first, so
 * of two servers taking it over at once only one can.
 */
function takeLock(file: string): void {
  if (held.has(file)) throw new Error(`${file} is already open in this process`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n${identity(process.pid) ?? ''}`);
      closeSync(fd);
      held.add(file);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const pid = holderRuns(content);
    if (pid !== undefined) throw new Error(`${file} is held by process ${pid}: another switchyard serve uses this data directory`);
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // another process took it over first
    }
    if (readFileSync(aside, 'utf8') !== content) {
      // What we moved was a fresh lock of the process that took over before us: put it back.
      linkSync(aside, file);
      rmSync(aside, { force: true });
      continue;
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`cannot take ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
