import {
  bearer,
  PATHS,
  Poller,
  PollError,
  retryAfterMs,
  serverUrl,
  StatusMachine,
  type EvaluationContext,
  type LifecycleEngine,
  type OfrepRequest,
  type OfrepResult,
  type SourceProblem,
  type SyncListener,
} from '@switchyard/core';
import type { WebProviderOptions } from './options.js';

export type Evaluations = ReadonlyMap<string, OfrepResult>;

const same = (a: OfrepResult | undefined, b: OfrepResult | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** A bulk response's flags, or undefined when it is not one. */
function flagsOf(body: unknown): OfrepResult[] | undefined {
  const flags = (body as { flags?: unknown } | null)?.flags;
  return Array.isArray(flags) && flags.every((r) => typeof r?.key === 'string') ? (flags as OfrepResult[]) : undefined;
}

/**
 * The OFREP provider's sync engine: the server's evaluations for the current context, polled with
 * ETags through the one poller and fed to the same status machine as the local-evaluation engine.
 */
export class OfrepEngine implements LifecycleEngine<Evaluations> {
  readonly description: string;
  readonly ready: Promise<unknown>;
  results?: Map<string, OfrepResult>;
  context: EvaluationContext = {};
  /** False while the results are a bootstrap's or storage's (served as CACHED). */
  fresh = false;
  private resolveReady!: () => void;
  private etag?: string;
  private quiet = false;
  private readonly poller: Poller;
  private readonly machine: StatusMachine;
  private readonly listeners = new Set<SyncListener<Evaluations>>();

  constructor(
    private readonly options: WebProviderOptions,
    /** Told about every fresh answer for the context (to persist it). */
    private readonly onFetched?: (context: EvaluationContext, flags: readonly OfrepResult[]) => void,
  ) {
    this.description = `ofrep:${options.url}`;
    this.ready = new Promise<void>((resolve) => (this.resolveReady = resolve));
    this.machine = new StatusMachine((status, problem) => {
      for (const l of this.listeners) l.status?.(status, problem);
    }, options);
    this.poller = new Poller((signal) => this.fetch(signal), {
      pollIntervalMs: options.pollIntervalMs ?? 30_000,
      label: options.url,
      timers: options.timers,
      onFailure: (error) => this.machine.unreachable(error),
    });
  }

  get hasData(): boolean {
    return this.results !== undefined;
  }

  get lastProblem(): SourceProblem | undefined {
    return this.machine.lastProblem;
  }

  listen(listener: SyncListener<Evaluations>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A bulk response (bootstrap or storage): `{"flags": [...]}`. */
  payload(body: string | unknown) {
    let parsed = body;
    try {
      if (typeof body === 'string') parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const flags = flagsOf(parsed);
    if (!flags) return { outcome: 'rejected', issues: [{ path: '$.flags', message: 'expected an OFREP bulk response: {"flags": [{"key": ...}, ...]}' }] };
    this.apply(flags);
    this.machine.accepted();
    return { outcome: 'applied' };
  }

  start(): void {
    void this.poller.start();
  }

  async stop(): Promise<void> {
    this.poller.stop();
    this.machine.stop();
  }

  /** New answers for a new context, without a change event (the SDK emits PROVIDER_CONTEXT_CHANGED). */
  async setContext(context: EvaluationContext): Promise<void> {
    this.context = context;
    this.etag = undefined;
    this.quiet = true;
    await this.poller.poke();
  }

  private async fetch(signal: AbortSignal): Promise<void> {
    const context = this.context;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...bearer(this.options) };
    if (this.etag) headers['If-None-Match'] = this.etag;
    const url = serverUrl(this.options, PATHS.ofrepFlags);
    const request: OfrepRequest = { context: context as OfrepRequest['context'] };
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(request), signal });
    } catch (e) {
      throw new PollError(`cannot reach ${url}: ${(e as Error).message}`);
    }
    if (res.status === 304) return this.machine.reachable();
    if (!res.ok) {
      const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
      throw new PollError(`${url} answered ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`, wait);
    }
    const flags = flagsOf(await res.json().catch(() => undefined));
    if (context !== this.context) return; // a newer context is being fetched
    if (!flags) return this.machine.rejected({ message: `${url} sent something other than an OFREP bulk response`, errorCode: 'PARSE_ERROR' });
    this.etag = res.headers.get('etag') ?? undefined;
    this.fresh = true;
    this.apply(flags);
    this.onFetched?.(context, flags);
    this.machine.accepted();
  }

  private apply(flags: OfrepResult[]): void {
    const next = new Map(flags.map((r) => [r.key, r]));
    const previous = this.results;
    this.results = next;
    this.resolveReady();
    const quiet = this.quiet;
    this.quiet = false;
    if (!previous || quiet) return;
    const changed = [...new Set([...previous.keys(), ...next.keys()])].filter((k) => !same(previous.get(k), next.get(k)));
    if (changed.length) for (const l of this.listeners) l.changed?.(next, changed, []);
  }
}
