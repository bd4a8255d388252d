/**
 * The last good document in the platform's Cache API, keyed by the flags URL: isolates come and go
 * (a cold one would otherwise start from the bundled bootstrap); the colo's cache outlives them.
 */
interface Cached {
  readonly text: string;
  readonly etag: string | null;
  /** When the document was fetched from the server (ms since the epoch). */
  readonly fetchedAt: number;
}

/**
 * The two Cache API methods the flags use. Typed structurally so the published types need no `Cache`
 * (only the fetch types `Response` and `AbortSignal`, which Node's types have too): Cloudflare's
 * `caches.default` and any `await caches.open(name)` fit.
 */
export interface FlagCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

const FETCHED_AT = 'x-switchyard-fetched-at';

export async function openCache(option: boolean | FlagCache | undefined): Promise<FlagCache | undefined> {
  if (option === false) return undefined;
  if (option && option !== true) return option;
  const storage = (globalThis as { caches?: { default?: FlagCache; open(name: string): Promise<FlagCache> } }).caches;
  if (!storage) return undefined;
  return storage.default ?? storage.open('switchyard');
}

export async function readCached(cache: FlagCache, key: string): Promise<Cached | undefined> {
  const response = await cache.match(key);
  if (!response) return undefined;
  return { text: await response.text(), etag: response.headers.get('etag'), fetchedAt: Number(response.headers.get(FETCHED_AT)) || 0 };
}

/** What is stored: the document, its ETag, and when it was fetched (a week's max-age keeps it cached). */
export function cachedResponse(text: string, etag: string | null, fetchedAt: number): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'max-age=604800', [FETCHED_AT]: String(fetchedAt) };
  if (etag) headers.etag = etag;
  return new Response(text, { headers });
}
