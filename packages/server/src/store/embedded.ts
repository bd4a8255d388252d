import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
  }
}

/** Creates the lock file with this process's id; one left by a process that is gone is taken over. */
function takeLock(file: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new Error(`${file} is held by process ${pid}: another switchyard serve uses this data directory`);
      rmSync(file, { force: true });
    }
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
