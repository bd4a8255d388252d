import { formatIssue } from '../model/issues.js';
import type { LoadOptions } from '../snapshot/load.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { SourceProblem, SourceStatus, SyncListener, SyncSink, SyncSource } from './events.js';
import { StatusMachine, type StatusMachineOptions } from './status.js';
import { SnapshotStore, type ApplyResult } from './store.js';

export interface SyncEngineOptions extends LoadOptions, StatusMachineOptions {
  /**
   * Told once per new document about flags that will resolve PARSE_ERROR (flagd keeps them; e.g. an
   * extension operator this runtime did not enable), with the fix; default `console.warn`.
   */
  readonly warn?: (message: string) => void;
}

/**
 * Connects a source to the snapshot store and feeds every outcome (applied, unchanged, rejected,
 * reachable, unreachable) to the one status machine; listeners hear changes and status transitions.
 */
export class SyncEngine {
  readonly store: SnapshotStore;
  /** Resolves with the first valid snapshot. */
  readonly ready: Promise<Snapshot>;
  private resolveReady!: (snapshot: Snapshot) => void;
  private readonly machine: StatusMachine;
  private readonly listeners = new Set<SyncListener>();
  private running = false;
  /** Settles when the source's `start` did (for pollers: after the first attempt). */
  started: Promise<void> = Promise.resolve();
  /** What the source calls: payloads, and whether it could be reached. */
  readonly sink: SyncSink = {
    payload: (payload) => void this.payload(payload),
    reachable: () => this.machine.reachable(),
    unreachable: (error) => {
      this.notify((listener) => listener.outcome?.('unreachable'));
      this.machine.unreachable(error);
    },
  };

  constructor(
    readonly source: SyncSource,
    private readonly options: SyncEngineOptions = {},
  ) {
    this.store = new SnapshotStore({ translate: source.translate, ...options });
    this.machine = new StatusMachine((status, problem) => {
      this.notify((listener) => listener.status?.(status, problem));
    }, options);
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  get description(): string {
    return this.source.description;
  }

  get status(): SourceStatus {
    return this.machine.status;
  }

  get hasData(): boolean {
    return this.store.snapshot !== undefined;
  }

  /** The most recent problem (transport failure or rejected payload), for start-up error messages. */
  get lastProblem(): SourceProblem | undefined {
    return this.machine.lastProblem;
  }

  /** Subscribes to changes and status transitions; returns the unsubscribe. */
  listen(listener: SyncListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the source; a no-op while it runs (a page shown twice must not poll twice). */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Started now, not in a later tick: a stop() right after must find it running. A source must not
    // throw or reject; if one does anyway, it is a transport failure, never a crash.
    const failed = (e: unknown) => this.machine.unreachable(e instanceof Error ? e : new Error(String(e)));
    try {
      this.started = Promise.resolve(this.source.start(this.sink)).catch(failed);
    } catch (e) {
      failed(e);
      this.started = Promise.resolve();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.source.stop();
    this.machine.stop(); // after the source: a read finishing during its stop must not arm a timer
  }

  /** Feeds a payload (the source's, or a bootstrap): the same machine for all. */
  payload(payload: string | unknown): ApplyResult {
    const result = this.store.apply(payload);
    this.outcome(result);
    return result;
  }

  /**
   * A document kept from an earlier run (browser storage, a platform cache): served like a payload
   * when valid, ignored when not (a cache is not the source: nothing to report).
   */
  cached(payload: string | unknown): boolean {
    const result = this.store.apply(payload);
    if (result.outcome === 'rejected') return false;
    this.outcome(result);
    return true;
  }

  /** Serves the source's snapshot again (the pins changed); listeners hear the change. */
  republish(): void {
    const result = this.store.republish();
    if (result) this.outcome(result, false);
  }

  private outcome(result: ApplyResult, fromSource = true): void {
    if (fromSource) this.notify((listener) => listener.outcome?.(result.outcome));
    if (result.outcome === 'rejected') {
      const kept = this.store.snapshot ? 'still serving the last good ones' : 'nothing to serve yet';
      const message = `rejected flag definitions from ${this.source.description}; ${kept}:\n  ${result.issues.map(formatIssue).join('\n  ')}`;
      this.machine.rejected({ message, errorCode: 'PARSE_ERROR', issues: result.issues });
      return;
    }
    this.resolveReady(result.snapshot);
    if (result.outcome === 'applied' && fromSource) this.warnFlagIssues(result.snapshot);
    if (result.outcome === 'applied') this.notify((listener) => listener.changed?.(result.snapshot, result.changed, result.lifted));
    if (fromSource) this.machine.accepted();
  }

  /** Flags kept but unusable are said once per document, never left to surface one evaluation at a time. */
  private warnFlagIssues(snapshot: Snapshot): void {
    if (snapshot.flagIssues.length === 0) return;
    const lines: string[] = [];
    for (const flag of snapshot.flags.values()) if (flag.targetingIssue) lines.push(`${flag.key}: ${formatIssue(flag.targetingIssue)}`);
    this.warn(`switchyard: ${lines.length} flag(s) from ${this.source.description} resolve ERROR / PARSE_ERROR:\n  ${lines.join('\n  ')}`);
  }

  private warn(message: string): void {
    try {
      (this.options.warn ?? console.warn)(message);
    } catch {
      // a throwing warn callback must not stop a valid document from being served
    }
  }

  /**
   * Tells every listener; one that throws (user code behind an event handler or callback) is logged
   * through `warn` and never stops the others, the document being served, or the source.
   */
  private notify(call: (listener: SyncListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (e) {
        this.warn(`switchyard: a listener of ${this.source.description} threw: ${(e as Error)?.message ?? e}`);
      }
    }
  }
}
