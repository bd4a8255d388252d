import { serverSource, type SyncSource } from '@switchyard/core';
import { FileSource } from '@switchyard/file';
import { EventSource } from 'eventsource';
import { isSyncSource, type SourceOptions } from './options.js';

/** The sync source an options object describes (a `SyncSource` passed in is used as it is). */
export function createSource(options: SourceOptions): SyncSource {
  if (isSyncSource(options)) return options;
  switch (options.type) {
    case 'file':
      return new FileSource(options.path, { pollIntervalMs: options.pollIntervalMs, translate: options.translate });
    case 'poll':
    case 'sse':
      return serverSource({
        ...options,
        transport: options.type,
        pollIntervalMs: options.pollIntervalMs ?? 5000,
        // eventsource v4 takes a fetch, which is how Node sends the key as a header.
        createEventSource: (url, headers) => new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) }),
      });
  }
}
