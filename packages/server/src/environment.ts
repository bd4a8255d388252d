import { randomUUID } from 'node:crypto';
import {
  definitionHolds,
  diffSnapshots,
  extensionOperators,
  formatIssue,
  flagFingerprint,
  PinSet,
  pinOf,
  SyncEngine,
  type Issue,
  type LiftedPin,
  type Pin,
  type Snapshot,
  type SnapshotDiff,
  type SourceProblem,
  type SourceStatus,
  type SyncSource,
} from '@switchyard/core';
import { clientDocument, type Scope } from './audience.js';
import { etagOf } from './http/etag.js';
import type { Logger } from './logger.js';
import { MemoryAudit, type AuditEntry, type AuditPage } from './audit.js';
import type { FleetDecision } from './fleet/fleet-guard.js';
import { publicView, type PublicRollback, type Rollback } from './rollbacks.js';
import { definitionHash, StateStore, type StoredRollback } from './store/state-store.js';

/** One audience's view of a published version: the exact bytes served and their ETag. */
export interface Representation {
  readonly body: string;
  readonly etag: string;
  /** The flag keys this audience can see. */
  readonly keys: ReadonlySet<string>;
}

/** A published version of an environment's flags. */
export interface Published {
  readonly version: number;
  readonly snapshot: Snapshot;
  readonly at: Date;
  readonly server: Representation;
  readonly client: Representation;
  /** Keys changed since the previous version, per audience. */
  readonly changed: Readonly<Record<Scope, readonly string[]>>;
  /** True for an audience whose bytes are identical to the previous version's (no event for it). */
  readonly unchanged: Readonly<Record<Scope, boolean>>;
}

export interface EnvironmentOptions {
  readonly logger: Logger;
  /** How many versions are remembered for SSE resumption; default 100. */
  readonly historySize?: number;
  /** Without a store: how many audit entries this process keeps; default 1,000. */
  readonly auditSize?: number;
  /**
   * Where rollbacks and the audit trail are kept, shared with replicas and across restarts. Without
   * one they live in this process, and a rollback lifts as soon as its flag changes at the source here.
   */
  readonly store?: StateStore;
  /** This server's name in the audit trail (the store's, when there is one). */
  readonly replica?: string;
  /** How long the source may be unreachable before it is reported (log, `/readyz`); default 10,000 ms. */
  readonly staleAfterMs?: number;
  /** How long a rollback request waits for the store before answering `persisted: false`; default 2,000 ms. */
  readonly persistWaitMs?: number;
}

export type Listener = (published: Published) => void;

/** A rollback as the API shows it; `persisted: false` while the store does not have it yet. */
export type RollbackView = PublicRollback & { readonly persisted?: false };

/**
 * One environment (production, staging, …): its source feeding the core's sync engine (the same
 * store, pins and status machine as every provider), the current published version, a bounded
 * history for SSE resume, and the audit trail. A document is published only when it is valid; a bad
 * one is rejected whole and the last good version keeps being served.
 *
 * With a store, rollbacks are the store's: made or lifted here, they are written there (in order,
 * retried while it is away, held here meanwhile), and those made or lifted on other replicas arrive
 * by notification. Only the store lifts one for a changed definition — one no replica served before
 * the rollback — so a replica serving an older one mid-rollout lifts nothing.
 */
