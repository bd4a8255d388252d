import { OpenFeatureEventEmitter, ProviderEvents, type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails } from '@openfeature/web-sdk';
import { bearer, serverUrl } from '@switchyard/core';
import { storageKey, type WebProviderOptions } from './options.js';
import { load, save } from './storage.js';
import { onVisibility } from './visibility.js';

/** One entry of an OFREP bulk response. */
interface OfrepResult {
  readonly key: string;
  readonly value?: unknown;
  readonly variant?: string;
  readonly reason?: string;
  readonly errorCode?: string;
  readonly errorDetails?: string;
  readonly metadata?: Record<string, string | number | boolean>;
}

const same = (a: OfrepResult | undefined, b: OfrepResult | undefined) => JSON.stringify(a) === JSON.stringify(b);

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
  private results?: Map<string, OfrepResult>;
  private etag?: string;
  private cached = false;
  private context: EvaluationContext = {};
  private timer?: ReturnType<typeof setTimeout>;
  private failingSince?: number;
  private stale = false;
  private closed = false;
  private unwatch?: () => void;
  private readonly storage?: string;

  constructor(private readonly options: WebProviderOptions) {
    this.storage = storageKey(options, 'ofrep');
  }

  async initialize(context?: EvaluationContext): Promise<void> {
    this.context = context ?? {};
    const stored = load(this.storage);
    const saved = stored && (JSON.parse(stored) as { context: string; flags: OfrepResult[] });
    const bootstrap = this.options.bootstrap;
    const flags = bootstrap ? (typeof bootstrap === 'string' ? JSON.parse(bootstrap) : bootstrap).flags : saved && saved.context === JSON.stringify(this.context) ? saved.flags : undefined;
    if (Array.isArray(flags)) {
      this.results = new Map(flags.map((r: OfrepResult) => [r.key, r]));
      this.cached = true;
    }
    this.unwatch = onVisibility(
      () => clearTimeout(this.timer),
      () => void this.poll(),
    );
    const first = this.poll();
    if (this.results) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ms = this.options.initTimeoutMs ?? 10_000;
    await Promise.race([first, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no evaluations from ${this.options.url} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
    if (!this.results) throw new Error(`no evaluations from ${this.options.url}`);
  }

  async onContextChange(_old: EvaluationContext, context: EvaluationContext): Promise<void> {
    this.context = context;
    this.etag = undefined;
    await this.poll(true);
  }

  async onClose(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    clearTimeout(this.timer);
  }

  /** Fetches answers for the current context; `quiet` (context changes) emits no change event. */
  private async poll(quiet = false): Promise<void> {
    clearTimeout(this.timer);
    if (this.closed) return;
    const context = this.context;
    try {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...bearer(this.options) };
      if (this.etag) headers['If-None-Match'] = this.etag;
      const res = await fetch(serverUrl(this.options, '/ofrep/v1/evaluate/flags'), { method: 'POST', headers, body: JSON.stringify({ context }) });
      if (res.status !== 304) {
        if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
        const body = (await res.json()) as { flags: OfrepResult[] };
        if (context !== this.context) return; // a newer context is being fetched
        this.apply(body.flags, quiet);
        this.etag = res.headers.get('etag') ?? undefined;
        save(this.storage, JSON.stringify({ context: JSON.stringify(context), flags: body.flags }));
      }
      this.failingSince = undefined;
      if (this.stale) {
        this.stale = false;
        this.events.emit(ProviderEvents.Ready);
      }
    } catch (e) {
      this.failingSince ??= Date.now();
      if (!this.stale && Date.now() - this.failingSince >= (this.options.staleAfterMs ?? 10_000)) {
        this.stale = true;
        this.events.emit(ProviderEvents.Stale, { message: `cannot evaluate at ${this.options.url}: ${(e as Error).message}` });
      }
    } finally {
      if (!this.closed && globalThis.document?.visibilityState !== 'hidden') this.timer = setTimeout(() => void this.poll(), this.options.pollIntervalMs ?? 30_000);
    }
  }

  private apply(flags: OfrepResult[], quiet: boolean): void {
    const next = new Map(flags.map((r) => [r.key, r]));
    const previous = this.results;
    this.results = next;
    this.cached = false;
    if (!previous || quiet) return;
    const changed = [...new Set([...previous.keys(), ...next.keys()])].filter((k) => !same(previous.get(k), next.get(k)));
    if (changed.length) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
  }

  private resolve<T>(key: string, type: string, fallback: T): ResolutionDetails<T> {
    const r = this.results?.get(key);
    const error = (errorCode: string, errorMessage: string): ResolutionDetails<T> => ({ value: fallback, reason: 'ERROR', errorCode: errorCode as never, errorMessage });
    if (!this.results) return error('PROVIDER_NOT_READY', 'no evaluations yet');
    if (!r) return error('FLAG_NOT_FOUND', `flag '${key}' not found`);
    if (r.errorCode) return error(r.errorCode, r.errorDetails ?? r.errorCode);
    const flagMetadata = r.metadata ?? {};
    if (!('value' in r)) return { value: fallback, reason: r.reason, flagMetadata };
    const actual = r.value === null || Array.isArray(r.value) ? 'array' : typeof r.value;
    if (actual !== type) return error('TYPE_MISMATCH', `flag '${key}' is ${actual}, not ${type}`);
    return { value: r.value as T, variant: r.variant, reason: this.cached ? 'CACHED' : r.reason, flagMetadata };
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
