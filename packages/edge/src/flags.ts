import { bearer, formatIssue, LiveEvaluator, murmur3Utf8, serverUrl, SnapshotStore, type Snapshot } from '@switchyard/core';
import { cachedResponse, openCache, readCached } from './cache.js';
import type { EdgeFlagsOptions, WaitUntil } from './options.js';

/**
 * Flags for edge workers: synchronous evaluation (`getBooleanValue`, `resolveStringEvaluation`, …)
 * from a snapshot that each request keeps fresh. There are no timers: `refresh(ctx)` at the start of
 * a request revalidates once the TTL has passed — in the background through `ctx.waitUntil` while a
 * snapshot exists (stale-while-revalidate), awaited only when there is nothing to serve yet.
 */
export class EdgeFlags extends LiveEvaluator {
  private readonly endpoint: string;
  /** The platform-cache key: the endpoint, scoped by a hash of the key (keys choose environments). */
  private readonly cacheKey: string;
  private etag: string | null = null;
  /** When the last revalidation started (ms); 0 = never, so the first request revalidates. */
  private checkedAt = 0;
  private inflight?: Promise<void>;
  private restored?: Promise<void>;
  private cache?: Cache;
  /** The most recent failure (transport or rejected document), for diagnostics. */
  lastError?: Error;

  constructor(private readonly options: EdgeFlagsOptions) {
    super(new SnapshotStore({ operators: options.operators }));
    this.endpoint = serverUrl(options, '/v1/flags');
    this.cacheKey = serverUrl(options, '/v1/flags', { 'switchyard-cache': murmur3Utf8(options.key ?? '').toString(36) });
    if (options.fallback !== undefined) {
      const result = this.store.apply(options.fallback);
      // A bundled document is code: a broken one fails the deploy, not a request.
      if (result.outcome === 'rejected') throw new Error(`invalid fallback flags: ${result.issues.map(formatIssue).join('; ')}`);
    }
  }

  /** The snapshot being served (undefined only before the first document without a fallback). */
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
    if (Date.now() - this.checkedAt >= this.ttl) {
      this.checkedAt = Date.now();
      this.inflight ??= this.revalidate().finally(() => (this.inflight = undefined));
      if (this.store.snapshot) ctx?.waitUntil(this.inflight);
    }
    if (!this.store.snapshot) await this.inflight;
  }

  private get ttl(): number {
    return this.options.ttlMs ?? 5000;
  }

  /** The last good document another isolate cached; fresh within the TTL, it spares this one a fetch. */
  private async restore(): Promise<void> {
    try {
      this.cache = await openCache(this.options.cache);
      const cached = this.cache && (await readCached(this.cache, this.cacheKey));
      if (cached && this.apply(cached.text)) {
        this.etag = cached.etag;
        this.checkedAt = cached.fetchedAt;
      }
    } catch {
      // no cache, or an unreadable one: the fallback and the server still work
    }
  }

  private async revalidate(): Promise<void> {
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...bearer(this.options) };
      if (this.etag) headers['if-none-match'] = this.etag;
      const response = await fetch(this.endpoint, { headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000) });
      if (response.status === 304) return;
      const text = await response.text();
      if (!response.ok) throw new Error(`${this.endpoint} answered ${response.status}: ${text.slice(0, 200).trim()}`);
      if (!this.apply(text)) return;
      this.etag = response.headers.get('etag');
      await this.cache?.put(this.cacheKey, cachedResponse(text, this.etag, Date.now())).catch(() => undefined);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private apply(text: string): boolean {
    const result = this.store.apply(text);
    if (result.outcome === 'rejected') {
      this.fail(new Error(`rejected flag definitions from ${this.endpoint}: ${result.issues.map(formatIssue).join('; ')}`));
      return false;
    }
    if (result.outcome === 'applied') this.options.onChange?.(result.changed);
    return true;
  }

  private fail(error: Error): void {
    this.lastError = error;
    this.options.onError?.(error);
  }
}
