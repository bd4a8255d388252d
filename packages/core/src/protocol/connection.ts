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
