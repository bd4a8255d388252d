import { createHash, randomUUID } from 'node:crypto';
import { flagFingerprint, systemTimers, type Snapshot, type Timers } from '@switchyard/core';
import type { AuditEntry, AuditPage, AuditRecord } from '../audit.js';
import type { Batch, EvidencePool, Pooled } from '../fleet/evidence.js';
import type { Logger } from '../logger.js';
import { isRollback, publicView, type Rollback } from '../rollbacks.js';
import type { Journal } from './journal.js';
import { migrate, SchemaError } from './schema.js';
import { isTransient, type Query, type SqlClient } from './sql.js';

/** A rollback as the store keeps it: its id (a lift names it, so a newer rollback is never lifted by mistake). */
export interface StoredRollback {
  readonly id: string;
  readonly rollback: Rollback;
}

/**
 * A write, queued in order and applied once: audit entries carry a `uid` the table is unique on, so a
 * write retried after a lost reply lands once. `seen` registers the definitions a replica serves
 * (SHA-256 of each flag's fingerprint), and lifts rollbacks whose flag the store first sees changed
 * after they were made.
 */
export type StoreWrite =
  | { readonly kind: 'audit'; readonly environment: string; readonly uid: string; readonly entry: AuditEntry }
  | { readonly kind: 'rollback'; readonly environment: string; readonly uid: string; readonly entry: AuditEntry; readonly stored: StoredRollback }
  | { readonly kind: 'lift'; readonly environment: string; readonly uid: string; readonly entry: AuditEntry; readonly flag: string; readonly id: string }
  | { readonly kind: 'seen'; readonly environment: string; readonly definitions: readonly (readonly [flag: string, fingerprint: string, at: string])[] };

export interface StoreHealth {
  readonly state: 'ok' | 'degraded';
  /** Since when writes or reads have failed, and the last failure. */
  readonly since?: string;
  readonly message?: string;
  /** Writes waiting for the store. */
  readonly pending: number;
}

export interface StateStoreOptions {
  /** This server's name in the audit trail and the store (default: host name and process id). */
  readonly replica: string;
  readonly logger: Logger;
  /** Safety net for lost notifications, and the reconnect cadence; default 5,000 ms. */
  readonly pollIntervalMs?: number;
  /** Writes held while the store is away, at most; beyond it the oldest reload entries are dropped (counted). Default 10,000. */
  readonly maxPending?: number;
  /** Where writes wait across a restart and the last rollbacks read are kept (a PostgreSQL server's store). */
  readonly journal?: Journal;
  readonly timers?: Timers;
}

/** A write waiting for the database; `written` resolves once it is there (true), or was refused or dropped (false). */
export interface Queued {
  readonly write: StoreWrite;
  readonly written: Promise<boolean>;
  readonly done: (stored: boolean) => void;
}

function queued(write: StoreWrite): Queued {
  let done!: (stored: boolean) => void;
  const written = new Promise<boolean>((resolve) => (done = resolve));
  return { write, written, done };
}

const CHANNEL = 'switchyard';
const RETRY_MS = [250, 500, 1000, 2000, 5000];

/** SHA-256 hex: what the store keeps of a fingerprint. */
export const hashOf = (fingerprint: string): string => createHash('sha256').update(fingerprint).digest('hex');

const definitionHashes = new WeakMap<Snapshot, Map<string, string>>();

/**
 * The hash of a flag's definition in a snapshot (`flagFingerprint`, SHA-256), computed once per
 * snapshot and flag: reloads register it and every evidence batch compares against it.
 */
export function definitionHash(snapshot: Snapshot, flag: string): string | undefined {
  let hashes = definitionHashes.get(snapshot);
  if (!hashes) definitionHashes.set(snapshot, (hashes = new Map()));
  let hash = hashes.get(flag);
  if (hash === undefined) {
    const fingerprint = flagFingerprint(snapshot, flag);
    if (fingerprint === undefined) return undefined;
    hashes.set(flag, (hash = hashOf(fingerprint)));
  }
  return hash;
}

