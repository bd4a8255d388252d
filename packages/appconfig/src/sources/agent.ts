import { HttpPoller, type BackoffOptions, type SyncSink, type SyncSource, type Timers, type Translator } from '@switchyard/core';
import { formatTranslator, type FlagFormat } from '../formats/translate.js';
import type { SurfaceOptions } from '../formats/to-flagd.js';

export interface AgentSourceOptions {
  /** The agent or Lambda extension; default `http://localhost:2772`. */
  readonly url?: string;
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  /** Only these flags (`?flag=a&flag=b`); default all. */
  readonly flags?: readonly string[];
  /** Sent as `Authorization: Bearer …` when the agent requires it. */
  readonly token?: string;
  /**
   * Context for the agent's own multi-variant evaluation (`Context: key=value` headers). The agent
   * evaluates once for this context; per-user variants need the rules (the hosted format) instead.
   */
  readonly context?: Readonly<Record<string, string | number | boolean>>;
  /** Time between polls; default 15,000 ms (the agent itself polls AppConfig, this is a local call). */
  readonly pollIntervalMs?: number;
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** Clock and timers for polling and timeouts (tests drive them). */
  readonly timers?: Timers;
  readonly format?: FlagFormat | 'auto';
  readonly surface?: SurfaceOptions;
}

export const DEFAULT_AGENT_URL = 'http://localhost:2772';

/** The agent's configuration URL for these options. */
export function agentUrl(options: AgentSourceOptions): string {
  const base = (options.url ?? DEFAULT_AGENT_URL).replace(/\/+$/, '');
  const path = [options.application, options.environment, options.profile].map(encodeURIComponent);
  const url = `${base}/applications/${path[0]}/environments/${path[1]}/configurations/${path[2]}`;
  const query = (options.flags ?? []).map((f) => `flag=${encodeURIComponent(f)}`).join('&');
  return query ? `${url}?${query}` : url;
}

/**
 * Polls the AppConfig Agent / Lambda extension over local HTTP. Errors (the agent answers 400, 404,
 * 500, 502, 504 with text bodies) are reported with that text and backed off; the last good snapshot
 * keeps serving.
 */
export class AgentSource implements SyncSource {
  readonly description: string;
  readonly translate: Translator;
  private readonly poller: HttpPoller;

  constructor(options: AgentSourceOptions) {
    const url = agentUrl(options);
    this.description = `appconfig-agent:${url}`;
    this.translate = formatTranslator(options.format ?? 'auto', options.surface, 'appconfig-retrieval');
    const headers: Record<string, string> = {};
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const context = Object.entries(options.context ?? {});
    if (context.length > 0) headers.Context = context.map(([k, v]) => `${k}=${v}`).join(',');
    const { timeoutMs, backoff, timers } = options;
    this.poller = new HttpPoller({ url, headers, pollIntervalMs: options.pollIntervalMs ?? 15_000, timeoutMs, backoff, timers });
  }

  start(sink: SyncSink): Promise<void> {
    return this.poller.start(sink);
  }

  stop(): void {
    this.poller.stop();
  }
}
