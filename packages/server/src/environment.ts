import {
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
import { sameRollback, type RollbackState } from './rollback-state.js';
import { publicView, type Rollback } from './rollbacks.js';

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

export interface AuditEntry {
  readonly time: string;
  readonly outcome: 'applied' | 'rejected' | 'recovered' | 'rollback' | 'lifted';
  readonly version?: number;
  readonly etag?: string;
  readonly source: string;
  readonly changes?: SnapshotDiff;
  readonly issues?: readonly Issue[];
  readonly rollback?: Omit<Rollback, 'baseline' | 'known'>;
}

export interface EnvironmentOptions {
  readonly logger: Logger;
  /** How many versions are remembered for SSE resumption; default 100. */
  readonly historySize?: number;
  /** How many audit entries are kept; default 1,000. */
  readonly auditSize?: number;
  /** Where rollbacks are kept across restarts and shared with replicas; without it they live in this process. */
  readonly state?: RollbackState;
  /** How long the source may be unreachable before it is reported (log, `/readyz`); default 10,000 ms. */
  readonly staleAfterMs?: number;
}

export type Listener = (published: Published) => void;

/**
 * One environment (production, staging, …): its source feeding the core's sync engine (the same
 * store, pins and status machine as every provider), the current published version, a bounded
 * history for SSE resume, and the audit trail. A document is published only when it is valid; a bad
 * one is rejected whole and the last good version keeps being served.
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
  private readonly audit: AuditEntry[] = [];
  private readonly listeners = new Set<Listener>();
  /** What the next publication is attributed to (a rollback, a lift), when it is not the source. */
  private cause?: string;
  /** Rollbacks in force here that the state directory does not have yet (a full disk): retried, never lifted for it. */
  private readonly unpersisted = new Set<string>();
  /** State entries that name a variant the flag does not have: logged once and left alone, never applied. */
  private readonly ignored = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly source: SyncSource,
    private readonly options: EnvironmentOptions,
  ) {
    // The server runs on Node: no bundle budget, so every Switchyard extension is available.
    this.engine = new SyncEngine(source, { translate: source.translate, operators: extensionOperators, staleAfterMs: options.staleAfterMs, warn: (message) => options.logger.warn(`[${name}] ${message}`) });
    this.pins = new PinSet(this.engine, (pin, source) => this.rebaseLegacy(pin, source));
    this.engine.listen({
      outcome: (outcome) => this.counts[outcome]++,
      changed: (snapshot, _changed, lifted) => this.published(snapshot, lifted),
      status: (status, problem) => this.status(status, problem),
    });
    // Before the first document: a restarted server must not serve a rolled-back treatment even once.
    for (const rollback of options.state?.read().values() ?? []) if (rollback) this.pins.restore(rollback);
  }

  /** Starts the source; resolves once its first attempt is done. */
  async start(): Promise<void> {
    this.options.state?.watch(() => this.reconcile());
    this.engine.start();
    await Promise.race([this.engine.ready, this.engine.started]);
  }

  async stop(): Promise<void> {
    this.options.state?.close();
    await this.engine.stop();
  }

  onPublish(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Serves `variant` of `flag` to everyone, in every client, until the flag changes at its source or
   * `lift` is called; published (and streamed) at once. RangeError for an unknown flag/variant.
   */
  rollback(flag: string, variant: string, reason: string, by: string): Omit<Rollback, 'baseline' | 'known'> {
    const source = this.engine.store.source;
    if (!source?.flags.has(flag)) throw new RangeError(`no flag "${flag}" in environment "${this.name}"`);
    const pin = pinOf(source, flag, variant, { reason, by, known: this.servedDefinitions(flag) }) as Rollback;
    this.record({ time: pin.at, outcome: 'rollback', source: `rollback by ${by}`, rollback: publicView(pin) });
    this.options.logger.warn(`[${this.name}] rolled back ${flag} to "${variant}" (by ${by}): ${reason}`);
    this.persist(pin);
    this.cause = `rollback of ${flag} by ${by}`;
    this.pins.restore(pin);
    this.cause = undefined;
    return this.view(pin);
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

  /**
   * Writes a rollback to the state directory. When that fails (a full disk, an unwritable volume) the
   * rollback still holds in this process — the treatment is failing — and is reported as not persisted
   * (response, `/v1/rollbacks`, log, metric) and written again at every state poll until it lands.
   */
  private persist(pin: Rollback): boolean {
    const state = this.options.state;
    if (!state) return true;
    try {
      state.write(pin);
      if (this.unpersisted.delete(pin.flag)) this.options.logger.info(`[${this.name}] rollback of ${pin.flag} persisted to ${state.dir}`);
      return true;
    } catch (e) {
      if (!this.unpersisted.has(pin.flag)) {
        this.options.logger.error(`[${this.name}] rollback of ${pin.flag} holds in this process but is not persisted (retrying): cannot write ${state.dir}: ${(e as Error).message}`);
      }
      this.unpersisted.add(pin.flag);
      return false;
    }
  }

  /** Rollbacks not yet in the state directory (`switchyard_rollbacks_unpersisted`). */
  get unpersistedCount(): number {
    return this.unpersisted.size;
  }

  private view(pin: Pin): Omit<Rollback, 'baseline' | 'known'> & { persisted?: false } {
    return this.unpersisted.has(pin.flag) ? { ...publicView(pin), persisted: false } : publicView(pin);
  }

  /** Removes a rollback; the source's definition of the flag is served again. */
  lift(flag: string, why: string): boolean {
    const pin = this.pins.all.get(flag);
    if (!pin) return false;
    this.cause = `rollback of ${flag} lifted`;
    this.pins.unpin(flag);
    this.cause = undefined;
    this.forget(pin, why);
    return true;
  }

  activeRollbacks(): (Omit<Rollback, 'baseline' | 'known'> & { persisted?: false })[] {
    return [...this.pins.all.values()].map((pin) => this.view(pin));
  }

  /**
   * Rollback files written before flag fingerprints recorded the flag's JSON as its baseline: one made
   * against the very definition being served is kept, with the fingerprint as its baseline (the file is
   * rewritten), instead of being lifted by an upgrade.
   */
  private rebaseLegacy(pin: Pin, source: Snapshot): Pin | undefined {
    const flags = source.document.flags;
    if (!Object.hasOwn(flags, pin.flag) || JSON.stringify(flags[pin.flag]) !== pin.baseline) return undefined;
    const kept = { ...pin, baseline: flagFingerprint(source, pin.flag)! } as Rollback;
    try {
      this.options.state?.write(kept);
    } catch (e) {
      this.options.logger.error(`[${this.name}] cannot rewrite the rollback file of ${pin.flag} in ${this.options.state!.dir}: ${(e as Error).message}`);
    }
    return kept;
  }

  /** A pin is gone (lifted here, or its flag changed at the source): its file goes too, and the audit says why. */
  private forget(pin: Pin, why: string): void {
    this.unpersisted.delete(pin.flag);
    try {
      this.options.state?.remove(pin.flag);
    } catch (e) {
      this.options.logger.error(`[${this.name}] cannot remove the rollback file of ${pin.flag} from ${this.options.state!.dir}: ${(e as Error).message}`);
    }
    this.record({ time: new Date().toISOString(), outcome: 'lifted', source: why, rollback: publicView(pin) });
    this.options.logger.info(`[${this.name}] rollback of ${pin.flag} lifted: ${why}`);
  }

  /** Takes in rollbacks made or lifted elsewhere (another replica sharing the state directory). */
  private reconcile(): void {
    const state = this.options.state!;
    // First what could not be written before: once it lands it is on disk like any other.
    for (const flag of this.unpersisted) {
      const pin = this.pins.all.get(flag);
      if (pin) this.persist(pin as Rollback);
    }
    let stored: Map<string, Rollback | null>;
    try {
      stored = state.read();
    } catch (e) {
      // An unlistable directory says nothing about rollbacks: keep the ones in force.
      return state.warnOnce('', `cannot read the rollback state ${state.dir}: ${(e as Error).message}`);
    }
    for (const [flag, pin] of [...this.pins.all]) {
      if (stored.has(flag) || this.unpersisted.has(flag)) continue; // not on disk because we could not write it
      this.cause = `rollback state ${state.dir}`;
      this.pins.unpin(flag);
      this.record({ time: new Date().toISOString(), outcome: 'lifted', source: `rollback state ${state.dir}`, rollback: publicView(pin) });
      this.options.logger.info(`[${this.name}] rollback of ${flag} lifted elsewhere (state directory)`);
    }
    for (const [flag, rollback] of stored) {
      if (rollback === null || sameRollback(this.pins.all.get(flag), rollback) || this.ignored.get(flag) === JSON.stringify(rollback)) continue;
      this.cause = `rollback state ${state.dir}`;
      this.pins.restore(rollback);
      this.record({ time: rollback.at, outcome: 'rollback', source: `rollback state ${state.dir}`, rollback: publicView(rollback) });
      this.options.logger.warn(`[${this.name}] rolled back ${flag} to "${rollback.variant}" elsewhere (by ${rollback.by}): ${rollback.reason}`);
    }
    this.cause = undefined;
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

  changes(): readonly AuditEntry[] {
    return this.audit;
  }

  /** The engine serves a new snapshot (a valid document, or a rollback made or lifted): publish it. */
  private published(snapshot: Snapshot, lifted: readonly LiftedPin[]): void {
    const source = this.cause ?? this.source.description;
    for (const { pin, why } of lifted) {
      if (why !== 'no-variant') this.forget(pin, 'the flag was changed at its source');
      else if (this.ignored.get(pin.flag) !== JSON.stringify(pin)) {
        // A hand-edited or foreign entry: say so once, serve the flag as its source says, touch nothing.
        this.ignored.set(pin.flag, JSON.stringify(pin));
        this.options.logger.warn(`[${this.name}] ignoring the rollback of ${pin.flag}: the flag has no variant "${pin.variant}"`);
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

  private record(entry: AuditEntry): void {
    this.audit.push(entry);
    if (this.audit.length > (this.options.auditSize ?? 1000)) this.audit.shift();
  }
}
