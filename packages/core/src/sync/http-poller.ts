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
}

/**
 * Polls with `If-None-Match`: a 304 costs one round trip and no parsing. Failures back off with full
 * jitter; 429 and 503 wait at least as long as `Retry-After` says.
 */
export class HttpPoller implements SyncSource {
  readonly description: string;
  private etag?: string | null;
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

  private async poll(sink: SyncSink): Promise<void> {
    const { url, timeoutMs = 10_000, backoff } = this.options;
    const controller = (this.inflight = new AbortController());
    const timeout = setTimeout(() => controller.abort(), timeoutMs);
    let delay = this.options.intervalMs ?? 5000;
    let problem: string | undefined;
    try {
      const headers: Record<string, string> = { Accept: 'application/json', ...this.options.headers };
      if (this.etag) headers['If-None-Match'] = this.etag;
      const res = await fetch(url, { headers, signal: controller.signal });
      if (res.ok || res.status === 304) {
        this.failures = 0;
        if (res.status === 304) sink.reachable();
        else {
          const text = await res.text();
          this.etag = res.headers.get('etag');
          sink.payload(text);
        }
      } else {
        const detail = (await res.text().catch(() => '')).slice(0, 200).trim();
        const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
        delay = Math.max(backoffDelay(this.failures++, backoff), wait ?? 0);
        problem = `${url} answered ${res.status}${detail && `: ${detail}`}${wait === undefined ? '' : ` (Retry-After ${Math.round(wait)} ms)`}`;
      }
    } catch (e) {
      if (!this.running) return;
      delay = backoffDelay(this.failures++, backoff);
      const reason = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : ((e as Error).cause as Error)?.message ?? (e as Error).message;
      problem = `cannot reach ${url}: ${reason}`;
    } finally {
      clearTimeout(timeout);
    }
    if (problem) sink.unreachable(new Error(problem));
    if (this.running) this.timer = setTimeout(() => void this.poll(sink), delay);
  }
}
