import { formatIssue } from '../model/issues.js';
import type { ErrorCode } from '../model/types.js';
import type { LiftedPin } from '../snapshot/pins.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { SourceProblem, SourceStatus, SyncListener } from '../sync/events.js';
import { systemTimers, type Timers } from '../sync/timers.js';

/** OpenFeature's provider event names (the same strings in the server and web SDKs). */
export type ProviderEventName = 'PROVIDER_READY' | 'PROVIDER_ERROR' | 'PROVIDER_STALE' | 'PROVIDER_CONFIGURATION_CHANGED';

export type ProviderEventDetails = {
  readonly message?: string;
  readonly errorCode?: ErrorCode;
  readonly flagsChanged?: string[];
};

/** How a provider hands an event to its SDK's emitter. */
export type EmitEvent = (event: ProviderEventName, details: ProviderEventDetails) => void;

/**
 * A failed start: `code` is PROVIDER_FATAL when retrying cannot help (an invalid bootstrap, or the
 * server refused the request: a wrong key, an unknown environment — OpenFeature's code for bad
 * credentials), PARSE_ERROR when the source's definitions were rejected, else GENERAL.
 */
export class ProviderStartError extends Error {
  constructor(
    message: string,
    readonly code: 'PROVIDER_FATAL' | 'PARSE_ERROR' | 'GENERAL',
  ) {
    super(message);
    this.name = 'ProviderStartError';
  }
}

/** The OpenFeature error classes of the SDK a provider is written for (server or web: the same names). */
export interface OpenFeatureErrorTypes {
  readonly ProviderFatalError: new (message: string) => Error;
  readonly ParseError: new (message: string) => Error;
  readonly GeneralError: new (message: string) => Error;
}

/** A start-up failure as the SDK's own error type, so the SDK sets the status (FATAL or ERROR) and event code. */
export function toOpenFeatureError(error: unknown, types: OpenFeatureErrorTypes): unknown {
  if (!(error instanceof ProviderStartError)) return error;
  const Type = error.code === 'PROVIDER_FATAL' ? types.ProviderFatalError : error.code === 'PARSE_ERROR' ? types.ParseError : types.GeneralError;
  return new Type(error.message);
}

/**
 * What the lifecycle drives: the `SyncEngine` (definitions evaluated locally), or any engine with the
 * same status machine (the OFREP provider's evaluations).
 */
export interface LifecycleEngine<S> {
  readonly description: string;
  readonly hasData: boolean;
  readonly ready: Promise<unknown>;
  readonly lastProblem?: SourceProblem;
  /** Feeds a bootstrap payload; says whether it was accepted, and if not why. */
  payload(payload: string | unknown): { readonly outcome: string; readonly issues?: readonly { path: string; message: string }[] };
  listen(listener: SyncListener<S>): () => void;
  start(): void;
  stop(): Promise<void>;
}

export interface ProviderLifecycleOptions<S = Snapshot> {
  readonly timers?: Timers;
  /** `initialize` fails if no valid definitions arrived by then (and none was bootstrapped); default 10,000 ms. */
  readonly initTimeoutMs?: number;
  /** Told about every served change (e.g. to persist the document), whether or not an event is emitted. */
  readonly onChange?: (snapshot: S, changed: readonly string[], lifted: readonly LiftedPin[]) => void;
}

/** The one mapping from source status to OpenFeature events. */
export function statusEvent(status: SourceStatus, problem?: SourceProblem): [ProviderEventName, ProviderEventDetails] | undefined {
  if (status === 'ready') return ['PROVIDER_READY', { message: 'flag definitions are current' }];
  if (status === 'error') return ['PROVIDER_ERROR', { message: problem?.message, errorCode: problem?.errorCode ?? 'GENERAL' }];
  if (status === 'stale') return ['PROVIDER_STALE', { message: problem?.message }];
  return undefined;
}

/**
 * The lifecycle every Switchyard provider shares (Node, web, edge): start-up from a bootstrap or the
 * first valid payload, then the engine's status and changes as OpenFeature events. While `initialize`
 * runs nothing is emitted (the SDK emits READY or ERROR for it); after a failed start the first valid
 * definitions emit READY; afterwards every status transition and every change is an event, so a
 * reverted bad edit brings READY back.
 */
