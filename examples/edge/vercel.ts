// Vercel Edge Function: the same router; configuration from environment variables.
import { route, type Env } from './router.js';

export const config = { runtime: 'edge' };

declare const process: { env: Record<string, string | undefined> };

export default function handler(request: Request, context: { waitUntil(promise: Promise<unknown>): void }): Promise<Response> {
  return route(request, process.env as unknown as Env, context);
}
