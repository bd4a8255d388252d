/** Polls `probe` (sync or async) until it gives something truthy (browser tests: no Node helpers here). */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 8000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
