import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { EmbeddedClient } from './embedded.js';
import { Journal } from './journal.js';
import { PostgresClient, redact } from './postgres.js';
import { StateStore } from './state-store.js';

export interface StoreOptions {
  /** `postgres://USER@HOST:PORT/DB` (a PostgreSQL server, for replicas), `memory` (no store), or absent: embedded in `data`. */
  readonly url?: string;
  /** This server's own directory: the embedded database, or the journal of a PostgreSQL server's store. */
  readonly data: string;
  /** This server's name in the audit trail; default host name and process id. */
  readonly replica?: string;
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
}

/** A store as `switchyard serve --store` names it (not yet opened: the server opens it); undefined for `memory`. */
export async function openStore(options: StoreOptions): Promise<StateStore | undefined> {
  const { url, data, logger } = options;
  const replica = options.replica ?? `${hostname()}:${process.pid}`;
  const settings = { replica, logger, pollIntervalMs: options.pollIntervalMs };
  if (url === 'memory') return undefined;
  if (url === undefined) return new StateStore(await EmbeddedClient.open(join(data, 'embedded')), settings);
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`a store is postgres://USER@HOST:PORT/DB or memory, not ${redact(url)}`);
  // One journal per database: a server pointed at another database does not replay writes meant for the first.
  const journal = new Journal(join(data, `journal-${createHash('sha256').update(redact(url)).digest('hex').slice(0, 12)}`), logger);
  return new StateStore(new PostgresClient(url), { ...settings, journal });
}