export class ProviderLifecycle<S = Snapshot> {
  private phase: 'idle' | 'starting' | 'live' | 'failed' = 'idle';
  /** Ends a start-up still waiting for definitions (the provider was closed meanwhile). */
  private cancelStart?: (error: Error) => void;

  constructor(
    readonly engine: LifecycleEngine<S>,
    private readonly emit: EmitEvent,
    private readonly options: ProviderLifecycleOptions<S> = {},
  ) {
    engine.listen({
      changed: (snapshot, changed, lifted) => {
        options.onChange?.(snapshot, changed, lifted);
        if (this.phase === 'live') this.emit('PROVIDER_CONFIGURATION_CHANGED', { flagsChanged: [...changed], message: lifted.length ? `rollback lifted: ${lifted.map((l) => l.pin.flag).join(', ')}` : undefined });
      },
      status: (status, problem) => {
        // A refusal before any definitions ends the start at once: waiting cannot bring any.
        if (this.phase === 'starting' && this.engine.lastProblem?.final) this.cancelStart?.(this.failure());
        if (this.phase === 'failed' && status === 'ready') this.phase = 'live';
        else if (this.phase !== 'live') return;
        const event = statusEvent(status, problem);
        if (event) this.emit(...event);
      },
    });
  }

  /**
   * Serves a document before the source answers (a bootstrap rendered by your server, a bundled
   * fallback). An invalid one throws `ProviderStartError` with PROVIDER_FATAL: it is code, and
   * retrying cannot fix it.
   */
  bootstrap(document: string | object): void {
    const result = this.engine.payload(document);
    if (result.outcome === 'rejected') {
      this.phase = 'failed';
      throw new ProviderStartError(`invalid bootstrap flags:\n  ${(result.issues ?? []).map(formatIssue).join('\n  ')}`, 'PROVIDER_FATAL');
    }
  }

  /**
   * Starts the source and resolves once there is something valid to serve (at once after a
   * bootstrap); after `initTimeoutMs` without definitions (at once with `wait: false`, for runtimes
   * that fetched already) rejects with a `ProviderStartError` (GENERAL) naming the last problem — at
   * once, with PROVIDER_FATAL and the server's reason, when the source refuses the request.
   */
  async initialize({ wait = true }: { wait?: boolean } = {}): Promise<void> {
    this.phase = 'starting';
    this.engine.start();
    if (this.engine.hasData) {
      this.phase = 'live';
      return;
    }
    const timers = this.options.timers ?? systemTimers;
    const ms = wait ? (this.options.initTimeoutMs ?? 10_000) : 0;
    let timer: unknown;
    try {
      await Promise.race([
        this.engine.ready,
        new Promise((_, reject) => {
          this.cancelStart = reject;
          if (this.engine.lastProblem?.final) reject(this.failure());
          timer = timers.setTimeout(() => reject(this.failure(wait ? ` within ${ms} ms` : '')), ms);
        }),
      ]);
      this.phase = 'live';
    } catch (e) {
      if ((this.phase as string) === 'idle') throw e; // closed while starting (close() changed the phase)
      // Definitions that arrive later still make the provider ready (a READY event then).
      this.phase = this.engine.hasData ? 'live' : 'failed';
      if (this.phase === 'failed') throw e;
    } finally {
      this.cancelStart = undefined;
      timers.clearTimeout(timer);
    }
  }

  /** Why no definitions arrived (`when`: the wait, for a start that timed out), as `initialize` rejects. */
  private failure(when = ''): ProviderStartError {
    const problem = this.engine.lastProblem;
    const code = problem?.final ? 'PROVIDER_FATAL' : problem?.errorCode === 'PARSE_ERROR' ? 'PARSE_ERROR' : 'GENERAL';
    return new ProviderStartError(`no valid flag definitions from ${this.engine.description}${when}: ${problem?.message ?? 'no answer from the source yet'}`, code);
  }

  /** Stops the source; a start-up still waiting rejects at once (nothing is left armed). */
  async close(): Promise<void> {
    this.phase = 'idle';
    this.cancelStart?.(new ProviderStartError('closed before any flag definitions arrived', 'GENERAL'));
    await this.engine.stop();
  }
}
