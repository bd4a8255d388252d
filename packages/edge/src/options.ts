import type { LoadOptions, ServerConnection } from '@switchyard/core';
import type { FlagCache } from './cache.js';

/** The server (`GET {url}/v1/flags` with `If-None-Match`), and how the worker keeps its flags. */
export interface EdgeFlagsOptions extends ServerConnection {
  /** How long a snapshot is served before the next request revalidates it; default 5,000 ms. */
  readonly ttlMs?: number;
  /** A flag document bundled with the worker: the first request never waits on the network. */
  readonly bootstrap?: string | object;
  /**
   * Keep the last good document in the platform cache (Cloudflare's `caches.default`, or any Cache API
   * `Cache`: see `FlagCache`), so a cold isolate starts from it rather than from the bundled bootstrap.
   * Default: on where the runtime has `caches`.
   */
  readonly cache?: boolean | FlagCache;
  /** Per-request timeout for revalidation; default 2,000 ms. */
  readonly timeoutMs?: number;
  /** Failed revalidations for this long make the status `stale` (PROVIDER_STALE); default 10,000 ms. */
  readonly staleAfterMs?: number;
  /** Operators beyond flagd's, e.g. `extensionOperators` for flags translated from AWS AppConfig. */
  readonly operators?: LoadOptions['operators'];
  /** Called with the exact changed flag keys after a new document was applied. */
  readonly onChange?: (flagsChanged: readonly string[]) => void;
  /** Where warnings go (flags that resolve PARSE_ERROR, e.g. an extension operator not enabled, with the fix); default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Called when revalidation failed or a document was rejected; the last good snapshot keeps serving. Default: `warn`, prefixed `switchyard:`. */
  readonly onError?: (error: Error) => void;
}

/** What workers hand over so revalidation can outlive the response (`ctx`, `event`, Vercel's context). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}
