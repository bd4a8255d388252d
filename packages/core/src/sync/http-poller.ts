import { backoffDelay, retryAfterMs, type BackoffOptions } from './backoff.js';
import type { SyncSink, SyncSource } from './events.js';

export interface HttpPollerOptions {
  /** The flags endpoint, e.g. `http://127.0.0.1:8013/v1/flags`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Time between successful polls; default 5,000 ms. */
  readonly intervalMs?: number;
  /** Per-request timeout; default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** Web-standard fetch (default: the global one). */
  readonly fetch?: typeof fetch;
}

/**
 * Polls with `If-None-Match`: a 304 costs one round trip and no parsing. Failures back off with full
 * jitter; 429 and 503 wait at least as long as `Retry-After` says.
 */
export class HttpPoller implements SyncSource {
  readonly description: string;
  private etag?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private failures = 0;
  private running = false;
  private inflight?: AbortController;

  constructor(private readonly options: HttpPollerOptions) {
    this.description = `poll:${options.url}`;
  }

  /** Starts polling; the promise settles when the first attempt is done. */
  start(sink: SyncSink): Promise<void> {
    this.running = true;
    return this.poll(sink);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.inflight?.abort();
  }

  /** Polls once now (e.g. when a page becomes visible again). */
  refresh(sink: SyncSink): void {
    clearTimeout(this.timer);
    void this.poll(sink);
  }

  private async poll(sink: SyncSink): Promise<void> {
    if (!this.running) return;
    const controller = new AbortController();
    this.inflight = controller;
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 10_000);
    let delay = this.options.intervalMs ?? 5000;
    try {
      const headers: Record<string, string> = { Accept: 'application/json', ...this.options.headers };
      if (this.etag) headers['If-None-Match'] = this.etag;
      const res = await (this.options.fetch ?? fetch)(this.options.url, { headers, signal: controller.signal });
      if (res.status === 304) {
        this.failures = 0;
        sink.reachable();
      } else if (res.ok) {
        const text = await res.text();
        this.failures = 0;
        this.etag = res.headers.get('etag') ?? undefined;
        sink.payload(text);
      } else {
        const detail = (await res.text().catch(() => '')).slice(0, 200).trim();
        const backoff = backoffDelay(this.failures++, this.options.backoff);
        const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
        delay = Math.max(backoff, wait ?? 0);
        sink.unreachable(new Error(`${this.options.url} answered ${res.status}${detail ? `: ${detail}` : ''}${wait !== undefined ? ` (Retry-After ${Math.round(wait)} ms)` : ''}`));
      }
    } catch (e) {
      if (!this.running) return;
      delay = backoffDelay(this.failures++, this.options.backoff);
      const reason = controller.signal.aborted ? `timed out after ${this.options.timeoutMs ?? 10_000} ms` : ((e as Error).cause as Error)?.message ?? (e as Error).message;
      sink.unreachable(new Error(`cannot reach ${this.options.url}: ${reason}`));
    } finally {
      clearTimeout(timeout);
    }
    if (this.running) this.timer = setTimeout(() => void this.poll(sink), delay);
  }
}
