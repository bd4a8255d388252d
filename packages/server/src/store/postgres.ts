import pg from 'pg';
import type { Query, SqlClient } from './sql.js';

export interface PostgresOptions {
  /** Connections at most (queries, transactions); the notification listener has its own. Default 4. */
  readonly maxConnections?: number;
  /** Connecting gives up after this; default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** A statement is cancelled by the server after this; default 10,000 ms. */
  readonly statementTimeoutMs?: number;
}

/** `postgres://user:secret@host/db?sslpassword=x` → `postgres://user@host/db?sslpassword=redacted`: logs never carry a password. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    // pg also takes secrets from the query string.
    for (const secret of ['password', 'sslpassword', 'sslkey']) if (parsed.searchParams.has(secret)) parsed.searchParams.set(secret, 'redacted');
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * A PostgreSQL server through `pg`: a small pool for statements, and one dedicated connection for
 * `LISTEN` (a pooled one would be handed back and lose it). Every connection has a connect timeout,
 * a statement timeout and TCP keepalive, so a silent server costs bounded time and never a hang.
 */
export class PostgresClient implements SqlClient {
  readonly description: string;
  private readonly pool: pg.Pool;
  private listener?: pg.Client;

  constructor(
    private readonly url: string,
    private readonly options: PostgresOptions = {},
  ) {
    this.description = redact(url);
    this.pool = new pg.Pool({ ...this.settings(), max: options.maxConnections ?? 4, idleTimeoutMillis: 30_000 });
    // An idle connection dropped by the server emits here; without a listener it would crash the process.
    this.pool.on('error', () => undefined);
  }

  private settings(): pg.ClientConfig {
    return {
      connectionString: this.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      statement_timeout: this.options.statementTimeoutMs ?? 10_000,
      query_timeout: (this.options.statementTimeoutMs ?? 10_000) + 2000,
      // A connection that goes silent (a partition) is noticed in about a minute, not the OS's two hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
      application_name: 'switchyard',
    };
  }

  readonly query: Query = async <R>(text: string, params?: readonly unknown[]) => (await this.pool.query(text, params as unknown[])).rows as R[];

  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const connection = await this.pool.connect();
    let broken: Error | undefined;
    // Lost between statements, the connection emits instead of rejecting: the next statement fails instead.
    const lost = (e: Error) => (broken = e);
    connection.on('error', lost);
    try {
      await connection.query('BEGIN');
      const result = await work(async <R>(text: string, params?: readonly unknown[]) => (await connection.query(text, params as unknown[])).rows as R[]);
      await connection.query('COMMIT');
      return result;
    } catch (e) {
      await connection.query('ROLLBACK').catch((r: Error) => (broken = r));
      throw e;
    } finally {
      connection.off('error', lost);
      connection.release(broken);
    }
  }

  async listen(channel: string, onMessage: (payload: string) => void, onLost: (error: Error) => void): Promise<void> {
    await this.stopListening();
    const client = new pg.Client(this.settings());
    let lost = false;
    const lose = (error: Error) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      onLost(error);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the notification connection closed')));
    client.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (e) {
      lost = true; // not listening: the caller sees the rejection, not onLost
      await client.end().catch(() => undefined);
      throw e;
    }
    this.listener = client;
  }

  private async stopListening(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    if (client) {
      client.removeAllListeners('end');
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.stopListening();
    await this.pool.end().catch(() => undefined);
  }
}
