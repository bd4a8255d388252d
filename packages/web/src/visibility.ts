/**
 * Calls `hidden` when the page is hidden and `visible` when it is shown again, once per change (a
 * repeated event is ignored); returns the unsubscribe.
 */
export function onVisibility(hidden: () => void, visible: () => void): () => void {
  const doc = globalThis.document;
  if (!doc) return () => undefined;
  let wasHidden = doc.visibilityState === 'hidden';
  const listener = () => {
    const isHidden = doc.visibilityState === 'hidden';
    if (isHidden === wasHidden) return;
    wasHidden = isHidden;
    if (isHidden) hidden();
    else visible();
  };
  doc.addEventListener('visibilitychange', listener);
  return () => doc.removeEventListener('visibilitychange', listener);
}
