/** Calls `hidden`/`visible` as the page is hidden and shown again; returns the unsubscribe. */
export function onVisibility(hidden: () => void, visible: () => void): () => void {
  const doc = globalThis.document;
  if (!doc) return () => undefined;
  const listener = () => (doc.visibilityState === 'hidden' ? hidden() : visible());
  doc.addEventListener('visibilitychange', listener);
  return () => doc.removeEventListener('visibilitychange', listener);
}
