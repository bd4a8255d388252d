import { SSE_EVENTS, type HeartbeatPayload, type StreamPayload } from '../protocol/wire.js';
import type { SyncSink, SyncSource } from './events.js';
import { HttpPoller, type HttpPollerOptions } from './http-poller.js';
import { systemTimers, type Timers } from './timers.js';

/** The part of the WHATWG EventSource the engine uses (browsers' native one, or `eventsource` in Node). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: { data?: unknown; message?: string; code?: number }) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

const CLOSED = 2;
/** Heartbeats missed before a stream counts as lost: a silent server is noticed in 3 intervals. */
const MISSED_HEARTBEATS = 3;

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
  readonly timers?: Timers;
}

/**
 * Server-Sent Events from the Switchyard server (`snapshot` and `change` events carry the whole
 * document). EventSource reconnects by itself and resumes with `Last-Event-ID`; when the stream is
 * refused or stays down, a poller takes over until streaming works again. A server that goes silent
 * (hung, or a proxy black-holing the connection) is noticed too: once it has announced its heartbeat
 * interval, three missed heartbeats close the stream, start polling and retry streaming later.
 */
export class SseStream implements SyncSource {
  readonly description: string;
  private source?: EventSourceLike;
  private poller?: HttpPoller;
  /** Either the wait before polling starts (stream down) or before streaming is tried again (refused). */
  private timer?: unknown;
  private running = false;
  /** The server's heartbeat interval, once announced. */
  private heartbeatMs?: number;
  private watchdog?: unknown;
  /** The URL as messages show it: a key in the query (browsers' EventSource) must not reach logs. */
  private readonly shown: string;

  constructor(private readonly options: SseStreamOptions) {
    this.shown = options.url.replace(/([?&]key=)[^&#]*/, '$1…');
    this.description = `sse:${this.shown}`;
  }

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  start(sink: SyncSink): void {
    this.running = true;
    this.connect(sink);
  }

  stop(): void {
    this.running = false;
    this.timers.clearTimeout(this.watchdog);
    this.source?.close();
    this.fallback();
  }

  /** (Re)arms the silence watchdog: nothing — not even a heartbeat — for three intervals is a lost stream. */
  private watch(sink: SyncSink): void {
    this.timers.clearTimeout(this.watchdog);
    if (this.heartbeatMs === undefined || !this.running) return;
    const ms = this.heartbeatMs * MISSED_HEARTBEATS;
    this.watchdog = this.timers.setTimeout(() => {
      sink.unreachable(new Error(`stream ${this.shown}: silent for ${ms} ms (no heartbeat)`));
      this.source?.close();
      this.source = undefined;
      this.fallback(sink);
      this.timer = this.timers.setTimeout(() => this.connect(sink), this.options.retryStreamMs ?? 30_000);
    }, ms);
  }

  private connect(sink: SyncSink): void {
    if (!this.running) return;
    const { url, fallbackAfterMs = 5000, retryStreamMs = 30_000 } = this.options;
    const source = (this.source = this.options.createEventSource(url));
    const onDocument = (event: { data?: unknown }) => {
      let document: unknown = String(event.data);
      try {
        document = (JSON.parse(document as string) as StreamPayload).document;
      } catch {
        // not JSON: validation reports it with a path
      }
      this.watch(sink);
      sink.payload(document);
    };
    source.addEventListener('open', () => {
      this.fallback();
      this.watch(sink);
      sink.reachable();
    });
    source.addEventListener(SSE_EVENTS.snapshot, onDocument);
    source.addEventListener(SSE_EVENTS.change, onDocument);
    source.addEventListener(SSE_EVENTS.heartbeat, (event) => {
      let interval: unknown;
      try {
        interval = (JSON.parse(String(event.data)) as HeartbeatPayload).intervalMs;
      } catch {
        // an unreadable heartbeat still says the server is alive
      }
      // Bounded: a hostile or broken value can neither disable the watchdog nor make it fire constantly.
      if (typeof interval === 'number' && Number.isFinite(interval)) this.heartbeatMs = Math.min(Math.max(interval, 100), 300_000);
      this.watch(sink);
    });
    this.watch(sink); // a server known to send heartbeats that stays silent on reconnect is lost too
    source.addEventListener('error', (event) => {
      if (!this.running || source !== this.source) return;
      sink.unreachable(new Error(`stream ${this.shown}: ${event.code ? `HTTP ${event.code}` : (event.message ?? 'connection lost')}`));
      if (source.readyState === CLOSED) {
        // Refused (e.g. 401, 404, 503): poll now, try streaming again later.
        source.close();
        this.fallback(sink);
        this.timer = this.timers.setTimeout(() => this.connect(sink), retryStreamMs);
      } else if (this.timer === undefined && !this.poller) {
        this.timer = this.timers.setTimeout(() => this.fallback(sink), fallbackAfterMs);
      }
    });
  }

  /** With a sink: polling stands in for the stream. Without: the stream is back (or stopped), polling ends. */
  private fallback(sink?: SyncSink): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (!sink) {
      this.poller?.stop();
      this.poller = undefined;
    } else if (this.running && !this.poller && this.options.fallback) {
      (this.poller = new HttpPoller({ timers: this.options.timers, ...this.options.fallback })).start(sink);
    }
  }
}