export class Environment {
  current?: Published;
  /** The last rejected document, until a valid one arrives. */
  lastError?: { readonly time: string; readonly source: string; readonly issues: readonly Issue[] };
  /** Set while the source has been unreachable past `staleAfterMs`. */
  unreachable?: { readonly since: string; readonly message: string };
  /** Every outcome of the source: repeated failures are counted here, logged once. */
  readonly counts = { applied: 0, rejected: 0, unchanged: 0, unreachable: 0 };
  readonly engine: SyncEngine;
  private readonly pins: PinSet;
  private readonly history: Published[] = [];
  private readonly memory?: MemoryAudit;
  private readonly store?: StateStore;
  private readonly listeners = new Set<Listener>();
  /** What the next publication is attributed to (a rollback, a lift), when it is not the source. */
  private cause?: string;
  /** The store's id of each rollback in force here. */
  private readonly ids = new Map<string, string>();
  /** Rollbacks and lifts made here that the store does not have yet, by flag: the latest write. */
  private readonly waiting = new Map<string, Promise<boolean>>();
  /** Bumped by every rollback or lift made here: a store read that straddles one is stale. */
  private generation = 0;
  private reconciling?: Promise<void>;
  private reconcileAgain = false;
  /** The source snapshot whose definitions the store was last told of. */
  private registered?: Snapshot;
  /** Rollbacks that do not apply here (no such flag or variant): logged once, left alone. */
  private readonly ignored = new Map<string, string>();
  private unsubscribe?: () => void;

  constructor(
    readonly name: string,
    readonly source: SyncSource,
    private readonly options: EnvironmentOptions,
  ) {
    // The server runs on Node: no bundle budget, so every Switchyard extension is available.
    this.engine = new SyncEngine(source, { translate: source.translate, operators: extensionOperators, staleAfterMs: options.staleAfterMs, warn: (message) => options.logger.warn(`[${name}] ${message}`) });
    this.store = options.store;
    if (!this.store) this.memory = new MemoryAudit(options.replica ?? 'this process', options.auditSize);
    this.pins = new PinSet(this.engine, { lifts: this.store ? 'owner' : 'here' });
    this.engine.listen({
      outcome: (outcome) => {
        this.counts[outcome]++;
        if (this.store && outcome !== 'unreachable') this.register(this.store);
      },
      changed: (snapshot, _changed, lifted) => this.published(snapshot, lifted),
      status: (status, problem) => this.status(status, problem),
    });
  }

  /**
   * Takes in the stored rollbacks (before the first document: a restarted server must not serve a
   * rolled-back treatment even once), then starts the source; resolves once its first attempt is done.
   */
  async start(): Promise<void> {
    if (this.store) await this.restoreFromStore(this.store);
    this.engine.start();
    await Promise.race([this.engine.ready, this.engine.started]);
  }

  private async restoreFromStore(store: StateStore): Promise<void> {
    let stored: StoredRollback[];
    try {
      stored = await store.rollbacks(this.name);
    } catch (e) {
      stored = store.remembered(this.name);
      this.options.logger.warn(`[${this.name}] cannot read rollbacks from ${store.description} (${(e as Error).message}): starting with the ${stored.length} last read here`);
    }
    for (const { id, rollback } of stored) {
      this.ids.set(rollback.flag, id);
      this.pins.restore(rollback);
    }
    // Rollbacks and lifts made here before a restart that the store does not have yet.
    for (const { write, written } of store.pendingWrites(this.name)) {
      if (write.kind === 'rollback') {
        this.ids.set(write.stored.rollback.flag, write.stored.id);
        this.pins.restore(write.stored.rollback);
        this.track(write.stored.rollback.flag, written);
      } else if (write.kind === 'lift' && this.ids.get(write.flag) === write.id) {
        this.ids.delete(write.flag);
        this.pins.unpin(write.flag);
        this.track(write.flag, written);
      }
    }
    this.unsubscribe = store.subscribe(this.name, () => void this.reconcile());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.engine.stop();
  }

