import { OpenFeatureEventEmitter, ParseError, ProviderFatalError, GeneralError, type ProviderEmittableEvents, type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails } from '@openfeature/web-sdk';
import {
  ProviderLifecycle,
  serverSource,
  toOpenFeatureError,
  SyncEngine,
  type FlagValueType,
  type LoadOptions,
  type Snapshot,
  type SyncSource,
} from '@switchyard/core';
import { checkOptions, storageKey, type WebProviderOptions } from './options.js';
import { forgetOnRefusal, load, save } from './storage.js';
import { pauseWhileHidden } from './visibility.js';

export interface SwitchyardWebProviderOptions extends WebProviderOptions {
  /** `sse` (default): native EventSource, polling while streaming is unavailable; `poll`: ETag polling only. */
  readonly transport?: 'sse' | 'poll';
  /** Operators beyond flagd's, e.g. `extensionOperators` for flags translated from AWS AppConfig. */
  readonly operators?: LoadOptions['operators'];
}

/** The web SDK's errors for a failed start: FATAL for a broken bootstrap, ERROR otherwise. */
export const startError = (e: unknown): unknown => toOpenFeatureError(e, { ProviderFatalError, ParseError, GeneralError });

/**
 * OpenFeature web provider that evaluates flags in the browser: the client-visible definitions come
 * from a Switchyard server (SSE, or polling with ETags) and every evaluation — including after a
 * context change — is local and synchronous, with no network round trip.
 */
export class SwitchyardWebProvider implements Provider {
  readonly metadata = { name: 'switchyard-web' } as const;
  readonly runsOn = 'client';
  readonly events = new OpenFeatureEventEmitter();
  private readonly engine: SyncEngine;
  private readonly lifecycle: ProviderLifecycle;
  private readonly storage?: string;
  /** The snapshot restored from bootstrap or storage: results from it are CACHED. */
  private cached?: Snapshot;
  private unwatch?: () => void;
  /** The start (`initialize`): a context change before the first definitions waits on it. */
  private started?: Promise<void>;

  constructor(private readonly options: SwitchyardWebProviderOptions) {
    checkOptions(options);
    this.storage = storageKey(options, 'flags');
    this.engine = new SyncEngine(this.source(), { staleAfterMs: options.staleAfterMs, operators: options.operators, timers: options.timers, warn: options.warn });
    this.lifecycle = new ProviderLifecycle(this.engine, (event, details) => this.events.emit(event as ProviderEmittableEvents, details), {
      initTimeoutMs: options.initTimeoutMs,
      timers: options.timers,
      onChange: (snapshot) => save(this.storage, JSON.stringify(snapshot.document)),
    });
    forgetOnRefusal(this.engine, this.storage, () => JSON.stringify(this.engine.store.snapshot?.document));
  }

  private source(): SyncSource {
    return serverSource({
      ...this.options,
      transport: this.options.transport ?? 'sse',
      pollIntervalMs: this.options.pollIntervalMs ?? 30_000,
      createEventSource: (url) => new EventSource(url),
      keyInQuery: true,
    });
  }

  initialize(): Promise<void> {
    return (this.started = this.start());
  }

  private async start(): Promise<void> {
    try {
      // A server-rendered document first; storage only without one (a cache: an unreadable one is ignored).
      if (this.options.bootstrap !== undefined) this.lifecycle.bootstrap(this.options.bootstrap);
      else {
        const stored = load(this.storage);
        if (stored !== undefined) this.engine.cached(stored);
      }
      this.cached = this.engine.store.snapshot;
      // Restored results are CACHED until the source sends a valid document (the same one counts); a
      // failure — rejected, unreachable, refused — leaves them CACHED.
      if (this.cached) this.engine.listen({ outcome: (outcome) => (outcome === 'applied' || outcome === 'unchanged') && (this.cached = undefined) });
      await this.lifecycle.initialize();
    } catch (e) {
      throw startError(e);
    } finally {
      this.unwatch = pauseWhileHidden(this.engine);
    }
  }

  /**
   * Definitions are local: a new context needs no work once they are here. Before, the SDK must wait:
   * it marks the provider READY as soon as this returns (even while `initialize` is still waiting), so
   * `await OpenFeature.setContext(...)` right after `setProvider` would read defaults. The start's
   * promise makes it wait for the first definitions, or fail as the start does.
   */
  onContextChange(): Promise<void> | void {
    if (!this.engine.hasData) return this.started;
  }

  async onClose(): Promise<void> {
    this.unwatch?.();
    await this.lifecycle.close();
  }

  private resolve<T>(key: string, type: FlagValueType, fallback: T, context: EvaluationContext): ResolutionDetails<T> {
    const snapshot = this.engine.store.snapshot;
    if (!snapshot) return { value: fallback, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' as never, errorMessage: 'no flag definitions loaded yet', flagMetadata: {} };
    const result = snapshot.resolve(key, type, fallback, context) as ResolutionDetails<T>;
    return snapshot === this.cached && !result.errorCode ? { ...result, reason: 'CACHED' } : result;
  }

  resolveBooleanEvaluation(key: string, fallback: boolean, context: EvaluationContext): ResolutionDetails<boolean> {
    return this.resolve(key, 'boolean', fallback, context);
  }

  resolveStringEvaluation(key: string, fallback: string, context: EvaluationContext): ResolutionDetails<string> {
    return this.resolve(key, 'string', fallback, context);
  }

  resolveNumberEvaluation(key: string, fallback: number, context: EvaluationContext): ResolutionDetails<number> {
    return this.resolve(key, 'number', fallback, context);
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, fallback: T, context: EvaluationContext): ResolutionDetails<T> {
    return this.resolve(key, 'object', fallback, context);
  }
}