/**
 * The state replicas share — rollbacks, the definitions each first saw, the audit trail — in
 * PostgreSQL (a server, or embedded). Writes never block serving: they queue in order and a single
 * writer applies them, retrying with backoff while the database is away (the queue is journaled to
 * disk when a journal is given). Changes reach every replica by `NOTIFY`, with a poll as safety net.
 */
export class StateStore implements EvidencePool {
  readonly replica: string;
  readonly description: string;
  /** Writes dropped because too many waited (reload entries only; rollbacks and lifts are never dropped). */
  dropped = 0;
  /** Writes the database refused as invalid (never retried; logged). */
  refused = 0;
  private readonly queue: Queued[] = [];
  private readonly subscribers = new Map<string, Set<() => void>>();
  private readonly timers: Timers;
  private migrated = false;
  private listening = false;
  private writing = false;
  private closed = false;
  private failures = 0;
  private retry?: unknown;
  private soon?: unknown;
  private poll?: unknown;
  private trouble?: { since: string; message: string };
  private readonly warned = new Set<string>();

  constructor(
    private readonly client: SqlClient,
    private readonly options: StateStoreOptions,
  ) {
    this.replica = options.replica;
    this.description = client.description;
    this.timers = options.timers ?? systemTimers;
    for (const write of options.journal?.pending() ?? []) this.queue.push(queued(write));
  }

  /**
   * Migrates and starts listening. A database that cannot be reached is not fatal — the server serves
   * flags without it, degraded, and keeps trying; a schema newer than this server's is (SchemaError).
   */
  async open(): Promise<void> {
    await this.connect();
    this.schedulePoll();
    void this.flush();
  }

  private async connect(): Promise<void> {
    try {
      if (!this.migrated) {
        const { applied, version } = await migrate(this.client);
        this.migrated = true;
        if (applied.length) this.options.logger.info(`store ${this.description}: schema migrated to version ${version}`);
      }
      if (!this.listening) {
        await this.client.listen(CHANNEL, (environment) => this.changed(environment), (error) => this.lost(error));
        this.listening = true;
      }
      this.healthy();
    } catch (e) {
      if (e instanceof SchemaError) throw e;
      this.failed(e);
    }
  }

  private lost(error: Error): void {
    this.listening = false;
    this.failed(error);
  }

