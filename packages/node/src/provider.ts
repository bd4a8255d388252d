import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { LiveEvaluator, SyncEngine, extensionOperators, formatIssue, type Issue, type Snapshot } from '@switchyard/core';
import { validateOptions, type SwitchyardProviderOptions } from './options.js';
import { OverridableEvaluator, type Override } from './overrides.js';
import { createSource } from './sources.js';

export interface TrackingEvent {
  readonly name: string;
  readonly context: EvaluationContext;
  readonly details: TrackingEventDetails;
  readonly time: number;
}

/**
 * OpenFeature server provider: every evaluation runs in process against the live snapshot (no I/O,
 * never throws); a file, a poller or an SSE stream keeps that snapshot fresh in the background.
 */
export class SwitchyardProvider implements Provider {
  readonly metadata = { name: 'Switchyard' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly hooks: Hook[] = [];
  /** The synchronous evaluator on the live snapshot, for hot paths that skip the SDK. */
  readonly evaluator: LiveEvaluator;
  private readonly overridable: OverridableEvaluator;
  private readonly engine: SyncEngine;
  private initialized = false;
  private initFailed = false;
  private errored = false;
  private lastRejection?: string;
  private readonly trackListeners = new Set<(event: TrackingEvent) => void>();

  constructor(private readonly options: SwitchyardProviderOptions) {
    validateOptions(options);
    const source = createSource(options.source);
    this.engine = new SyncEngine(
      source,
      {
        changed: (snapshot, changed) => this.changed(snapshot, changed),
        rejected: (issues, from) => this.rejected(issues, from),
        stale: (error) => this.events.emit(ProviderEvents.Stale, { message: `flag source unreachable: ${error.message}` }),
        recovered: () => this.events.emit(ProviderEvents.Ready, { message: 'flag source reachable again' }),
      },
      // Node has no bundle budget: Switchyard's extension operators (used by AppConfig rules) are always on.
      { operators: extensionOperators, ...options },
    );
    this.evaluator = this.overridable = new OverridableEvaluator(this.engine.store);
  }

  /** The live snapshot (undefined before the first valid definitions). */
  get snapshot(): Snapshot | undefined {
    return this.engine.store.snapshot;
  }

  /**
   * Resolves once valid definitions are loaded (or a bootstrap was given); rejects after
   * `initTimeoutMs` with the reason. The SDK emits READY/ERROR for it; if definitions arrive after a
   * failed start, this provider emits READY itself.
   */
  async initialize(): Promise<void> {
    if (this.options.bootstrap !== undefined) {
      const result = this.engine.store.apply(this.options.bootstrap);
      if (result.outcome === 'rejected') throw new Error(`invalid bootstrap flags:\n  ${result.issues.map(formatIssue).join('\n  ')}`);
    }
    this.engine.start();
    if (this.engine.store.snapshot) {
      this.initialized = true;
      return;
    }
    const timeoutMs = this.options.initTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.engine.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no valid flag definitions from ${this.engine.source.description} within ${timeoutMs} ms${this.problem()}`)), timeoutMs);
        }),
      ]);
      this.initialized = true;
    } catch (e) {
      this.initFailed = true;
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async onClose(): Promise<void> {
    await this.engine.stop();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.evaluator.resolveBooleanEvaluation(flagKey, defaultValue, context) as ResolutionDetails<boolean>);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.evaluator.resolveStringEvaluation(flagKey, defaultValue, context) as ResolutionDetails<string>);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.evaluator.resolveNumberEvaluation(flagKey, defaultValue, context) as ResolutionDetails<number>);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.evaluator.resolve(flagKey, 'object', defaultValue, context) as ResolutionDetails<T>);
  }

  /** OpenFeature tracking: delivered to every `onTrack` listener (experiments, guarded rollouts). */
  track(name: string, context: EvaluationContext, details: TrackingEventDetails): void {
    const event: TrackingEvent = { name, context, details, time: Date.now() };
    for (const listener of this.trackListeners) listener(event);
  }

  /**
   * Pins `flagKey` to `variant` for everyone in this process from the next evaluation (reason
   * STATIC, `flagMetadata.rolledBack` = `reason`) and emits PROVIDER_CONFIGURATION_CHANGED. Holds
   * until `clearOverride` or until the flag's definition changes at the source.
   */
  override(flagKey: string, variant: string, reason: string): void {
    const flag = this.engine.store.snapshot?.flags.get(flagKey);
    if (!flag?.variants.has(variant)) throw new RangeError(`cannot override ${flagKey}: no such flag or variant "${variant}"`);
    this.overridable.overrides.set(flagKey, { variant, reason });
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [flagKey], message: `${flagKey} overridden to "${variant}": ${reason}` });
  }

  clearOverride(flagKey: string): boolean {
    const cleared = this.overridable.overrides.delete(flagKey);
    if (cleared) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [flagKey], message: `${flagKey} override cleared` });
    return cleared;
  }

  /** The overrides in force: flag key → variant and reason (a live view). */
  overrides(): ReadonlyMap<string, Override> {
    return this.overridable.overrides;
  }

  onTrack(listener: (event: TrackingEvent) => void): () => void {
    this.trackListeners.add(listener);
    return () => this.trackListeners.delete(listener);
  }

  private changed(_snapshot: Snapshot, changed: readonly string[]): void {
    for (const key of changed) this.overridable.overrides.delete(key); // the flag was changed at its source: that decision wins
    if (this.initFailed && !this.initialized) {
      this.initialized = true;
      this.events.emit(ProviderEvents.Ready, { message: 'flag definitions loaded' });
      return;
    }
    if (!this.initialized) return; // the first load completes initialize(); the SDK emits READY
    if (this.errored) {
      this.errored = false;
      this.events.emit(ProviderEvents.Ready, { message: 'valid flag definitions again' });
    }
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...changed] });
  }

  private problem(): string {
    const detail = this.lastRejection ?? this.engine.lastError?.message;
    return detail ? `: ${detail}` : '';
  }

  private rejected(issues: readonly Issue[], from: string): void {
    this.errored = true;
    this.lastRejection = `rejected: ${issues.map(formatIssue).join('; ')}`;
    this.events.emit(ProviderEvents.Error, {
      message: `rejected flag definitions from ${from}; still serving the last good ones:\n  ${issues.map(formatIssue).join('\n  ')}`,
    });
  }
}
