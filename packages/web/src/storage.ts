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
 * start from data the server now refuses. What is loaded keeps serving, as after any failure; once the
 * server answers again (READY), `current` is stored again — a 304 or the same document changes
 * nothing, so nothing else would store it.
 */
export function forgetOnRefusal(
  engine: { readonly lastProblem?: { readonly final?: boolean }; listen(listener: { status?(status: string): void }): unknown },
  key: string | undefined,
  current: () => string | undefined,
): void {
  let forgot = false;
  engine.listen({
    status: (status) => {
      // The last problem, not the status's: a refusal heard while STALE is one too.
      if (engine.lastProblem?.final) save(key, undefined), (forgot = true);
      else if (forgot && status == 'ready') save(key, current()), (forgot = false);
    },
  });
}
