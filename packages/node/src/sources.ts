import { capEvents, DEFAULT_LIMITS, eventCap, serverSource, type EventSourceLike, type SyncSource } from '@switchyard/core';
import { FileSource } from '@switchyard/file';
import { EventSource } from 'eventsource';
import { isSyncSource, type SourceOptions } from './options.js';

/** The sync source an options object describes (a `SyncSource` passed in is used as it is). */
export function createSource(options: SourceOptions, maxBytes = DEFAULT_LIMITS.maxDocumentLength): SyncSource {
  if (isSyncSource(options)) return options;
  switch (options.type) {
    case 'file':
      return new FileSource(options.path, { pollIntervalMs: options.pollIntervalMs, translate: options.translate });
    case 'poll':
    case 'sse':
      return serverSource({ ...options, transport: options.type, pollIntervalMs: options.pollIntervalMs ?? 5000, maxBytes, createEventSource: nodeEventSource(maxBytes) });
  }
}

/**
 * `eventsource` v4 takes a fetch: it sends the key as a header, and passes the body through
 * `capEvents` (the document limit, as much again for a change's keys, and framing: see `eventCap`).
 * An event over the cap would come again on reconnect, so the source is closed first: `SseStream`
 * then takes it as a refused stream (polling now, streaming again later).
 */
export const nodeEventSource =
  (maxBytes: number) =>
  (url: string, headers: Readonly<Record<string, string>>): EventSourceLike => {
    let over = false;
    const source = new EventSource(url, {
      fetch: async (input, init) => {
        const res = await fetch(input, { ...init, headers: { ...init?.headers, ...headers } });
        const body = res.body?.pipeThrough(capEvents(eventCap(maxBytes), () => (over = true))) ?? null;
        return { body, status: res.status, headers: res.headers, url: res.url, redirected: res.redirected };
      },
    });
    // Registered before SseStream's listener: listeners run in that order.
    source.addEventListener('error', () => over && source.close());
    return source;
  };
