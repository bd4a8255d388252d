/** What both web providers take: where the Switchyard server is and how to talk to it. */
export interface WebProviderOptions {
  /** The Switchyard server's base URL, e.g. `https://flags.example.com`. */
  readonly url: string;
  /** A client key: sent as `Authorization: Bearer` on fetch, and as `?key=` on EventSource (which cannot send headers). */
  readonly key?: string;
  /** The environment, for servers without keys that serve several (`?env=`). */
  readonly env?: string;
  /** Poll interval (polling transport, and the OFREP provider); default 30,000 ms. Paused while the page is hidden. */
  readonly pollIntervalMs?: number;
  /**
   * Start-up without a flash of defaults: a document rendered into the page by your server (local
   * mode: a flag document; OFREP mode: a bulk evaluation response). Served with reason CACHED until
   * fresh data arrives.
   */
  readonly bootstrap?: string | object;
  /** Keep the last good data in `localStorage` under this key (default: derived from url and env); `false` to not persist. */
  readonly persist?: string | false;
  /** The server may be unreachable this long before PROVIDER_STALE; default 10,000 ms. */
  readonly staleAfterMs?: number;
  /** `initialize` fails if no data arrived by then and none was cached; default 10,000 ms. */
  readonly initTimeoutMs?: number;
}

/** `base + path`, with the environment and (for EventSource) the key as query parameters. */
export function endpoint(options: WebProviderOptions, path: string, keyInQuery = false): string {
  const url = new URL(options.url.replace(/\/+$/, '') + path);
  if (options.env) url.searchParams.set('env', options.env);
  if (keyInQuery && options.key) url.searchParams.set('key', options.key);
  return url.toString();
}

export function authHeaders(options: WebProviderOptions): Record<string, string> {
  return options.key ? { Authorization: `Bearer ${options.key}` } : {};
}

export function storageKey(options: WebProviderOptions, kind: string): string | undefined {
  if (options.persist === false) return undefined;
  return options.persist ?? `switchyard:${kind}:${options.url}:${options.env ?? ''}`;
}
