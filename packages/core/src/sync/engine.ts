import type { LoadOptions } from '../snapshot/load.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { SyncListener, SyncSource } from './events.js';
import { SnapshotStore } from './store.js';

export interface SyncEngineOptions extends LoadOptions {
  /** How long the source may be unreachable before `stale` is reported; default 10,000 ms. */
  readonly staleAfterMs?: number;
}

/**
 * Connects a source to the snapshot store and tells the listener what happened: changes with their
 * keys, rejected payloads, and staleness when the source stays unreachable past the threshold.
 */
export class SyncEngine {
  readonly store: SnapshotStore;
  /** Resolves with the first valid snapshot. */
  readonly ready: Promise<Snapshot>;
  private resolveReady!: (snapshot: Snapshot) => void;
  private staleTimer?: ReturnType<typeof setTimeout>;
  private isStale = false;
  private running = false;
  /** The most recent transport failure, if any (for start-up error messages). */
  lastError?: Error;

  constructor(
    readonly source: SyncSource,
    private readonly listener: SyncListener,
    private readonly options: SyncEngineOptions = {},
  ) {
    this.store = new SnapshotStore({ translate: source.translate, ...options });
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  get stale(): boolean {
    return this.isStale;
  }

  /** Starts the source; a no-op while it runs (a page shown twice must not poll twice). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.source.start({
      payload: (payload) => {
        this.reachable();
        const result = this.store.apply(payload);
        if (result.outcome === 'rejected') this.listener.rejected(result.issues, this.source.description);
        else {
          this.resolveReady(result.snapshot);
          if (result.outcome === 'applied') this.listener.changed(result.snapshot, result.changed);
        }
      },
      reachable: () => this.reachable(),
      unreachable: (error) => this.unreachable(error),
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    await this.source.stop();
  }

  private reachable(): void {
    clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    if (this.isStale) {
      this.isStale = false;
      this.listener.recovered();
    }
  }

  private unreachable(error: Error): void {
    this.lastError = error;
    if (this.isStale || this.staleTimer !== undefined) return;
    this.staleTimer = setTimeout(() => {
      this.staleTimer = undefined;
      this.isStale = true;
      this.listener.stale(this.lastError ?? error);
    }, this.options.staleAfterMs ?? 10_000);
  }
}
