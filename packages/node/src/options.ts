import type { AgentSourceOptions, AppConfigDataSourceOptions, FlagFormat } from '@switchyard/appconfig';
import type { BackoffOptions, LoadOptions } from '@switchyard/core';

/** For AppConfig content: the opt-in sticky percentage rollout (see `docs/appconfig.md`). */
export interface AppConfigSurface {
  /** Simple flags with this numeric attribute (0–100) are on for that share of targeting keys. */
  readonly rolloutAttribute?: string;
}

/** Where flag definitions come from. */
export type SourceOptions =
  /** A flag file, watched (robust to editors' atomic renames): flagd, or AppConfig hosted/retrieval JSON (`format`, default auto-detected). */
  | ({ readonly type: 'file'; readonly path: string; readonly pollMs?: number; readonly format?: FlagFormat | 'auto' } & AppConfigSurface)
  /** AWS AppConfig through the AppConfigData API (`@aws-sdk/client-appconfigdata`; credentials and region from the usual AWS chain or `clientConfig`). */
  | ({ readonly type: 'appconfig' } & Omit<AppConfigDataSourceOptions, 'surface' | 'now'> & AppConfigSurface)
  /** The AppConfig Agent or Lambda extension (default `http://localhost:2772`). */
  | ({ readonly type: 'appconfig-agent' } & Omit<AgentSourceOptions, 'surface'> & AppConfigSurface)
  /** The Switchyard server's `/v1/flags`, polled with ETags. `url` is the server's base URL. */
  | { readonly type: 'poll'; readonly url: string; readonly key?: string; readonly intervalMs?: number; readonly timeoutMs?: number; readonly backoff?: BackoffOptions }
  /** The Switchyard server's `/v1/stream` (SSE), falling back to polling `/v1/flags` when streaming is unavailable. */
  | { readonly type: 'sse'; readonly url: string; readonly key?: string; readonly pollIntervalMs?: number; readonly fallbackAfterMs?: number; readonly timeoutMs?: number; readonly backoff?: BackoffOptions };

export interface SwitchyardProviderOptions extends LoadOptions {
  readonly source: SourceOptions;
  /** A flag document (text or object) to serve until the source answers: start-up never waits on the network. */
  readonly bootstrap?: string | object;
  /** `initialize` rejects if no valid definitions arrived by then (and no bootstrap was given); default 10,000 ms. */
  readonly initTimeoutMs?: number;
  /** The source may be unreachable this long before PROVIDER_STALE; default 10,000 ms. */
  readonly staleAfterMs?: number;
}

export class SwitchyardConfigError extends Error {
  readonly code = 'PROVIDER_FATAL';
  constructor(message: string) {
    super(message);
    this.name = 'SwitchyardConfigError';
  }
}

const positive = (value: unknown, name: string, problems: string[]) => {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) problems.push(`${name} must be a positive number of milliseconds`);
};

/** Checks options up front so a typo fails at construction with every problem named. */
export function validateOptions(options: SwitchyardProviderOptions): void {
  const problems: string[] = [];
  const source = options?.source as SourceOptions | undefined;
  if (!source || typeof source !== 'object') problems.push('source is required: { type: "file" | "poll" | "sse" | "appconfig" | "appconfig-agent", ... }');
  else if (source.type === 'file') {
    if (typeof source.path !== 'string' || source.path === '') problems.push('source.path must name the flag file');
    positive(source.pollMs, 'source.pollMs', problems);
  } else if (source.type === 'poll' || source.type === 'sse') {
    try {
      const url = new URL(source.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`source.url must be http(s), not ${url.protocol}`);
    } catch {
      problems.push(`source.url must be the server's base URL, e.g. "http://127.0.0.1:8013", not ${JSON.stringify(source.url)}`);
    }
    if (source.key !== undefined && typeof source.key !== 'string') problems.push('source.key must be a string');
    positive(source.timeoutMs, 'source.timeoutMs', problems);
    positive(source.type === 'poll' ? source.intervalMs : source.pollIntervalMs, source.type === 'poll' ? 'source.intervalMs' : 'source.pollIntervalMs', problems);
  } else if (source.type === 'appconfig' || source.type === 'appconfig-agent') {
    for (const name of ['application', 'environment', 'profile'] as const) {
      if (typeof source[name] !== 'string' || source[name] === '') problems.push(`source.${name} must name the AppConfig ${name} (ID or name)`);
    }
    if (source.type === 'appconfig-agent' && source.url !== undefined) {
      try {
        new URL(source.url);
      } catch {
        problems.push(`source.url must be the agent's URL, e.g. "http://localhost:2772", not ${JSON.stringify(source.url)}`);
      }
    }
    positive(source.timeoutMs, 'source.timeoutMs', problems);
  } else {
    problems.push(`source.type must be "file", "poll", "sse", "appconfig" or "appconfig-agent", not ${JSON.stringify((source as { type?: unknown }).type)}`);
  }
  positive(options?.initTimeoutMs, 'initTimeoutMs', problems);
  positive(options?.staleAfterMs, 'staleAfterMs', problems);
  if (problems.length > 0) throw new SwitchyardConfigError(`invalid Switchyard provider options:\n  ${problems.join('\n  ')}`);
}
