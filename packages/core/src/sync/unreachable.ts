import { PollError } from './poller.js';

/**
 * Why a fetch threw. In a page (feature-detected: `location`) a failed cross-origin request is a
 * server that is down or one that refuses the page's origin (CORS), and the browser hides which. A
 * `no-cors` request (no headers, an opaque answer) tells them apart: answered, the server is up and
 * refuses this origin — final, since only the server's configuration can change that.
 */
export async function unreachable(url: string, e: unknown, signal: AbortSignal): Promise<PollError> {
  const message = `cannot reach ${url}: ${((e as Error).cause as Error)?.message ?? (e as Error).message}`;
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!(e instanceof TypeError) || !origin || new URL(url).origin == origin) return new PollError(message);
  try {
    await fetch(url, { mode: 'no-cors', signal });
  } catch {
    return new PollError(`${message} (no answer at all: is the server running?)`);
  }
  return new PollError(`${message} (CORS: the server refuses this page's origin; start \`switchyard serve\` with \`--cors ${origin}\`)`, undefined, true);
}
