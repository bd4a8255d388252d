import type { SqlClient } from './sql.js';

/**
 * The schema, as numbered migrations applied in order at start. Applied ones are recorded in
 * `switchyard_schema`; each runs in the transaction that records it, so a failed one leaves nothing.
 * Strings from outside (flag keys, reasons, audit entries) are stored JSON-encoded in `text`, which
 * holds every JavaScript string exactly (NUL and lone surrogates included, which `text` and `jsonb`
 * cannot take raw).
 */
export const MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly sql: string }[] = [
  {
    version: 1,
    description: 'rollbacks, definitions first seen, audit trail',
    sql: `
      -- Flags are keyed by the SHA-256 of their key: keys of any length fit an index.
      CREATE TABLE switchyard_rollbacks (
        environment   text        NOT NULL,
        flag_hash     text        NOT NULL,
        flag          text        NOT NULL,             -- the key, JSON-encoded
        id            uuid        NOT NULL UNIQUE,
        made_at       timestamptz NOT NULL,             -- when the replica that took it applied it
        rollback      text        NOT NULL,             -- the pin as JSON: variant, reason, by, at, baseline, known
        baseline_hash text        NOT NULL,             -- SHA-256 of the definition it was made against
        known_hashes  text[]      NOT NULL DEFAULT '{}', -- and of those served before it
        replica       text        NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (environment, flag_hash)
      );

      CREATE TABLE switchyard_definitions (
        environment text        NOT NULL,
        flag_hash   text        NOT NULL,
        fingerprint text        NOT NULL,               -- SHA-256 of the flag's definition
        first_seen  timestamptz NOT NULL,               -- when a replica first served it (the earliest reported)
        replica     text        NOT NULL,               -- that replica
        PRIMARY KEY (environment, flag_hash, fingerprint)
      );

      CREATE TABLE switchyard_audit (
        id          bigserial   PRIMARY KEY,
        uid         uuid        NOT NULL UNIQUE,        -- makes a retried write land once
        environment text        NOT NULL,
        replica     text        NOT NULL,
        time        timestamptz NOT NULL,
        outcome     text        NOT NULL,
        entry       text        NOT NULL                -- the entry as JSON
      );
      CREATE INDEX switchyard_audit_by_environment ON switchyard_audit (environment, id);
    `,
  },
  {
    version: 2,
    description: 'guard evidence pooled across instances',
    sql: `
      CREATE TABLE switchyard_evidence (
        environment        text             NOT NULL,
        flag_hash          text             NOT NULL,
        definition         text             NOT NULL,   -- SHA-256 of the flag's definition: a new one starts afresh
        variant            text             NOT NULL,   -- JSON-encoded
        evaluations        bigint           NOT NULL,
        errors             bigint           NOT NULL,
        latency_count      bigint           NOT NULL,
        latency_sum        double precision NOT NULL,
        log_latency_sum    double precision NOT NULL,
        log_latency_squares double precision NOT NULL,
        updated_at         timestamptz      NOT NULL DEFAULT now(),
        PRIMARY KEY (environment, flag_hash, definition, variant)
      );

      -- The last batch counted from each instance: a resend is counted once.
      CREATE TABLE switchyard_evidence_batches (
        environment text        NOT NULL,
        instance    text        NOT NULL,
        seq         bigint      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (environment, instance)
      );
    `,
  },
];

/** Any 64-bit number, the same for every Switchyard server: serializes migrations across replicas. */
const MIGRATION_LOCK = 0x5377_6974_6368;

/**
 * Brings the schema up to date. Replicas starting at once queue on an advisory lock held for the
 * transaction, so exactly one applies each migration and the others find it done. A database migrated
 * by a newer server is refused rather than written with an older idea of the schema.
 */
export async function migrate(client: SqlClient): Promise<{ applied: number[]; version: number }> {
  return client.transaction(async (query) => {
    await query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await query(`CREATE TABLE IF NOT EXISTS switchyard_schema (
      version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await query<{ version: number }>('SELECT version FROM switchyard_schema')).map((r) => Number(r.version)));
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    const newest = Math.max(0, ...done);
    if (newest > known) throw new SchemaError(`the database's schema is version ${newest}, newer than this server's (${known}): upgrade the server`);
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await query(migration.sql);
      await query('INSERT INTO switchyard_schema (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      applied.push(migration.version);
    }
    return { applied, version: known };
  });
}

/** The database cannot be used by this server as it is (not a connectivity problem). */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}
