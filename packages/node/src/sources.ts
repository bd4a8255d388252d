import { AgentSource, AppConfigDataSource, formatTranslator } from '@switchyard/appconfig';
import { bearer, HttpPoller, serverUrl, SseStream, type SyncSource } from '@switchyard/core';
import { EventSource } from 'eventsource';
import { FileSource } from './file-source.js';
import type { SourceOptions } from './options.js';


/** Builds the sync source an options object describes. */
export function createSource(options: SourceOptions): SyncSource {
  switch (options.type) {
    case 'file':
      return new FileSource(options.path, { pollMs: options.pollMs, translate: formatTranslator(options.format ?? 'auto', { rolloutAttribute: options.rolloutAttribute }) });
    case 'appconfig': {
      const { type: _type, rolloutAttribute, ...rest } = options;
      return new AppConfigDataSource({ ...rest, surface: { rolloutAttribute } });
    }
    case 'appconfig-agent': {
      const { type: _type, rolloutAttribute, ...rest } = options;
      return new AgentSource({ ...rest, surface: { rolloutAttribute } });
    }
    case 'poll':
      return new HttpPoller({
        url: serverUrl(options, '/v1/flags'),
        headers: bearer(options),
        intervalMs: options.intervalMs,
        timeoutMs: options.timeoutMs,
        backoff: options.backoff,
      });
    case 'sse': {
      const headers = bearer(options);
      return new SseStream({
        url: serverUrl(options, '/v1/stream'),
        // eventsource v4 takes a fetch, which is how Node sends the key as a header.
        createEventSource: (url) =>
          new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) }),
        fallback: { url: serverUrl(options, '/v1/flags'), headers, intervalMs: options.pollIntervalMs ?? 5000, timeoutMs: options.timeoutMs, backoff: options.backoff },
        fallbackAfterMs: options.fallbackAfterMs,
      });
    }
  }
}
