import type { SyncSink, SyncSource } from './events.js';
import { HttpPoller, type HttpPollerOptions } from './http-poller.js';

/** The part of the WHATWG EventSource the engine uses (browsers' native one, or `eventsource` in Node). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: { data?: unknown; message?: string; code?: number }) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

const CLOSED = 2;

export interface SseStreamOptions {
  /** The stream endpoint, e.g. `http://127.0.0.1:8013/v1/stream`. */
  readonly url: string;
  /** Builds the EventSource (headers, credentials): injected, so the core needs no transport of its own. */
  readonly createEventSource: EventSourceFactory;
  /** Polling used while streaming is unavailable (the stream refused, or down past `fallbackAfterMs`). */
  readonly fallback?: HttpPollerOptions;
  /** How long a dropped stream may stay down before polling starts; default 5,000 ms. */
  readonly fallbackAfterMs?: number;
  /** After the server refuses the stream, how long until streaming is tried again; default 30,000 ms. */
  readonly retryStreamMs?: number;
}

/**
 * Server-Sent Events from the Switchyard server (`snapshot` and `change` events carry the whole
 * document). EventSource reconnects by itself and resumes with `Last-Event-ID`; when the stream is
 * refused or stays down, a poller takes over until streaming works again.
 */
export class SseStream implements SyncSource {
  readonly description: string;
  private source?: EventSourceLike;
  private poller?: HttpPoller;
  private fallbackTimer?: ReturnType<typeof setTimeout>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private running = false;

  constructor(private readonly options: SseStreamOptions) {
    this.description = `sse:${options.url}`;
  }

  start(sink: SyncSink): void {
    this.running = true;
    this.connect(sink);
  }

  stop(): void {
    this.running = false;
    this.source?.close();
    this.source = undefined;
    this.stopFallback();
    clearTimeout(this.retryTimer);
  }

  /** True while the poller is standing in for the stream. */
  get polling(): boolean {
    return this.poller !== undefined;
  }

  private connect(sink: SyncSink): void {
    if (!this.running) return;
    const source = this.options.createEventSource(this.options.url);
    this.source = source;
    const onDocument = (event: { data?: unknown }) => {
      try {
        const message = JSON.parse(String(event.data)) as { document?: unknown };
        sink.payload(message.document);
      } catch (e) {
        sink.payload(String(event.data)); // let validation report it with a path
      }
    };
    source.addEventListener('open', () => {
      clearTimeout(this.fallbackTimer);
      this.fallbackTimer = undefined;
      this.stopFallback();
      sink.reachable();
    });
    source.addEventListener('snapshot', onDocument);
    source.addEventListener('change', onDocument);
    source.addEventListener('error', (event) => {
      if (!this.running || source !== this.source) return;
      const detail = event.code ? `HTTP ${event.code}` : (event.message ?? 'connection lost');
      sink.unreachable(new Error(`stream ${this.options.url}: ${detail}`));
      if (source.readyState === CLOSED) {
        // Refused (e.g. 401, 404, 503): poll now, try streaming again later.
        source.close();
        this.startFallback(sink);
        this.retryTimer = setTimeout(() => this.connect(sink), this.options.retryStreamMs ?? 30_000);
      } else if (this.fallbackTimer === undefined && !this.poller) {
        this.fallbackTimer = setTimeout(() => {
          this.fallbackTimer = undefined;
          this.startFallback(sink);
        }, this.options.fallbackAfterMs ?? 5000);
      }
    });
  }

  private startFallback(sink: SyncSink): void {
    if (!this.running || this.poller || !this.options.fallback) return;
    this.poller = new HttpPoller(this.options.fallback);
    this.poller.start(sink);
  }

  private stopFallback(): void {
    clearTimeout(this.fallbackTimer);
    this.fallbackTimer = undefined;
    this.poller?.stop();
    this.poller = undefined;
  }
}
