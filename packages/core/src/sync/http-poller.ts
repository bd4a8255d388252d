import { MAX_DOCUMENT_LENGTH } from '../model/limits.js';
import { retryAfterMs, type BackoffOptions } from './backoff.js';
import { readCapped } from './body.js';
import type { SyncSink, SyncSource } from './events.js';
import { unreachable } from './unreachable.js';
import { Poller, PollError } from './poller.js';
import type { Timers } from './timers.js';

export interface HttpPollerOptions {
  /** The flags endpoint, e.g. `http://127.0.0.1:8013/v1/flags`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Time between successful polls; default 5,000 ms. */
  readonly pollIntervalMs?: number;
  /** Per-request timeout; default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** Largest body read, in bytes; default `DEFAULT_LIMITS.maxDocumentLength` (see `conditionalRequest`). */
  readonly maxBytes?: number;
}

/**
 * Polls with `If-None-Match`: a 304 costs one round trip and no parsing. Failures back off with full
 * jitter; 429 and 503 wait at least as long as `Retry-After` says. `pollOnce` is one conditional GET
 * with no timer (edge workers).
 */
export class HttpPoller implements SyncSource {
  readonly description: string;
  /** The ETag of the last document delivered (settable: a document restored from a cache has one). */
  etag?: string | null;
  private readonly poller: Poller;
  private sink?: SyncSink;

  constructor(private readonly options: HttpPollerOptions) {
    this.description = `poll:${options.url}`;
    this.poller = new Poller((signal) => this.fetch(signal), {
      pollIntervalMs: options.pollIntervalMs ?? 5000,
      timeoutMs: options.timeoutMs,
      backoff: options.backoff,
      timers: options.timers,
      label: options.url,
      onFailure: (error) => this.sink?.unreachable(error),
    });
  }

  /** Starts polling; the promise settles when the first attempt is done. */
  start(sink: SyncSink): Promise<void> {
    this.sink = sink;
    return this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  /** One conditional GET now, no loop; resolves true if the server answered. */
  pollOnce(sink: SyncSink): Promise<boolean> {
    this.sink = sink;
    return this.poller.once();
  }

  private async fetch(signal: AbortSignal): Promise<void> {
    // The options carry `maxBytes`.
    const answer = await conditionalRequest(this.options.url, { ...this.options, headers: { Accept: 'application/json', ...this.options.headers }, etag: this.etag, signal });
    if (answer.status === 304) return this.sink?.reachable();
    this.sink?.payload(answer.text);
    this.etag = answer.etag;
  }
}

/** What a conditional request brought: nothing new (304), or a body and its ETag. */
export type ConditionalAnswer = { readonly status: 304 } | { readonly status: 200; readonly text: string; readonly etag: string | null };

/**
 * An answer that asking again cannot change: the request itself is refused (a wrong or missing key, an
 * unknown environment or path, a malformed request). 408, 425 and 429 are about timing, 5xx the server's.
 */
export const isFinalStatus = (status: number): boolean => status > 399 && status < 500 && ![408, 425, 429].includes(status);

/**
 * The reason in an error answer — Switchyard's `{"error"}`, OFREP's `{"errorDetails"}`, or the text —
 * on one line of at most 200 characters: it is the server's text, and it ends up in log lines
 * (control and bidi characters could forge or hide some). Only its first 4 KiB are read.
 */
export async function reasonOf(res: Response): Promise<string> {
  let [text] = await readCapped(res, 4096).catch(() => ['']);
  try {
    const body = JSON.parse(text);
    text = String(body.error ?? body.errorDetails ?? text);
  } catch {
    // not JSON: the text is the reason
  }
  text = text.replace(/[\0-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * One request with `If-None-Match` — the flags document, or OFREP answers. Throws a `PollError` when
 * the server cannot be reached or answers with an error: `final` when asking again cannot help (see
 * `isFinalStatus`, and a page's origin the server refuses), 429 and 503 with their `Retry-After`; and
 * when the body is over `maxBytes` (not final: a fixed server recovers), cut there. The cap defaults to
 * the document limit read as bytes: JSON is ASCII but for string values, so a document the parser
 * would take as ASCII is never cut, and no more is held than the parser would take (3× would cover
 * UTF-8's worst case for 3× the memory; Node's `limits.maxDocumentLength` sets it). A Content-Length
 * over the cap is not refused up front: the web bundle has no room for it, and the body is cut anyway.
 */
export async function conditionalRequest(
  url: string,
  init: {
    readonly method?: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly etag?: string | null;
    readonly signal: AbortSignal;
    readonly maxBytes?: number;
  },
): Promise<ConditionalAnswer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.etag) headers['If-None-Match'] = init.etag;
  let res: Response;
  try {
    res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, signal: init.signal });
  } catch (e) {
    throw await unreachable(url, e, init.signal);
  }
  if (res.status === 304) return { status: 304 };
  if (!res.ok) {
    const detail = await reasonOf(res);
    const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
    throw new PollError(`${url} answered ${res.status}${detail && `: ${detail}`}${wait === undefined ? '' : ` (Retry-After ${Math.round(wait)} ms)`}`, wait, isFinalStatus(res.status));
  }
  const max = init.maxBytes ?? MAX_DOCUMENT_LENGTH;
  const [text, whole] = await readCapped(res, max);
  if (!whole) throw new PollError(`${url} sent more than ${max} bytes: the flag document limit; the last good definitions keep serving`);
  return { status: 200, text, etag: res.headers.get('etag') };
}
