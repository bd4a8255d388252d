import { OpenFeatureEventEmitter, type ProviderEmittableEvents, type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails } from '@openfeature/web-sdk';
import { ProviderLifecycle } from '@switchyard/core';
import { OfrepEngine, type Evaluations } from './ofrep-engine.js';
import { checkOptions, storageKey, type WebProviderOptions } from './options.js';
import { startError } from './provider.js';
import { forgetOnRefusal, load, save } from './storage.js';
import { pauseWhileHidden } from './visibility.js';

function parseStored(text: string | undefined): { context?: string; flags?: unknown } | undefined {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The same provider API for flags whose definitions must not leave the server: the Switchyard server
 * evaluates them (OFREP bulk, `POST /ofrep/v1/evaluate/flags`) for the current context, and this
 * provider serves the answers synchronously. Polls with ETags (paused while the page is hidden); a
 * context change fetches new answers (the SDK shows RECONCILING meanwhile).
 */
export class SwitchyardOfrepProvider implements Provider {
  readonly metadata = { name: 'switchyard-ofrep' } as const;
  readonly runsOn = 'client';
  readonly events = new OpenFeatureEventEmitter();
  private readonly engine: OfrepEngine;
  private readonly lifecycle: ProviderLifecycle<Evaluations>;
  private readonly storage?: string;
  private unwatch?: () => void;

  constructor(private readonly options: WebProviderOptions) {
    checkOptions(options);
    this.storage = storageKey(options, 'ofrep');
    const stored = (context: unknown, flags: readonly unknown[]) => JSON.stringify({ context: JSON.stringify(context), flags });
    this.engine = new OfrepEngine(options, (context, flags) => save(this.storage, stored(context, flags)));
    this.lifecycle = new ProviderLifecycle(this.engine, (event, details) => this.events.emit(event as ProviderEmittableEvents, details), { initTimeoutMs: options.initTimeoutMs, timers: options.timers });
    forgetOnRefusal(this.engine, this.storage, () => this.engine.results && stored(this.engine.context, [...this.engine.results.values()]));
  }

  async initialize(context?: EvaluationContext): Promise<void> {
    this.engine.context = context ?? {};
    try {
      if (this.options.bootstrap !== undefined) this.lifecycle.bootstrap(this.options.bootstrap);
      else {
        // Stored answers are only good for the context they were computed for; unreadable ones are ignored.
        const saved = parseStored(load(this.storage));
        if (saved?.context === JSON.stringify(this.engine.context)) this.engine.payload(saved);
      }
      await this.lifecycle.initialize();
    } catch (e) {
      throw startError(e);
    } finally {
      this.unwatch = pauseWhileHidden(this.engine);
    }
  }

  async onContextChange(_old: EvaluationContext, context: EvaluationContext): Promise<void> {
    await this.engine.setContext(context);
  }

  async onClose(): Promise<void> {
    this.unwatch?.();
    await this.lifecycle.close();
  }

  private resolve<T>(key: string, type: string, fallback: T): ResolutionDetails<T> {
    const results = this.engine.results;
    const r = results?.get(key);
    const error = (errorCode: string, errorMessage: string): ResolutionDetails<T> => ({ value: fallback, reason: 'ERROR', errorCode: errorCode as never, errorMessage });
    if (!results) return error('PROVIDER_NOT_READY', 'no evaluations yet');
    if (!r) return error('FLAG_NOT_FOUND', `flag '${key}' not found`);
    if (r.errorCode) return error(r.errorCode, r.errorDetails ?? r.errorCode);
    const flagMetadata = r.metadata ?? {};
    if (!('value' in r)) return { value: fallback, reason: r.reason, flagMetadata };
    const actual = r.value === null || Array.isArray(r.value) ? 'array' : typeof r.value;
    if (actual !== type) return error('TYPE_MISMATCH', `flag '${key}' is ${actual}, not ${type}`);
    return { value: r.value as T, variant: r.variant, reason: this.engine.fresh ? r.reason : 'CACHED', flagMetadata };
  }

  resolveBooleanEvaluation(key: string, fallback: boolean): ResolutionDetails<boolean> {
    return this.resolve(key, 'boolean', fallback);
  }

  resolveStringEvaluation(key: string, fallback: string): ResolutionDetails<string> {
    return this.resolve(key, 'string', fallback);
  }

  resolveNumberEvaluation(key: string, fallback: number): ResolutionDetails<number> {
    return this.resolve(key, 'number', fallback);
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, fallback: T): ResolutionDetails<T> {
    return this.resolve(key, 'object', fallback);
  }
}
