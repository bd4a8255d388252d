import { OpenFeatureEventEmitter, ProviderEvents, type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails } from '@openfeature/web-sdk';
import { bearer, formatIssue, HttpPoller, serverUrl, SseStream, SyncEngine, type FlagValueType, type LoadOptions, type Snapshot, type SyncSource } from '@switchyard/core';
import { storageKey, type WebProviderOptions } from './options.js';
import { load, save } from './storage.js';
import { onVisibility } from './visibility.js';

export interface SwitchyardWebProviderOptions extends WebProviderOptions {
  /** `sse` (default): native EventSource, polling while streaming is unavailable; `poll`: ETag polling only. */
  readonly transport?: 'sse' | 'poll';
  /** Operators beyond flagd's, e.g. `extensionOperators` for flags translated from AWS AppConfig. */
  readonly operators?: LoadOptions['operators'];
}

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
  private readonly storage?: string;
  /** The snapshot restored from bootstrap or storage: results from it are CACHED. */
  private cached?: Snapshot;
  /** True once the SDK has (or could have) shown values: from then on every change is an event. */
  private live = false;
  private unwatch?: () => void;

  constructor(private readonly options: SwitchyardWebProviderOptions) {
    this.storage = storageKey(options, 'flags');
    this.engine = new SyncEngine(
      this.source(),
      {
        changed: (snapshot, changed) => {
          save(this.storage, JSON.stringify(snapshot.document));
          if (this.live) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...changed] });
        },
        rejected: (issues) => this.events.emit(ProviderEvents.Error, { message: `rejected flag definitions: ${issues.map(formatIssue).join('; ')}` }),
        stale: (error) => this.events.emit(ProviderEvents.Stale, { message: error.message }),
        recovered: () => this.events.emit(ProviderEvents.Ready),
      },
      { staleAfterMs: options.staleAfterMs, operators: options.operators },
    );
  }

  private source(): SyncSource {
    const headers = bearer(this.options);
    const poll = { url: serverUrl(this.options, '/v1/flags'), headers, intervalMs: this.options.pollIntervalMs ?? 30_000 };
    if (this.options.transport === 'poll') return new HttpPoller(poll);
    return new SseStream({ url: serverUrl(this.options, '/v1/stream', { key: this.options.key }), createEventSource: (url) => new EventSource(url), fallback: poll });
  }

  async initialize(): Promise<void> {
    const { store } = this.engine;
    // A server-rendered document first; storage is read only when there is none (or it was invalid).
    const restore = (cached: string | object | undefined) => cached !== undefined && store.apply(cached).outcome !== 'rejected';
    if (restore(this.options.bootstrap) || restore(load(this.storage))) this.cached = store.snapshot;
    this.engine.start();
    // A hidden page neither polls nor holds a stream (browsers allow six HTTP/1.1 connections per
    // origin across all tabs); shown again, it reconnects or polls at once and catches up.
    this.unwatch = onVisibility(
      () => void this.engine.stop(),
      () => this.engine.start(),
    );
    if ((this.live = !!store.snapshot)) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ms = this.options.initTimeoutMs ?? 10_000;
    await Promise.race([
      this.engine.ready,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no flags from ${this.options.url} within ${ms} ms${this.engine.lastError ? `: ${this.engine.lastError.message}` : ''}`)), ms))),
    ]).finally(() => clearTimeout(timer));
    this.live = true;
  }

  // No onContextChange: definitions are local, so a new context needs no work here. The SDK then goes
  // straight to PROVIDER_CONTEXT_CHANGED and passes the new context to every evaluation.

  async onClose(): Promise<void> {
    this.unwatch?.();
    await this.engine.stop();
  }

  private resolve<T>(key: string, type: FlagValueType, fallback: T, context: EvaluationContext): ResolutionDetails<T> {
    const snapshot = this.engine.store.snapshot;
    if (!snapshot) return { value: fallback, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' as never, flagMetadata: {} };
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
