import { bearer, formatIssue, HttpPoller, ProviderStartError, LiveEvaluator, murmur3Utf8, PATHS, serverUrl, serverUrlProblem, SyncEngine, type Snapshot, type SyncSink, type SyncSource } from '@switchyard/core';
import { cachedResponse, openCache, readCached, type FlagCache } from './cache.js';
import type { EdgeFlagsOptions, WaitUntil } from './options.js';

/**
 * Flags for edge workers: synchronous evaluation (`getBooleanValue`, `resolveStringEvaluation`, …)
 * from a snapshot that each request keeps fresh. There are no timers between requests: `refresh(ctx)`
 * at the start of a request revalidates once the TTL has passed — in the background through
 * `ctx.waitUntil` while a snapshot exists (stale-while-revalidate), awaited only when there is nothing
 * to serve yet. The same sync engine and status machine as every other provider, driven one
 * conditional GET at a time.
 */
export class EdgeFlags extends LiveEvaluator {
  readonly engine: SyncEngine;
  private readonly poller: HttpPoller;
  /** The platform-cache key: the endpoint, scoped by a hash of the key (keys choose environments). */
  private readonly cacheKey: string;
  /** When the last revalidation started (ms); 0 = never, so the first request revalidates. */
  private checkedAt = 0;
  private inflight?: Promise<void>;
  private restored?: Promise<void>;
  private cache?: FlagCache;
  /** A document the last revalidation applied, to put in the platform cache. */
  private fetched?: string;
  /** The most recent failure (transport or rejected document), for diagnostics. */
  lastError?: Error;

  constructor(private readonly options: EdgeFlagsOptions) {
    // A URL that cannot work is a deploy's mistake, like a broken bootstrap: it fails there, with the fix.
    const problem = serverUrlProblem(options?.url, 'url');
    if (problem) throw new ProviderStartError(`invalid EdgeFlags options: ${problem}`, 'PROVIDER_FATAL');
    const poller = new HttpPoller({ url: serverUrl(options, PATHS.flags), headers: bearer(options), timeoutMs: options.timeoutMs ?? 2000 });
    // Request-driven: the engine never starts a loop; `refresh` runs one conditional GET when due.
    const source: SyncSource = { description: poller.description, start: () => undefined, stop: () => poller.stop() };
    const engine = new SyncEngine(source, { operators: options.operators, staleAfterMs: options.staleAfterMs, staleTimer: false, warn: options.warn });
    super(engine.store, () => engine.lastProblem);
    this.engine = engine;
    this.poller = poller;
    this.cacheKey = serverUrl(options, PATHS.flags, { 'switchyard-cache': murmur3Utf8(options.key ?? '').toString(36) });
    if (options.bootstrap !== undefined) {
      const result = engine.payload(options.bootstrap);
      // A bundled document is code: a broken one fails the deploy, not a request.
      if (result.outcome === 'rejected') throw new ProviderStartError(`invalid bootstrap flags: ${result.issues.map(formatIssue).join('; ')}`, 'PROVIDER_FATAL');
    }
    engine.listen({
      changed: (_snapshot, changed) => options.onChange?.(changed),
      status: (status, problem) => {
        // A rejected document; transport failures and refusals are reported as they happen.
        if (status === 'error' && problem && !problem.final) this.fail(new Error(problem.message));
      },
    });
  }

  /** The snapshot being served (undefined only before the first document without a bootstrap). */
  get snapshot(): Snapshot | undefined {
    return this.store.snapshot;
  }

  /**
   * Call at the start of each request. A cold isolate first restores the platform cache (local, not
   * the network). Within the TTL nothing else happens; after it, one revalidation runs per isolate
   * (concurrent requests share it): in the background through `ctx.waitUntil` while there is a
   * snapshot to serve, awaited only when there is none. Never rejects: failures go to `onError`.
   */
  async refresh(ctx?: WaitUntil): Promise<void> {
    await (this.restored ??= this.restore());
    const now = Date.now();
    if (now - this.checkedAt >= (this.options.ttlMs ?? 5000)) {
      this.checkedAt = now;
      this.inflight ??= this.revalidate().finally(() => (this.inflight = undefined));
      if (this.store.snapshot) ctx?.waitUntil(this.inflight);
    }
    if (!this.store.snapshot) await this.inflight;
  }

  /** The last good document another isolate cached; fresh within the TTL, it spares this one a fetch. */
  private async restore(): Promise<void> {
    try {
      this.cache = await openCache(this.options.cache);
      const cached = this.cache && (await readCached(this.cache, this.cacheKey));
      // A cache, not the source: a bad entry is simply not used.
      if (cached && this.engine.cached(cached.text)) {
        this.poller.etag = cached.etag;
        this.checkedAt = cached.fetchedAt;
      }
    } catch {
      // no cache, or an unreadable one: the bootstrap and the server still work
    }
  }

  private async revalidate(): Promise<void> {
    const { engine } = this;
    const sink: SyncSink = {
      payload: (text) => {
        if (engine.payload(text).outcome !== 'rejected') this.fetched = String(text);
      },
      reachable: () => engine.sink.reachable(),
      unreachable: (error) => {
        engine.sink.unreachable(error);
        this.fail(error);
      },
    };
    this.fetched = undefined;
    await this.poller.pollOnce(sink);
    if (this.fetched !== undefined) await this.cache?.put(this.cacheKey, cachedResponse(this.fetched, this.poller.etag ?? null, Date.now())).catch(() => undefined);
  }

  private fail(error: Error): void {
    this.lastError = error;
    try {
      // Without a handler the worker's log hears it: a wrong key must not fail in silence.
      (this.options.onError ?? ((e: Error) => (this.options.warn ?? console.warn)(`switchyard: ${e.message}`)))(error);
    } catch {
      // the caller's callback must not make refresh() reject: it promises never to
    }
  }
}
