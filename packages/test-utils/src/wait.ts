/**
 * Polls `probe` (sync or async) until it gives something truthy. No Node imports: the Chromium tests
 * of @switchyard/web use it too.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
