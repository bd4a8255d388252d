/** localStorage that never throws: private browsing, quotas and disabled storage just mean no cache. */
export function load(key: string | undefined): string | undefined {
  try {
    return (key && globalThis.localStorage?.getItem(key)) || undefined;
  } catch {
    return undefined;
  }
}

export function save(key: string | undefined, value: string): void {
  try {
    if (key) globalThis.localStorage?.setItem(key, value);
  } catch {
    // a full or disabled store only costs the next start-up its cache
  }
}
