import type { Issue } from '../model/issues.js';
import type { Translator } from '../snapshot/load.js';
import type { Snapshot } from '../snapshot/snapshot.js';

/** What a sync engine tells its provider. Providers map these onto OpenFeature events. */
export interface SyncListener {
  /** A valid payload was applied; `changed` lists added, removed and changed flag keys. */
  changed(snapshot: Snapshot, changed: readonly string[]): void;
  /** A payload was rejected whole (the last good snapshot keeps serving). */
  rejected(issues: readonly Issue[], source: string): void;
  /** The source has been unreachable for longer than the stale threshold. */
  stale(error: Error): void;
  /** The source answered again after being stale. */
  recovered(): void;
}

/** A transport (file, poller, stream) feeding payloads to the engine. */
export interface SyncSource {
  readonly description: string;
  /** How this source's payloads become a flagd document, when they are in another format (AppConfig). */
  readonly translate?: Translator;
  /** Starts delivering; may resolve once the first attempt is done (the server waits for it). */
  start(sink: SyncSink): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface SyncSink {
  /** A document payload arrived (text or parsed JSON). */
  payload(payload: string | unknown): void;
  /** The source answered (a 304 counts): it is reachable. */
  reachable(): void;
  /** The source could not be reached or answered with an error. */
  unreachable(error: Error): void;
}
