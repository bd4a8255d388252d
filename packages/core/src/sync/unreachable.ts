import { PollError } from './poller.js';

/**
 * Why a fetch threw. In a page (feature-detected: `location`) a failed cross-origin request is a
 * server that is down, one that refuses the page's origin (CORS), or a passing failure (a dropped
 * connection, a network change), and the browser hides which. A `no-cors` request (no headers, an
 * opaque answer) tells whether the server is up; if it is, a plain one (no headers: no preflight)
 * tells whether it refuses this origin — final, since only the server's configuration can change
 * that — or allows it, and the failure passed.
 */
export async function unreachable(url: string, e: unknown, signal: AbortSignal): Promise<PollError> {
  const message = `cannot reach ${url}: ${((e as Error).cause as Error)?.message ?? (e as Error).message}`;
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!(e instanceof TypeError) || !origin || new URL(url).origin == origin) return new PollError(message);
  const answered = (mode: RequestMode) => fetch(url, { mode, signal }).then(() => 1, () => 0);
  if (!(await answered('no-cors'))) return new PollError(`${message} (no answer at all: is the server running?)`);
  if (await answered('cors')) return new PollError(message);
  return new PollError(`${message} (CORS: the server refuses this page's origin; start \`switchyard serve\` with \`--cors ${origin}\`)`, undefined, true);
}
