/** Where a provider finds a Switchyard server, and who it is. */
export interface ServerConnection {
  /** The server's base URL, e.g. `https://flags.example.com`. */
  readonly url: string;
  /** A server or client key, sent as `Authorization: Bearer`. */
  readonly key?: string;
  /** The environment, for servers without keys that serve several (`?env=`). */
  readonly env?: string;
}

/** `base + path` (e.g. `/v1/flags`) with the environment and any extra query parameters. */
export function serverUrl(server: ServerConnection, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(server.url.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries({ env: server.env, ...query })) if (value) url.searchParams.set(name, value);
  return url.toString();
}

/** The key as request headers (none without a key). */
export function bearer(server: ServerConnection): Record<string, string> {
  return server.key ? { Authorization: `Bearer ${server.key}` } : {};
}

/**
 * Why `url` cannot be a server's base URL (undefined when it can), for every provider's option check.
 * A missing scheme is the common slip (`localhost:8013` even parses, with `localhost:` as its scheme):
 * the message says what to write instead.
 */
export function serverUrlProblem(url: unknown, name: string): string | undefined {
  try {
    if (/^https?:\/\//i.test(url as string) && new URL(url as string)) return;
  } catch {
    // e.g. "http://" alone: said below
  }
  const bare = typeof url == 'string' && /^[\w.-]+(:\d+)?(\/|$)/.test(url);
  return `${name} ${JSON.stringify(url)} ${bare ? `has no scheme: use "${/^(localhost|127\.)/.test(url) ? 'http' : 'https'}://${url}"` : 'must be an http(s) URL, e.g. "http://127.0.0.1:8013"'}`;
}
