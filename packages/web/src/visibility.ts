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

/**
 * A hidden page neither polls nor holds a stream (browsers allow six HTTP/1.1 connections per origin
 * across all tabs): the engine stops now if the page is hidden (a tab opened in the background, after
 * its first load) and whenever it is hidden; shown again, it reconnects or polls at once and catches up.
 */
export function pauseWhileHidden(engine: { start(): void; stop(): Promise<void> }): () => void {
  if (globalThis.document?.visibilityState === 'hidden') void engine.stop();
  return onVisibility(
    () => void engine.stop(),
    () => engine.start(),
  );
}
