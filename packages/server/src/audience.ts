import type { FlagDocument, Snapshot } from '@switchyard/core';

/** Who is asking: server keys see every flag, client keys only flags marked for browsers. */
export type Scope = 'server' | 'client';

/**
 * Flag metadata that controls exposure to client keys:
 * - `clientSide: true` — the flag's whole definition (targeting included) may be sent to browsers.
 * - `serverOnly: true` — the flag is never evaluated for client keys, not even over OFREP.
 */
export function isServerOnly(snapshot: Snapshot, key: string): boolean {
  return snapshot.flags.get(key)?.metadata.serverOnly === true;
}

/**
 * The document a client key receives: only `clientSide` flags, and only the `$evaluators` those flags
 * reference, so rules that name users or emails in other flags never reach a browser.
 */
export function clientDocument(snapshot: Snapshot): FlagDocument {
  const doc = snapshot.document;
  const flags: Record<string, FlagDocument['flags'][string]> = {};
  const refs = new Set<string>();
  for (const [key, flag] of snapshot.flags) {
    if (flag.metadata.clientSide !== true) continue;
    flags[key] = doc.flags[key];
    for (const ref of flag.refs) refs.add(ref);
  }
  return {
    ...(doc.$schema !== undefined ? { $schema: doc.$schema } : {}),
    ...(doc.metadata !== undefined ? { metadata: doc.metadata } : {}),
    ...(refs.size > 0 ? { $evaluators: Object.fromEntries([...refs].map((name) => [name, doc.$evaluators![name]])) } : {}),
    flags,
  };
}
