import {
  bearer,
  PATHS,
  Poller,
  conditionalRequest,
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

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
  /** The context whose first answers replace the old ones without a change event (the SDK reconciles). */
  private quietFor?: EvaluationContext;
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
    const flags = flagsOf(typeof body === 'string' ? parseJson(body) : body);
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

  /**
   * New answers for a new context, without a change event (the SDK emits PROVIDER_CONTEXT_CHANGED).
   * Rejects when they cannot be had: the answers held are another context's. The status is then
   * `error` until answers for this context arrive, which emit READY and the changed keys.
   */
  async setContext(context: EvaluationContext): Promise<void> {
    this.context = this.quietFor = context;
    this.etag = undefined;
    if (await this.poller.poke()) return;
    this.quietFor = undefined;
    const message = `no answers for the new context from ${this.options.url}: ${this.poller.lastError?.message ?? 'no answer'}`;
    this.machine.rejected({ message, errorCode: 'GENERAL' });
    throw new Error(message);
  }

  private async fetch(signal: AbortSignal): Promise<void> {
    const context = this.context;
    const url = serverUrl(this.options, PATHS.ofrepFlags);
    const request: OfrepRequest = { context: context as OfrepRequest['context'] };
    const headers = { 'Content-Type': 'application/json', ...bearer(this.options) };
    const answer = await conditionalRequest(url, { method: 'POST', headers, body: JSON.stringify(request), etag: this.etag, signal });
    if (answer.status === 304) return this.machine.reachable();
    if (context !== this.context) return; // a newer context is being fetched
    const flags = flagsOf(parseJson(answer.text));
    if (!flags) return this.machine.rejected({ message: `${url} sent something other than an OFREP bulk response`, errorCode: 'PARSE_ERROR' });
    this.etag = answer.etag ?? undefined;
    this.fresh = true;
    this.apply(flags, this.quietFor === context);
    this.onFetched?.(context, flags);
    this.machine.accepted();
  }

  private apply(flags: OfrepResult[], quiet = false): void {
    const next = new Map(flags.map((r) => [r.key, r]));
    const previous = this.results;
    this.results = next;
    this.resolveReady();
    if (quiet) this.quietFor = undefined;
    if (!previous || quiet) return;
    const changed = [...new Set([...previous.keys(), ...next.keys()])].filter((k) => !same(previous.get(k), next.get(k)));
    if (changed.length) for (const l of this.listeners) l.changed?.(next, changed, []);
  }
}