  /** Calls `listener` when the environment's rollbacks may have changed (a notification, or each poll). */
  subscribe(environment: string, listener: () => void): () => void {
    let set = this.subscribers.get(environment);
    if (!set) this.subscribers.set(environment, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  private changed(environment?: string): void {
    for (const [name, listeners] of this.subscribers) {
      if (environment !== undefined && name !== environment) continue;
      for (const listener of listeners) listener();
    }
  }

  health(): StoreHealth {
    return this.trouble ? { state: 'degraded', ...this.trouble, pending: this.queue.length } : { state: 'ok', pending: this.queue.length };
  }

  /** The rollbacks stored for an environment; throws when the database cannot be read. */
  async rollbacks(environment: string): Promise<StoredRollback[]> {
    const rows = await this.client.query<{ id: string; rollback: string }>('SELECT id, rollback FROM switchyard_rollbacks WHERE environment = $1 ORDER BY made_at, id', [environment]);
    const stored: StoredRollback[] = [];
    for (const row of rows) {
      // A row edited by hand is skipped (and said once), never the reason nothing is read.
      const rollback = parseRollback(row.rollback);
      if (rollback) stored.push({ id: row.id, rollback });
      else this.warnOnce(`row ${row.id}`, `store: ignoring rollback row ${row.id} of ${environment}: not a whole rollback`);
    }
    this.options.journal?.remember(environment, stored);
    return stored;
  }

  /** The rollbacks last read for an environment, from the journal: what a restart without the database starts from. */
  remembered(environment: string): StoredRollback[] {
    return this.options.journal?.remembered(environment) ?? [];
  }

  /** Queued writes for an environment, oldest first (a restart applies its own rollbacks and lifts before the database is back). */
  pendingWrites(environment: string): Queued[] {
    return this.queue.filter((q) => q.write.environment === environment);
  }

  /** A page of the audit trail, oldest first; `outcomes` narrows it. Throws when the database cannot be read. */
  async changes(environment: string, before: number | undefined, limit: number, outcomes?: readonly string[]): Promise<AuditPage> {
    const rows = await this.client.query<{ id: string; replica: string; entry: string }>(
      `SELECT id, replica, entry FROM switchyard_audit
        WHERE environment = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::text[] IS NULL OR outcome = ANY ($3))
        ORDER BY id DESC LIMIT $4`,
      [environment, before ?? null, outcomes ?? null, limit + 1],
    );
    const page = rows.slice(0, limit).reverse();
    const changes = page.map((row) => ({ id: Number(row.id), replica: row.replica, ...entryOf(row.entry) }) as AuditRecord);
    return rows.length > limit ? { changes, before: changes[0].id } : { changes };
  }

  /**
   * Pools a batch of guard evidence (`EvidencePool`): counted once per instance and seq, in one
   * transaction, straight to the database — a guard whose batch fails sends it again. Throws when the
   * database cannot be written.
   */
  async add(environment: string, batch: Batch, definitions: ReadonlyMap<string, string>): Promise<Pooled | undefined> {
    return this.client.transaction(async (query) => {
      const fresh = await query(
        `INSERT INTO switchyard_evidence_batches (environment, instance, seq) VALUES ($1, $2, $3)
         ON CONFLICT (environment, instance) DO UPDATE SET seq = EXCLUDED.seq, updated_at = now() WHERE switchyard_evidence_batches.seq < EXCLUDED.seq
         RETURNING 1`,
        [environment, batch.instance, batch.seq],
      );
      if (fresh.length === 0) return undefined;
      // One statement for every row, in one order for every batch: two batches never wait on each
      // other's row locks in a cycle, and a batch costs three round trips however many flags it has.
      const rows = [...batch.flags].flatMap(([flag, variants]) => [...variants].map(([variant, arm]) => ({ flag, flagHash: hashOf(flag), definition: definitions.get(flag)!, variant: JSON.stringify(variant), arm })));
      rows.sort((a, b) => (a.flagHash + a.variant < b.flagHash + b.variant ? -1 : 1));
      const column = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
      await query(
        `INSERT INTO switchyard_evidence (environment, flag_hash, definition, variant, evaluations, errors, latency_count, latency_sum, log_latency_sum, log_latency_squares)
         SELECT $1, f, d, v, n, e, lc, ls, lls, llq
           FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::float8[], $9::float8[], $10::float8[]) WITH ORDINALITY AS r(f, d, v, n, e, lc, ls, lls, llq, i)
          ORDER BY i
         ON CONFLICT (environment, flag_hash, definition, variant) DO UPDATE SET
           evaluations = switchyard_evidence.evaluations + EXCLUDED.evaluations, errors = switchyard_evidence.errors + EXCLUDED.errors,
           latency_count = switchyard_evidence.latency_count + EXCLUDED.latency_count, latency_sum = switchyard_evidence.latency_sum + EXCLUDED.latency_sum,
           log_latency_sum = switchyard_evidence.log_latency_sum + EXCLUDED.log_latency_sum,
           log_latency_squares = switchyard_evidence.log_latency_squares + EXCLUDED.log_latency_squares, updated_at = now()`,
        [
          environment,
          column((r) => r.flagHash),
          column((r) => r.definition),
          column((r) => r.variant),
          column((r) => r.arm.n),
          column((r) => r.arm.errors),
          column((r) => r.arm.latencyCount),
          column((r) => r.arm.latencySum),
          column((r) => r.arm.logLatencySum),
          column((r) => r.arm.logLatencySquares),
        ],
      );
      const flags = [...batch.flags.keys()];
      const pooledRows = await query<{ flag_hash: string; variant: string; evaluations: string; errors: string; latency_count: string; latency_sum: number; log_latency_sum: number; log_latency_squares: number }>(
        `SELECT e.flag_hash, e.variant, e.evaluations, e.errors, e.latency_count, e.latency_sum, e.log_latency_sum, e.log_latency_squares
           FROM switchyard_evidence e JOIN unnest($2::text[], $3::text[]) AS w(f, d) ON e.flag_hash = w.f AND e.definition = w.d
          WHERE e.environment = $1`,
        [environment, flags.map(hashOf), flags.map((f) => definitions.get(f)!)],
      );
      const byHash = new Map(flags.map((f) => [hashOf(f), f]));
      const pooled: Pooled = new Map();
      for (const r of pooledRows) {
        const flag = byHash.get(r.flag_hash)!;
        if (!pooled.has(flag)) pooled.set(flag, new Map());
        pooled.get(flag)!.set(JSON.parse(r.variant) as string, { n: Number(r.evaluations), errors: Number(r.errors), latencyCount: Number(r.latency_count), latencySum: Number(r.latency_sum), logLatencySum: Number(r.log_latency_sum), logLatencySquares: Number(r.log_latency_squares) });
      }
      return pooled;
    });
  }

  /** Queues a write; resolves true once it is in the database, false if it was refused or dropped. Never rejects. */
  write(write: StoreWrite): Promise<boolean> {
    const entry = queued(write);
    this.queue.push(entry);
    try {
      this.options.journal?.append(write);
    } catch (e) {
      this.options.logger.error(`store: cannot journal a write (${(e as Error).message}); it waits in memory`);
    }
    this.bound();
    // Not now: the publication that caused this write reaches its streams first (an embedded
    // database works on this thread, and would otherwise run before their bytes are sent).
    if (this.soon === undefined) {
      this.soon = this.timers.setTimeout(() => {
        this.soon = undefined;
        void this.flush();
      }, 0);
    }
    return entry.written;
  }

  /** New audit entries get a fresh uid. */
  static uid(): string {
    return randomUUID();
  }

  /**
   * Keeps the backlog within `maxPending`: first the definitions waiting per environment are merged into
   * one write (each keeping its own time), then the oldest reload entries go, counted and logged.
   * Rollbacks and lifts are never dropped. The write being applied right now is never touched.
   */
  private bound(): void {
    const max = this.options.maxPending ?? 10_000;
    if (this.queue.length <= max) return;
    const first = this.writing ? 1 : 0;
    const newest = new Map<string, Queued>();
    for (const q of this.queue.slice(first)) if (q.write.kind === 'seen') newest.set(q.write.environment, q);
    const merged = new Map<string, Map<string, readonly [string, string, string]>>();
    for (let i = first; i < this.queue.length; i++) {
      const q = this.queue[i];
      if (q.write.kind !== 'seen') continue;
      let into = merged.get(q.write.environment);
      if (!into) merged.set(q.write.environment, (into = new Map()));
      for (const definition of q.write.definitions) {
        const key = `${definition[1]}\u0000${definition[0]}`;
        const known = into.get(key);
        if (!known || definition[2] < known[2]) into.set(key, definition); // the earliest sighting
      }
      if (q === newest.get(q.write.environment)) {
        this.queue[i] = { ...q, write: { ...q.write, definitions: [...into.values()] } };
      } else {
        this.queue.splice(i--, 1);
        q.done(true); // carried by the newest
      }
    }
    while (this.queue.length > max) {
      const index = this.queue.findIndex((q, i) => i >= first && q.write.kind === 'audit');
      if (index === -1) break;
      const [{ done }] = this.queue.splice(index, 1);
      done(false);
      if (this.dropped++ === 0 || this.dropped % 1000 === 0) this.options.logger.error(`store: ${this.dropped} audit entries dropped: more than ${max} writes waited for ${this.description}`);
    }
    // The journal holds what the queue holds, not every write ever made during the outage.
    this.options.journal?.rewrite(this.queue.map((q) => q.write));
  }

  /** The single writer: applies queued writes in order; on a transient failure waits and resumes from the same one. */
  private async flush(): Promise<void> {
    if (this.writing || this.closed || this.retry !== undefined) return;
    this.writing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const head = this.queue[0];
        let stored = true;
        try {
          if (!this.migrated) await this.connect();
          if (!this.migrated) throw new Error(this.trouble?.message ?? 'not migrated');
          await this.apply(head.write);
        } catch (e) {
          if (this.closed) return; // closing: what waits stays in the journal
          if (isTransient(e)) {
            this.failed(e);
            this.retry = this.timers.setTimeout(() => {
              this.retry = undefined;
              void this.flush();
            }, RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)]);
            return;
          }
          stored = false;
          this.refused++;
          this.options.logger.error(`store: ${this.description} refused a ${head.write.kind} write for ${head.write.environment} (not retried): ${(e as Error).message}`);
        }
        // By identity: `bound` may have merged or dropped others meanwhile, never this one.
        this.queue.splice(this.queue.indexOf(head), 1);
        head.done(stored);
        this.healthy();
      }
      if (this.queue.length === 0) this.options.journal?.drained();
    } finally {
      this.writing = false;
    }
  }

  private async apply(write: StoreWrite): Promise<void> {
    await this.client.transaction(async (query) => {
      if (write.kind !== 'seen' && (await query('SELECT 1 FROM switchyard_audit WHERE uid = $1', [write.uid])).length > 0) return false; // landed before the reply was lost
      switch (write.kind) {
        case 'audit':
          await this.audit(query, write.environment, write.uid, write.entry);
          return false;
        case 'rollback': {
          const { id, rollback } = write.stored;
          await query(
            `INSERT INTO switchyard_rollbacks (environment, flag_hash, flag, id, rollback, baseline_hash, known_hashes, replica, made_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (environment, flag_hash) DO UPDATE SET flag = EXCLUDED.flag, id = EXCLUDED.id, made_at = EXCLUDED.made_at, rollback = EXCLUDED.rollback,
               baseline_hash = EXCLUDED.baseline_hash, known_hashes = EXCLUDED.known_hashes, replica = EXCLUDED.replica, created_at = now()`,
            [write.environment, hashOf(rollback.flag), JSON.stringify(rollback.flag), id, JSON.stringify(rollback), hashOf(rollback.baseline), (rollback.known ?? []).map(hashOf), this.replica, rollback.at],
          );
          await this.audit(query, write.environment, write.uid, write.entry);
          return true;
        }
        case 'lift':
          await query('DELETE FROM switchyard_rollbacks WHERE environment = $1 AND flag_hash = $2 AND id = $3', [write.environment, hashOf(write.flag), write.id]);
          await this.audit(query, write.environment, write.uid, write.entry);
          return true;
        case 'seen':
          return (await this.seen(query, write)) > 0;
      }
    });
  }

  /**
   * Registers definitions with when this replica first served them (the earliest report wins), then
   * lifts the rollbacks on those flags whose definition here was first served after the rollback was
   * made — never the one it was made against or one served before it: a replica still serving an
   * older definition mid-rollout lifts nothing. Times, not arrival order: a replica cut off from the
   * store reports late what it served early, and that must not lift a rollback made in between.
   */
  private async seen(query: Query, write: Extract<StoreWrite, { kind: 'seen' }>): Promise<number> {
    const flags = write.definitions.map(([flag]) => hashOf(flag));
    const hashes = write.definitions.map(([, fingerprint]) => fingerprint);
    const times = write.definitions.map(([, , at]) => at);
    await query(
      `INSERT INTO switchyard_definitions (environment, flag_hash, fingerprint, first_seen, replica)
       SELECT DISTINCT ON (f, h) $1, f, h, t, $5 FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS s(f, h, t) ORDER BY f, h, t
       ON CONFLICT (environment, flag_hash, fingerprint) DO UPDATE SET first_seen = EXCLUDED.first_seen, replica = EXCLUDED.replica
         WHERE EXCLUDED.first_seen < switchyard_definitions.first_seen`,
      [write.environment, flags, hashes, times, this.replica],
    );
    const lifted = await query<{ rollback: string; replica: string }>(
      `DELETE FROM switchyard_rollbacks r USING unnest($2::text[], $3::text[]) AS s(f, h), switchyard_definitions d
        WHERE r.environment = $1 AND r.flag_hash = s.f AND d.environment = $1 AND d.flag_hash = s.f AND d.fingerprint = s.h
          AND d.first_seen > r.made_at AND s.h <> r.baseline_hash AND NOT (s.h = ANY (r.known_hashes))
        RETURNING r.rollback, d.replica`,
      [write.environment, flags, hashes],
    );
    for (const row of lifted) {
      const rollback = parseRollback(row.rollback);
      const entry: AuditEntry = {
        time: new Date().toISOString(),
        outcome: 'lifted',
        source: `the flag was changed at its source (first served by ${row.replica})`,
        ...(rollback ? { rollback: publicView(rollback) } : {}),
      };
      await this.audit(query, write.environment, StateStore.uid(), entry);
    }
    return lifted.length;
  }

  private async audit(query: Query, environment: string, uid: string, entry: AuditEntry): Promise<void> {
    await query('INSERT INTO switchyard_audit (uid, environment, replica, time, outcome, entry) VALUES ($1, $2, $3, $4, $5, $6)', [uid, environment, this.replica, entry.time, entry.outcome, JSON.stringify(entry)]);
    if (entry.outcome === 'rollback' || entry.outcome === 'lifted') await query('SELECT pg_notify($1, $2)', [CHANNEL, environment]);
  }

  private warnOnce(about: string, message: string): void {
    if (this.warned.has(about) || this.warned.size > 1000) return;
    this.warned.add(about);
    this.options.logger.warn(message);
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.poll = this.timers.setTimeout(() => void this.tick(), this.options.pollIntervalMs ?? 5000);
  }

  /** The safety net: reconnect, resume writing, and let every environment re-read its rollbacks. */
  private async tick(): Promise<void> {
    try {
      if (!this.migrated || !this.listening) await this.connect();
      if (this.queue.length > 0) void this.flush();
      this.changed();
    } catch (e) {
      // A newer server migrated the database meanwhile (a rolling upgrade): say so, serve on, keep trying.
      this.failed(e);
    } finally {
      this.schedulePoll();
    }
  }

  private failed(error: unknown): void {
    this.failures++;
    const message = (error as Error)?.message || String(error);
    if (!this.trouble) this.options.logger.error(`store ${this.description} unreachable (${message}): serving on with the rollbacks known here; writes wait (${this.queue.length})`);
    this.trouble = { since: this.trouble?.since ?? new Date(this.timers.now()).toISOString(), message };
  }

  private healthy(): void {
    this.failures = 0;
    if (!this.trouble || !this.migrated || !this.listening) return;
    this.options.logger.info(`store ${this.description} reachable again`);
    this.trouble = undefined;
    this.changed();
  }

  /**
   * Stops polling and closes the database after the writes waiting have landed — given up to
   * `drainMs` (default 5,000 ms) while the database answers; what is still waiting then stays in the
   * journal, when there is one, for the next start.
   */
  async close(drainMs = 5000): Promise<void> {
    this.timers.clearTimeout(this.poll);
    const last = this.queue.at(-1);
    if (last && !this.trouble) {
      let timer: unknown;
      await Promise.race([last.written, new Promise<void>((resolve) => (timer = this.timers.setTimeout(resolve, drainMs)))]);
      this.timers.clearTimeout(timer);
    }
    this.closed = true;
    this.timers.clearTimeout(this.retry);
    this.timers.clearTimeout(this.soon);
    await this.client.close();
  }
}

/** A rollback row's JSON, or undefined when it is not a whole rollback (edited by hand). */
function parseRollback(text: string): Rollback | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return isRollback(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An audit row's entry; one edited into something else reads as what it is, not as an error for the whole page. */
function entryOf(text: string): AuditEntry {
  try {
    const entry = JSON.parse(text) as AuditEntry;
    if (entry && typeof entry === 'object' && typeof entry.outcome === 'string') return entry;
  } catch {
    // fall through
  }
  return { time: '', outcome: 'applied', source: '(an unreadable entry)' };
}
