/** localStorage that never throws: private browsing, quotas and disabled storage just mean no cache. */
export function load(key: string | undefined): string | undefined {
  try {
    return (key && globalThis.localStorage?.getItem(key)) || undefined;
  } catch {
    return undefined;
  }
}

/** Stores `value`, or forgets the copy without one. */
export function save(key: string | undefined, value?: string): void {
  try {
    if (key) value === undefined ? globalThis.localStorage?.removeItem(key) : globalThis.localStorage?.setItem(key, value);
  } catch {
    // a full or disabled store only costs the next start-up its cache
  }
}

/**
 * A refusal (a revoked key, an environment gone) forgets the stored copy: the next page load must not
 * start from data the server now refuses. What is loaded keeps serving, as after any failure.
 */
export function forgetOnRefusal(engine: { listen(listener: { status?(status: unknown, problem?: { final?: boolean }): void }): unknown }, key: string | undefined): void {
  engine.listen({ status: (_status, problem) => problem?.final && save(key) });
}
