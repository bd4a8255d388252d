import { ProviderFatalError } from '@openfeature/server-sdk';
import { serverUrlProblem, type BackoffOptions, type LoadOptions, type SyncSource, type Translator } from '@switchyard/core';

/** Where flag definitions come from: a built-in shorthand, or any `SyncSource` (e.g. `@switchyard/appconfig`'s). */
export type SourceOptions =
  /** A flag file, watched (robust to editors' atomic renames). `translate` reads other formats (e.g. AppConfig's `formatTranslator`). */
  | { readonly type: 'file'; readonly path: string; readonly pollIntervalMs?: number; readonly translate?: Translator }
  /** The Switchyard server's `/v1/flags`, polled with ETags. `url` is the server's base URL. */
  | { readonly type: 'poll'; readonly url: string; readonly key?: string; readonly env?: string; readonly pollIntervalMs?: number; readonly timeoutMs?: number; readonly backoff?: BackoffOptions }
  /** The Switchyard server's `/v1/stream` (SSE), falling back to polling `/v1/flags` when streaming is unavailable. */
  | {
      readonly type: 'sse';
      readonly url: string;
      readonly key?: string;
      readonly env?: string;
      readonly pollIntervalMs?: number;
      readonly fallbackAfterMs?: number;
      readonly timeoutMs?: number;
      readonly backoff?: BackoffOptions;
    }
  | SyncSource;

export interface SwitchyardProviderOptions extends Omit<LoadOptions, 'translate'> {
  readonly source: SourceOptions;
  /** A flag document (text or object) to serve until the source answers: start-up never waits on the network. */
  readonly bootstrap?: string | object;
  /** `initialize` rejects if no valid definitions arrived by then (and no bootstrap was given); default 10,000 ms. */
  readonly initTimeoutMs?: number;
  /** The source may be unreachable this long before PROVIDER_STALE; default 10,000 ms. */
  readonly staleAfterMs?: number;
  /** Where warnings go (flags that resolve PARSE_ERROR, with the fix); default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** Invalid provider options: thrown by the constructor, every problem named. OpenFeature's PROVIDER_FATAL. */
export class SwitchyardConfigError extends ProviderFatalError {
  constructor(message: string) {
    super(message);
    this.name = 'SwitchyardConfigError';
    Object.setPrototypeOf(this, SwitchyardConfigError.prototype);
  }
}

const positive = (value: unknown, name: string, problems: string[]) => {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) problems.push(`${name} must be a positive number of milliseconds`);
};

/** A source passed in as an object: it has `start` and `stop`. */
export const isSyncSource = (source: unknown): source is SyncSource =>
  typeof source === 'object' && source !== null && typeof (source as SyncSource).start === 'function' && typeof (source as SyncSource).stop === 'function';

/** Checks options up front so a typo fails at construction with every problem named. */
export function validateOptions(options: SwitchyardProviderOptions): void {
  const problems: string[] = [];
  const source = options?.source as SourceOptions | undefined;
  if (!source || typeof source !== 'object') problems.push('source is required: { type: "file" | "poll" | "sse", ... } or a SyncSource (e.g. new AppConfigDataSource(...))');
  else if (isSyncSource(source)) {
    if (typeof source.description !== 'string') problems.push('source.description must be a string naming the source (used in errors)');
  } else if (source.type === 'file') {
    if (typeof source.path !== 'string' || source.path === '') problems.push('source.path must name the flag file');
    if (source.translate !== undefined && typeof source.translate !== 'function') problems.push('source.translate must be a function (e.g. formatTranslator("auto") from @switchyard/appconfig)');
    positive(source.pollIntervalMs, 'source.pollIntervalMs', problems);
  } else if (source.type === 'poll' || source.type === 'sse') {
    const urlProblem = serverUrlProblem(source.url, 'source.url');
    if (urlProblem) problems.push(urlProblem);
    if (source.key !== undefined && typeof source.key !== 'string') problems.push('source.key must be a string');
    positive(source.timeoutMs, 'source.timeoutMs', problems);
    positive(source.pollIntervalMs, 'source.pollIntervalMs', problems);
  } else {
    const type = (source as { type?: unknown }).type;
    const hint = type === 'appconfig' || type === 'appconfig-agent' ? ' (AWS AppConfig: pass new AppConfigDataSource({...}) or new AgentSource({...}) from @switchyard/appconfig as the source)' : '';
    problems.push(`source.type must be "file", "poll" or "sse", or source a SyncSource, not ${JSON.stringify(type)}${hint}`);
  }
  positive(options?.initTimeoutMs, 'initTimeoutMs', problems);
  positive(options?.staleAfterMs, 'staleAfterMs', problems);
  if (problems.length > 0) throw new SwitchyardConfigError(`invalid Switchyard provider options:\n  ${problems.join('\n  ')}`);
}
