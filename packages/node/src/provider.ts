import {
  GeneralError,
  OpenFeatureEventEmitter,
  ParseError,
  ProviderEvents,
  ProviderFatalError,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { extensionOperators, LiveEvaluator, PinSet, ProviderLifecycle, SyncEngine, toOpenFeatureError, type Pin, type Snapshot } from '@switchyard/core';
import { validateOptions, type SwitchyardProviderOptions } from './options.js';
import { createSource } from './sources.js';

export interface TrackingEvent {
  readonly name: string;
  readonly context: EvaluationContext;
  readonly details: TrackingEventDetails;
  readonly time: number;
}

/**
 * OpenFeature server provider: every evaluation runs in process against the live snapshot (no I/O,
 * never throws); a file, a poller, an SSE stream or any `SyncSource` keeps that snapshot fresh in the
 * background, and the shared lifecycle turns what happens to it into OpenFeature events.
 */
export class SwitchyardProvider implements Provider {
  readonly metadata = { name: 'Switchyard' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly hooks: Hook[] = [];
  /** The synchronous evaluator on the live snapshot (pins included), for hot paths that skip the SDK. */
  readonly evaluator: LiveEvaluator;
  private readonly engine: SyncEngine;
  private readonly pins: PinSet;
  private readonly lifecycle: ProviderLifecycle;
  private readonly trackListeners = new Set<(event: TrackingEvent) => void>();

  constructor(private readonly options: SwitchyardProviderOptions) {
    validateOptions(options);
    // The document limit caps what the server may send too: a body, or one event of the stream.
    const source = createSource(options.source, options.limits?.maxDocumentLength);
    // Node has no bundle budget: Switchyard's extension operators (used by AppConfig rules) are always on.
    this.engine = new SyncEngine(source, { operators: extensionOperators, ...options, translate: source.translate });
    this.lifecycle = new ProviderLifecycle(this.engine, (event, details) => this.events.emit(event as ProviderEvents, details), options);
    this.pins = new PinSet(this.engine);
    this.evaluator = new LiveEvaluator(this.engine.store, () => this.engine.lastProblem);
  }

  /** The live snapshot (undefined before the first valid definitions). */
  get snapshot(): Snapshot | undefined {
    return this.engine.store.snapshot;
  }

  /**
   * Resolves once valid definitions are loaded (or a bootstrap was given). An invalid bootstrap
   * rejects with `ProviderFatalError`; no definitions within `initTimeoutMs` with `GeneralError`
   * naming the last problem — definitions that arrive later still emit READY.
   */
  async initialize(): Promise<void> {
    try {
      if (this.options.bootstrap !== undefined) this.lifecycle.bootstrap(this.options.bootstrap);
      await this.lifecycle.initialize();
    } catch (e) {
      throw toOpenFeatureError(e, { ProviderFatalError, ParseError, GeneralError });
    }
  }

  async onClose(): Promise<void> {
    await this.lifecycle.close();
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
   * until `clearOverride` or until the flag's definition changes at the source. RangeError for an
   * unknown flag or variant.
   */
  override(flagKey: string, variant: string, reason: string): Pin {
    return this.pins.pin(flagKey, variant, { reason });
  }

  clearOverride(flagKey: string): boolean {
    return this.pins.unpin(flagKey);
  }

  /** The overrides in force: flag key → pin (variant, reason, when). */
  overrides(): ReadonlyMap<string, Pin> {
    return this.pins.all;
  }

  onTrack(listener: (event: TrackingEvent) => void): () => void {
    this.trackListeners.add(listener);
    return () => this.trackListeners.delete(listener);
  }
}
