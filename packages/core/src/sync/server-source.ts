import { bearer, serverUrl, type ServerConnection } from '../protocol/connection.js';
import { PATHS, QUERY } from '../protocol/wire.js';
import type { BackoffOptions } from './backoff.js';
import type { SyncSource } from './events.js';
import { HttpPoller } from './http-poller.js';
import { SseStream, type EventSourceLike } from './sse-stream.js';
import type { Timers } from './timers.js';

export interface ServerSourceOptions extends ServerConnection {
  /** `sse`: `/v1/stream`, polling `/v1/flags` while streaming is unavailable; `poll`: ETag polling only. */
  readonly transport: 'sse' | 'poll';
  readonly pollIntervalMs: number;
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly fallbackAfterMs?: number;
  readonly timers?: Timers;
  /** Largest flags document read, in bytes (see `conditionalRequest`); an SSE factory may cap events with `capEvents`. */
  readonly maxBytes?: number;
  /** How this runtime opens an EventSource with these headers (Node's `eventsource`, browsers' native one). */
  readonly createEventSource?: (url: string, headers: Readonly<Record<string, string>>) => EventSourceLike;
  /** Browsers' EventSource cannot send headers: the key goes in the stream's query instead. */
  readonly keyInQuery?: boolean;
}

/** The source for a Switchyard server, as every runtime connects to it. */
export function serverSource(options: ServerSourceOptions): SyncSource {
  const headers = bearer(options);
  const { pollIntervalMs, timeoutMs, backoff, timers, createEventSource, maxBytes } = options;
  const poll = { url: serverUrl(options, PATHS.flags), headers, pollIntervalMs, timeoutMs, backoff, timers, maxBytes };
  if (options.transport === 'poll') return new HttpPoller(poll);
  if (!createEventSource) throw new TypeError('an sse source needs createEventSource');
  const url = serverUrl(options, PATHS.stream, options.keyInQuery ? { [QUERY.key]: options.key } : {});
  return new SseStream({ url, createEventSource: (u) => createEventSource(u, headers), fallback: poll, fallbackAfterMs: options.fallbackAfterMs, timers });
}
