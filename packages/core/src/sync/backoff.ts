export interface BackoffOptions {
  /** First retry delay ceiling; default 1,000 ms. */
  readonly initialMs?: number;
  /** Largest delay; default 60,000 ms. */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with full jitter (AWS architecture blog): a uniform delay in
 * [0, min(max, initial × 2^attempt)), so a fleet that lost its backend does not return in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const ceiling = Math.min(options.maxMs ?? 60_000, (options.initialMs ?? 1000) * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