  onPublish(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Serves `variant` of `flag` to everyone, in every client, until the flag changes at its source or
   * `lift` is called; published (and streamed) at once, then written to the store (the answer waits
   * for that up to `persistWaitMs`). RangeError for an unknown flag/variant.
   */
  async rollback(flag: string, variant: string, reason: string, by: string, decision?: FleetDecision): Promise<RollbackView> {
    const source = this.engine.store.source;
    if (!source?.flags.has(flag)) throw new RangeError(`no flag "${flag}" in environment "${this.name}"`);
    const pin = pinOf(source, flag, variant, { reason, by, known: this.servedDefinitions(flag) }) as Rollback;
    const entry: AuditEntry = { time: pin.at, outcome: 'rollback', source: `rollback by ${by}`, rollback: publicView(pin), ...(decision ? { decision } : {}) };
    this.options.logger.warn(`[${this.name}] rolled back ${flag} to "${variant}" (by ${by}): ${reason}`);
    this.generation++;
    // The entry first, then the publication it causes: the trail reads in the order things happened.
    let written: Promise<boolean> | undefined;
    if (this.store) {
      const id = randomUUID();
      this.ids.set(flag, id);
      written = this.track(flag, this.store.write({ kind: 'rollback', environment: this.name, uid: StateStore.uid(), entry, stored: { id, rollback: pin } }));
    } else {
      this.memory!.record(entry);
    }
    this.cause = `rollback of ${flag} by ${by}`;
    this.pins.restore(pin);
    this.cause = undefined;
    if (written) await Promise.race([written, delay(this.options.persistWaitMs ?? 2000)]);
    return this.view(pin);
  }

  /**
   * Remembers a store write for `flag` until it lands: meanwhile the store's view of that flag is not
   * taken in. One the store refused (never expected; logged by the store) stays here, reported as not
   * persisted, rather than being undone by the store's view.
   */
  private track(flag: string, written: Promise<boolean>): Promise<boolean> {
    this.waiting.set(flag, written);
    void written.then((stored) => {
      if (this.waiting.get(flag) !== written || !stored) return;
      this.waiting.delete(flag);
      if (this.pins.all.has(flag)) this.options.logger.info(`[${this.name}] rollback of ${flag} is in the store`);
    });
    return written;
  }

  /**
   * Fingerprints of the definitions of `flag` this server has served (its version history, pinned
   * versions aside), at most 20: a replica still serving one of them during a rolling update has not
   * changed the flag, so it must not lift the rollback for everyone.
   */
  private servedDefinitions(flag: string): string[] {
    const seen: string[] = [];
    for (const published of this.history) {
      const definition = published.snapshot.flags.get(flag)?.definition;
      if (!definition || definition.metadata?.rolledBack !== undefined) continue;
      const fingerprint = flagFingerprint(published.snapshot, flag)!;
      if (!seen.includes(fingerprint)) seen.push(fingerprint);
    }
    return seen.slice(-20);
  }

  /** Rollbacks made or lifted here that the store does not have yet (`switchyard_rollbacks_unpersisted`). */
  get unpersistedCount(): number {
    return this.waiting.size;
  }

  private view(pin: Pin): RollbackView {
    return this.waiting.has(pin.flag) ? { ...publicView(pin), persisted: false } : publicView(pin);
  }

  /** Removes a rollback; the source's definition of the flag is served again. */
  lift(flag: string, why: string): boolean {
    const pin = this.pins.all.get(flag);
    if (!pin) return false;
    this.generation++;
    const entry: AuditEntry = { time: new Date().toISOString(), outcome: 'lifted', source: why, rollback: publicView(pin) };
    this.options.logger.info(`[${this.name}] rollback of ${flag} lifted: ${why}`);
    const id = this.ids.get(flag);
    this.ids.delete(flag);
    if (this.store && id) this.track(flag, this.store.write({ kind: 'lift', environment: this.name, uid: StateStore.uid(), entry, flag, id }));
    else this.record(entry);
    this.cause = `rollback of ${flag} lifted`;
    this.pins.unpin(flag);
    this.cause = undefined;
    return true;
  }

  activeRollbacks(): RollbackView[] {
    return [...this.pins.all.values()].map((pin) => this.view(pin));
  }

  /**
   * Takes in rollbacks made or lifted on other replicas (a notification, or the store's poll). One
   * read at a time; a read that straddles a rollback or lift made here is done again.
   */
  private reconcile(): Promise<void> {
    if (this.reconciling) {
      this.reconcileAgain = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.reconcileAgain = false;
        const generation = this.generation;
        let stored: StoredRollback[];
        try {
          stored = await this.store!.rollbacks(this.name);
        } catch {
          return; // the store reports itself degraded; the rollbacks in force stay
        }
        if (generation !== this.generation) {
          this.reconcileAgain = true;
          continue;
        }
        this.takeIn(stored);
      } while (this.reconcileAgain);
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private takeIn(stored: readonly StoredRollback[]): void {
    const byFlag = new Map(stored.map((s) => [s.rollback.flag, s]));
    for (const flag of [...this.pins.all.keys()]) {
      if (byFlag.has(flag) || this.waiting.has(flag)) continue; // not stored yet because it is still being written
      this.cause = `rollback of ${flag} lifted on another replica`;
      this.ids.delete(flag);
      this.pins.unpin(flag);
      this.options.logger.info(`[${this.name}] rollback of ${flag} lifted (store)`);
    }
    for (const { id, rollback } of stored) {
      if (this.waiting.has(rollback.flag) || this.ids.get(rollback.flag) === id) continue;
      this.cause = `rollback of ${rollback.flag} by ${rollback.by}`;
      this.ids.set(rollback.flag, id);
      this.pins.restore(rollback);
      this.options.logger.warn(`[${this.name}] rolled back ${rollback.flag} to "${rollback.variant}" (by ${rollback.by}, store): ${rollback.reason}`);
    }
    this.cause = undefined;
  }

  /** Resolves when the rollbacks in the store have been taken in (tests, and after a notification). */
  async synced(): Promise<void> {
    if (this.store) await this.reconcile();
  }

  /** The published version a client last saw (by ETag), if still remembered. */
  find(scope: Scope, etag: string): Published | undefined {
    return this.history.find((p) => p[scope].etag === etag);
  }

  /** Keys changed for `scope` after version `since` up to the current one. */
  changedSince(scope: Scope, since: Published): string[] {
    const keys = new Set<string>();
    for (const p of this.history) if (p.version > since.version) for (const k of p.changed[scope]) keys.add(k);
    return [...keys];
  }

  /** A page of the audit trail, oldest first (`before`: an entry id, for older pages). Throws when the store cannot be read. */
  async changes(before: number | undefined, limit: number, outcomes?: readonly AuditEntry['outcome'][]): Promise<AuditPage> {
    return this.store ? this.store.changes(this.name, before, limit, outcomes) : this.memory!.page(before, limit, outcomes);
  }

  /** The engine serves a new snapshot (a valid document, or a rollback made or lifted): publish it. */
  private published(snapshot: Snapshot, lifted: readonly LiftedPin[]): void {
    const source = this.cause ?? this.source.description;
    for (const { pin, why } of lifted) {
      if (why === 'changed' || (why === 'removed' && !this.store)) this.forget(pin, 'the flag was changed at its source');
      else if (this.ignored.get(pin.flag) !== JSON.stringify(pin)) {
        // Not applicable here (a foreign entry, or a replica whose flags differ mid-rollout): say so once, serve the flag as its source says, touch nothing.
        this.ignored.set(pin.flag, JSON.stringify(pin));
        this.options.logger.warn(`[${this.name}] the rollback of ${pin.flag} does not apply here: ${why === 'removed' ? 'no such flag' : `the flag has no variant "${pin.variant}"`}`);
      }
    }
    const previous = this.current;
    const diff = diffSnapshots(previous?.snapshot, snapshot);
    const published = this.publish(snapshot, JSON.stringify(snapshot.document), diff, previous);
    this.lastError = undefined;
    this.record({ time: published.at.toISOString(), outcome: 'applied', version: published.version, etag: published.server.etag, source, changes: diff });
    const summary = [diff.added.length ? `added ${diff.added.join(', ')}` : '', diff.removed.length ? `removed ${diff.removed.join(', ')}` : '', diff.changed.length ? `changed ${diff.changed.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    this.options.logger.info(`[${this.name}] v${published.version} from ${source}: ${snapshot.flags.size} flags; ${summary || 'no flag changed'}`);
    for (const listener of this.listeners) listener(published);
  }

  /**
   * Tells the store which definitions this replica's source has: all of them the first time, then
   * those added or changed, and every rolled-back flag whose definition here is not the one it was
   * rolled back against (the store decides whether that lifts it). Called on every source outcome:
   * a change to a pinned flag's targeting alone changes nothing served, but must reach the store.
   */
  private register(store: StateStore): void {
    const source = this.engine.store.source;
    if (!source || source === this.registered) return;
    const diff = diffSnapshots(this.registered, source);
    const keys = new Set(this.registered ? [...diff.added, ...diff.changed] : source.flags.keys());
    for (const pin of this.pins.all.values()) if (source.flags.has(pin.flag) && !definitionHolds(source, pin)) keys.add(pin.flag);
    this.registered = source;
    const at = new Date().toISOString();
    const definitions = [...keys].filter((k) => source.flags.has(k)).map((k) => [k, definitionHash(source, k)!, at] as const);
    if (definitions.length > 0) void store.write({ kind: 'seen', environment: this.name, definitions });
  }

  /** A pin lifted here because its flag changed at the source (no store: this process decides). */
  private forget(pin: Pin, why: string): void {
    this.ids.delete(pin.flag);
    this.record({ time: new Date().toISOString(), outcome: 'lifted', source: why, rollback: publicView(pin) });
    this.options.logger.info(`[${this.name}] rollback of ${pin.flag} lifted: ${why}`);
  }

  private status(status: SourceStatus, problem?: SourceProblem): void {
    const time = new Date().toISOString();
    const source = this.source.description;
    if (status === 'error' && problem?.issues) {
      this.lastError = { time, source, issues: problem.issues };
      this.record({ time, outcome: 'rejected', source, issues: problem.issues });
      const kept = this.current ? `still serving v${this.current.version}` : 'nothing to serve yet';
      this.options.logger.error(`[${this.name}] rejected update from ${source} (${kept}):\n${problem.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    }
    if (status === 'stale') {
      this.unreachable = { since: new Date(problem?.since ?? Date.now()).toISOString(), message: problem?.message ?? 'no answer' };
      this.options.logger.error(`[${this.name}] ${problem?.message ?? 'flag source unreachable'} (${this.current ? `still serving v${this.current.version}` : 'nothing to serve yet'})`);
    } else if (this.unreachable) {
      this.unreachable = undefined;
      this.options.logger.info(`[${this.name}] ${source} reachable again`);
    }
    if (status === 'ready' && this.lastError) {
      // The last good content came back (a revert, a restored file): nothing to publish, but say so.
      this.lastError = undefined;
      this.record({ time, outcome: 'recovered', source, version: this.current?.version });
      this.options.logger.info(`[${this.name}] ${source} is valid again${this.current ? `: serving v${this.current.version}` : ''}`);
    }
  }

  private publish(snapshot: Snapshot, serverBody: string, diff: SnapshotDiff, previous: Published | undefined): Published {
    const clientDoc = clientDocument(snapshot);
    const clientBody = JSON.stringify(clientDoc);
    const clientKeys = new Set(Object.keys(clientDoc.flags));
    const all = [...diff.added, ...diff.removed, ...diff.changed];
    // A client sees a change to a flag it could see before or can see now (a flag losing clientSide is, to it, removed).
    const clientChanged = all.filter((k) => clientKeys.has(k) || previous?.client.keys.has(k));
    const published: Published = {
      version: (previous?.version ?? 0) + 1,
      snapshot,
      at: new Date(),
      server: { body: serverBody, etag: etagOf(serverBody), keys: new Set(snapshot.flags.keys()) },
      client: { body: clientBody, etag: etagOf(clientBody), keys: clientKeys },
      changed: { server: all, client: clientChanged },
      unchanged: { server: false, client: previous?.client.body === clientBody },
    };
    this.current = published;
    this.history.push(published);
    if (this.history.length > (this.options.historySize ?? 100)) this.history.shift();
    return published;
  }

  /** Audit entries go to the store (queued: never in the way of publishing) or this process's memory. */
  private record(entry: AuditEntry): void {
    if (this.store) void this.store.write({ kind: 'audit', environment: this.name, uid: StateStore.uid(), entry });
    else this.memory!.record(entry);
  }
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });
