import { diffSnapshots, extensionOperators, formatIssue, parseFlags, type Issue, type Snapshot, type SnapshotDiff, type SyncSource } from '@switchyard/core';
import { clientDocument, type Scope } from './audience.js';
import { etagOf } from './http/etag.js';
import type { Logger } from './logger.js';
import { sameRollback, type RollbackState } from './rollback-state.js';
import { applyRollbacks, definitionOf, publicView, type Rollback } from './rollbacks.js';

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
  readonly outcome: 'applied' | 'rejected' | 'rollback' | 'lifted';
  readonly version?: number;
  readonly etag?: string;
  readonly source: string;
  readonly changes?: SnapshotDiff;
  readonly issues?: readonly Issue[];
  readonly rollback?: Omit<Rollback, 'baseline'>;
}

export interface EnvironmentOptions {
  readonly logger: Logger;
  /** How many versions are remembered for SSE resumption; default 100. */
  readonly historySize?: number;
  /** How many audit entries are kept; default 1,000. */
  readonly auditSize?: number;
  /** Where rollbacks are kept across restarts and shared with replicas; without it they live in this process. */
  readonly state?: RollbackState;
}

export type Listener = (published: Published) => void;

/**
 * One environment (production, staging, …): its source, the current published version, a bounded
 * history for SSE resume, and the audit trail. A document is published only when it is valid; a bad
 * one is rejected whole and the last good version keeps being served.
 */
export class Environment {
  current?: Published;
  lastError?: { readonly time: string; readonly source: string; readonly issues: readonly Issue[] };
  readonly counts = { applied: 0, rejected: 0, unchanged: 0 };
  private readonly history: Published[] = [];
  private readonly audit: AuditEntry[] = [];
  private readonly listeners = new Set<Listener>();
  private lastText?: string;
  /** The last valid document from the source, before rollbacks: what a rollback is checked against. */
  private sourceSnapshot?: Snapshot;
  private readonly rollbacks = new Map<string, Rollback>();

  constructor(
    readonly name: string,
    readonly source: SyncSource,
    private readonly options: EnvironmentOptions,
  ) {
    // Before the first document: a restarted server must not serve a rolled-back treatment even once.
    for (const [flag, rollback] of options.state?.read() ?? []) if (rollback) this.rollbacks.set(flag, rollback);
  }

  async start(): Promise<void> {
    this.options.state?.watch(() => this.reconcile());
    await this.source.start({
      payload: (payload) => this.apply(typeof payload === 'string' ? payload : JSON.stringify(payload), this.source.description),
      reachable: () => undefined,
      unreachable: (error) => this.reject(this.source.description, [{ path: '$', message: error.message }]),
    });
  }

  async stop(): Promise<void> {
    this.options.state?.close();
    await this.source.stop();
  }

  onPublish(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates and publishes a document; returns what happened. */
  apply(text: string, source: string): 'applied' | 'rejected' | 'unchanged' {
    if (text === this.lastText && this.current) {
      this.counts.unchanged++;
      return 'unchanged';
    }
    // The server runs on Node: no bundle budget, so every Switchyard extension is available.
    const result = parseFlags(text, { translate: this.source.translate, operators: extensionOperators });
    if (!result.ok) {
      this.reject(source, result.issues);
      return 'rejected';
    }
    this.sourceSnapshot = result.snapshot;
    const { snapshot, lifted } = applyRollbacks(result.snapshot, this.rollbacks);
    for (const r of lifted) this.lift(r.flag, 'the flag was changed at its source', false);
    const previous = this.current;
    const diff = diffSnapshots(previous?.snapshot, snapshot);
    const serverBody = JSON.stringify(snapshot.document);
    this.lastText = text;
    if (previous && diff.added.length + diff.removed.length + diff.changed.length === 0 && previous.server.body === serverBody) {
      this.counts.unchanged++;
      return 'unchanged';
    }
    const published = this.publish(snapshot, serverBody, diff, previous);
    this.lastError = undefined;
    this.counts.applied++;
    this.record({ time: published.at.toISOString(), outcome: 'applied', version: published.version, etag: published.server.etag, source, changes: diff });
    const summary = [diff.added.length ? `added ${diff.added.join(', ')}` : '', diff.removed.length ? `removed ${diff.removed.join(', ')}` : '', diff.changed.length ? `changed ${diff.changed.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    this.options.logger.info(`[${this.name}] v${published.version} from ${source}: ${snapshot.flags.size} flags; ${summary || 'no flag changed'}`);
    for (const issue of result.issues) this.options.logger.warn(`[${this.name}] flag resolves PARSE_ERROR: ${formatIssue(issue)}`);
    for (const listener of this.listeners) listener(published);
    return 'applied';
  }

  /**
   * Serves `variant` of `flag` to everyone, in every client, until the flag changes at its source or
   * `lift` is called; published (and streamed) at once. Throws a message for an unknown flag/variant.
   */
  rollback(flag: string, variant: string, reason: string, by: string): Omit<Rollback, 'baseline'> {
    const source = this.sourceSnapshot;
    const baseline = source && definitionOf(source, flag);
    if (!source || baseline === undefined) throw new RangeError(`no flag "${flag}" in environment "${this.name}"`);
    if (!source.flags.get(flag)!.variants.has(variant)) throw new RangeError(`flag "${flag}" has no variant "${variant}"`);
    const rollback: Rollback = { flag, variant, reason, by, at: new Date().toISOString(), baseline };
    this.rollbacks.set(flag, rollback);
    try {
      this.options.state?.write(rollback);
    } catch (e) {
      // The treatment is failing: pin it here now even if other replicas cannot be told.
      this.options.logger.error(`[${this.name}] rollback of ${flag} applies to this process only: cannot write ${this.options.state!.dir}: ${(e as Error).message}`);
    }
    this.record({ time: rollback.at, outcome: 'rollback', source: `rollback by ${by}`, rollback: publicView(rollback) });
    this.options.logger.warn(`[${this.name}] rolled back ${flag} to "${variant}" (by ${by}): ${reason}`);
    this.republish(`rollback of ${flag} by ${by}`);
    return publicView(rollback);
  }

  /** Removes a rollback; the source's definition of the flag is served again. */
  lift(flag: string, why: string, republish = true): boolean {
    const rollback = this.rollbacks.get(flag);
    if (!rollback) return false;
    this.rollbacks.delete(flag);
    try {
      this.options.state?.remove(flag);
    } catch (e) {
      this.options.logger.error(`[${this.name}] cannot remove the rollback file of ${flag} from ${this.options.state!.dir}: ${(e as Error).message}`);
    }
    this.record({ time: new Date().toISOString(), outcome: 'lifted', source: why, rollback: publicView(rollback) });
    this.options.logger.info(`[${this.name}] rollback of ${flag} lifted: ${why}`);
    if (republish) this.republish(`rollback of ${flag} lifted`);
    return true;
  }

  activeRollbacks(): Omit<Rollback, 'baseline'>[] {
    return [...this.rollbacks.values()].map(publicView);
  }

  /** Takes in rollbacks made or lifted elsewhere (another replica sharing the state directory). */
  private reconcile(): void {
    const state = this.options.state!;
    let stored: Map<string, Rollback | null>;
    try {
      stored = state.read();
    } catch (e) {
      // An unlistable directory says nothing about rollbacks: keep the ones in force.
      return state.warnOnce('', `cannot read the rollback state ${state.dir}: ${(e as Error).message}`);
    }
    let changed = false;
    for (const [flag, rollback] of this.rollbacks) {
      if (stored.has(flag)) continue;
      this.rollbacks.delete(flag);
      this.record({ time: new Date().toISOString(), outcome: 'lifted', source: `rollback state ${state.dir}`, rollback: publicView(rollback) });
      this.options.logger.info(`[${this.name}] rollback of ${flag} lifted elsewhere (state directory)`);
      changed = true;
    }
    for (const [flag, rollback] of stored) {
      if (rollback === null || sameRollback(this.rollbacks.get(flag), rollback)) continue;
      this.rollbacks.set(flag, rollback);
      this.record({ time: rollback.at, outcome: 'rollback', source: `rollback state ${state.dir}`, rollback: publicView(rollback) });
      this.options.logger.warn(`[${this.name}] rolled back ${flag} to "${rollback.variant}" elsewhere (by ${rollback.by}): ${rollback.reason}`);
      changed = true;
    }
    if (changed) this.republish('rollback state');
  }

  /** Publishes the last source document again with the current rollbacks. */
  private republish(source: string): void {
    const text = this.lastText;
    if (text === undefined) return;
    this.lastText = undefined; // not "unchanged": the rollbacks changed
    this.apply(text, source);
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

  private reject(source: string, issues: readonly Issue[]): void {
    const time = new Date().toISOString();
    this.counts.rejected++;
    this.lastError = { time, source, issues };
    this.record({ time, outcome: 'rejected', source, issues });
    const kept = this.current ? `still serving v${this.current.version}` : 'nothing to serve yet';
    this.options.logger.error(`[${this.name}] rejected update from ${source} (${kept}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }

  private record(entry: AuditEntry): void {
    this.audit.push(entry);
    if (this.audit.length > (this.options.auditSize ?? 1000)) this.audit.shift();
  }
}
