import { ProviderFatalError } from '@openfeature/web-sdk';
import { serverUrlProblem, type ServerConnection, type Timers } from '@switchyard/core';

/**
 * What both web providers take: where the Switchyard server is and how to talk to it. The `key` is a
 * client key, sent as `Authorization: Bearer` on fetch and as `?key=` on EventSource (which cannot send headers).
 */
export interface WebProviderOptions extends ServerConnection {
  /** Poll interval (polling transport, and the OFREP provider); default 30,000 ms. Paused while the page is hidden. */
  readonly pollIntervalMs?: number;
  /**
   * Start-up without a flash of defaults: a document rendered into the page by your server (local
   * mode: a flag document; OFREP mode: a bulk evaluation response). Served with reason CACHED until
   * fresh data arrives.
   */
  readonly bootstrap?: string | object;
  /** Keep the last good data in `localStorage` under this key (default: derived from url, env and a hash of the key); `false` to not persist. */
  readonly persist?: string | false;
  /** The server may be unreachable this long before PROVIDER_STALE; default 10,000 ms. */
  readonly staleAfterMs?: number;
  /** `initialize` fails if no data arrived by then and none was cached; default 10,000 ms. */
  readonly initTimeoutMs?: number;
  /** Where warnings go (local evaluation: flags that resolve PARSE_ERROR, e.g. an extension operator not enabled, with the fix); default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** The clock and timers polling and staleness run on; default the platform's (tests drive their own). */
  readonly timers?: Timers;
}

export function storageKey(options: WebProviderOptions, kind: string): string | undefined {
  if (options.persist === false) return undefined;
  // Keys choose environments: scoped by a hash of the key, a wrong key never starts from another key's copy.
  return options.persist ?? `switchyard:${kind}:${options.url}:${options.env ?? ''}:${fnv1a(options.key ?? '')}`;
}

/** A short stable name for a key (FNV-1a, not the core's murmur3: the OFREP bundle does not carry that; a name, not a secret: a client key is in the page anyway). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0).toString(36);
}

/** A `url` that cannot work fails at construction, with the fix (OpenFeature's PROVIDER_FATAL). */
export function checkOptions(options: WebProviderOptions): void {
  const problem = serverUrlProblem(options?.url, 'url');
  if (problem) throw new ProviderFatalError(`invalid Switchyard web provider options: ${problem}`);
}
