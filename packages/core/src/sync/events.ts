import type { Issue } from '../model/issues.js';
import type { ErrorCode } from '../model/types.js';
import type { Translator } from '../snapshot/load.js';
import type { LiftedPin } from '../snapshot/pins.js';
import type { Snapshot } from '../snapshot/snapshot.js';

/**
 * Where a source stands, from the provider's point of view:
 * - `not-ready`: no valid definitions yet;
 * - `ready`: the last payload was valid (or unchanged) and the source is reachable;
 * - `error`: the last payload was rejected, or the source refused the request (`final`: a wrong key,
 *   an unknown environment; `stale` past the threshold) — the last good snapshot keeps serving;
 * - `stale`: the source has been unreachable longer than the stale threshold.
 */
export type SourceStatus = 'not-ready' | 'ready' | 'error' | 'stale';

/** Why the status is `error` or `stale`. */
export interface SourceProblem {
  readonly message: string;
  /** OpenFeature's code: PARSE_ERROR for a rejected payload, GENERAL for a transport failure. */
  readonly errorCode: ErrorCode;
  /** For a rejected payload: every problem with its JSON path. */
  readonly issues?: readonly Issue[];
  /** For `stale`: when the source stopped answering (ms since the epoch, on the engine's clock). */
  readonly since?: number;
  /** The source refused the request and asking again cannot help (a wrong key, an unknown environment). */
  readonly final?: boolean;
}

/** What a sync engine tells its provider. Providers map these onto OpenFeature events (see `ProviderLifecycle`). */
export interface SyncListener<S = Snapshot> {
  /** New definitions are served (a valid payload, or a pin change); `changed` lists added, removed and changed flag keys. */
  changed?(snapshot: S, changed: readonly string[], lifted: readonly LiftedPin[]): void;
  /**
   * The status changed, or a new problem arrived while it stays `error` (each rejected payload is
   * reported). Every outcome is fed to the machine, including an unchanged payload (a reverted edit).
   */
  status?(status: SourceStatus, problem?: SourceProblem): void;
  /** Every outcome of the source, for counting (a server's reload metrics): each payload's, and each failed attempt. */
  outcome?(outcome: 'applied' | 'unchanged' | 'rejected' | 'unreachable'): void;
}

/** A transport (file, poller, stream, AppConfig) feeding payloads to the engine. */
export interface SyncSource {
  readonly description: string;
  /** How this source's payloads become a flagd document, when they are in another format (AppConfig). */
  readonly translate?: Translator;
  /** Starts delivering; may resolve once the first attempt is done (the server waits for it). Must not reject. */
  start(sink: SyncSink): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface SyncSink {
  /** A document payload arrived (text or parsed JSON). */
  payload(payload: string | unknown): void;
  /** The source answered (a 304 counts): it is reachable. */
  reachable(): void;
  /** The source could not be reached or answered with an error (a refusal: a `final` PollError). */
  unreachable(error: Error): void;
}
