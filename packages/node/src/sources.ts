import { bearer, HttpPoller, PATHS, serverUrl, SseStream, type SyncSource } from '@switchyard/core';
import { FileSource } from '@switchyard/file';
import { EventSource } from 'eventsource';
import { isSyncSource, type SourceOptions } from './options.js';

/** The sync source an options object describes (a `SyncSource` passed in is used as it is). */
export function createSource(options: SourceOptions): SyncSource {
  if (isSyncSource(options)) return options;
  switch (options.type) {
    case 'file':
      return new FileSource(options.path, { pollMs: options.pollMs, translate: options.translate });
    case 'poll':
      return new HttpPoller({
        url: serverUrl(options, PATHS.flags),
        headers: bearer(options),
        pollIntervalMs: options.pollIntervalMs,
        timeoutMs: options.timeoutMs,
        backoff: options.backoff,
      });
    case 'sse': {
      const headers = bearer(options);
      return new SseStream({
        url: serverUrl(options, PATHS.stream),
        // eventsource v4 takes a fetch, which is how Node sends the key as a header.
        createEventSource: (url) =>
          new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) }),
        fallback: { url: serverUrl(options, PATHS.flags), headers, pollIntervalMs: options.pollIntervalMs ?? 5000, timeoutMs: options.timeoutMs, backoff: options.backoff },
        fallbackAfterMs: options.fallbackAfterMs,
      });
    }
  }
}
